import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';

export interface ThrottleVerdict {
  allowed: boolean;
  /** Seconds until the fullest window resets (when not allowed). */
  retryAfterSeconds: number;
}

/**
 * Login throttling in Postgres (table `login_throttle`), not @nestjs/throttler's in-memory store:
 * with several replicas behind a load balancer an in-memory counter gives an attacker N times the
 * attempts and forgets everything on restart. One atomic upsert per key per attempt keeps the
 * count exact across replicas. Two keys:
 * - the client IP: at most LOGIN_MAX_PER_IP attempts per LOGIN_WINDOW_SECONDS (fixed window);
 * - the account *from that client* (username + IP): after LOGIN_MAX_PER_USER failures each further attempt
 *   waits a growing delay (1 s, 2 s, 4 s, … up to the window). Failures from other clients never delay the
 *   owner's own client, so nobody can lock an account out by guessing its password from elsewhere.
 * Attempts are counted up front (so concurrent attempts cannot slip past the limit); a successful
 * login gives the IP its attempt back and clears the account's counter for that client.
 */
@Injectable()
export class LoginThrottleService {
  private lastCleanup = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async hit(ip: string, username: string): Promise<ThrottleVerdict> {
    await this.cleanup();
    const window = this.config.LOGIN_WINDOW_SECONDS;
    const [ipRow] = (await this.dataSource.query(
      `INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END,
         window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN now() ELSE t.window_start END
       RETURNING attempts,
         GREATEST(1, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int) AS retry_after`,
      [ipKey(ip), window],
    )) as Array<{ attempts: number; retry_after: number }>;
    if (ipRow && ipRow.attempts > this.config.LOGIN_MAX_PER_IP) {
      return { allowed: false, retryAfterSeconds: Number(ipRow.retry_after) };
    }
    // The account from this client: window_start is the last attempt; the next one may come after
    // 2^(failures - free) seconds (capped at the window). A waiting attempt changes nothing.
    const delay = `LEAST(power(2, t.attempts - $3)::float8, $2::float8)`;
    const accountKey = userKey(username, ip);
    const counted = (await this.dataSource.query(
      `INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END,
         window_start = now()
       WHERE t.attempts < $3 OR t.window_start + make_interval(secs => ${delay}) <= now()
       RETURNING attempts`,
      [accountKey, window, this.config.LOGIN_MAX_PER_USER],
    )) as unknown[];
    if (counted.length) return { allowed: true, retryAfterSeconds: 0 };
    const [wait] = (await this.dataSource.query(
      `SELECT GREATEST(1, ceil(extract(epoch FROM (t.window_start + make_interval(secs => ${delay}) - now())))::int) AS s
         FROM login_throttle t WHERE key = $1`,
      [accountKey, window, this.config.LOGIN_MAX_PER_USER],
    )) as Array<{ s: number }>;
    return { allowed: false, retryAfterSeconds: Number(wait?.s ?? 1) };
  }

  /** A successful login does not count against the IP, and resets the account for this client. */
  async succeeded(ip: string, username: string): Promise<void> {
    await this.dataSource.query(`UPDATE login_throttle SET attempts = GREATEST(attempts - 1, 0) WHERE key = $1`, [
      ipKey(ip),
    ]);
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [userKey(username, ip)]);
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 10 * 60_000) return;
    this.lastCleanup = Date.now();
    await this.dataSource.query(`DELETE FROM login_throttle WHERE window_start < now() - make_interval(secs => $1)`, [
      this.config.LOGIN_WINDOW_SECONDS,
    ]);
    await this.dataSource.query(`DELETE FROM sessions WHERE expires_at < now() - interval '1 day'`);
  }
}

const ipKey = (ip: string) => `ip:${ip}`;
const userKey = (username: string, ip: string) => `user:${username}@${ip}`;
