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
 * count exact across replicas. Fixed windows of LOGIN_WINDOW_SECONDS, per client IP and per username.
 * Every attempt is counted up front (so concurrent attempts cannot slip past the limit); a
 * successful login gives the IP its attempt back and clears the username's counter.
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
    const checks: Array<[string, number]> = [
      [`ip:${ip}`, this.config.LOGIN_MAX_PER_IP],
      [`user:${username}`, this.config.LOGIN_MAX_PER_USER],
    ];
    let allowed = true;
    let retryAfterSeconds = 0;
    for (const [key, max] of checks) {
      const [row] = (await this.dataSource.query(
        `INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES ($1, now(), 1)
         ON CONFLICT (key) DO UPDATE SET
           attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END,
           window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN now() ELSE t.window_start END
         RETURNING attempts,
           GREATEST(1, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int) AS retry_after`,
        [key, this.config.LOGIN_WINDOW_SECONDS],
      )) as Array<{ attempts: number; retry_after: number }>;
      if (row && row.attempts > max) {
        allowed = false;
        retryAfterSeconds = Math.max(retryAfterSeconds, Number(row.retry_after));
      }
    }
    return { allowed, retryAfterSeconds };
  }

  /** A successful login does not count against the IP, and resets the username. */
  async succeeded(ip: string, username: string): Promise<void> {
    await this.dataSource.query(`UPDATE login_throttle SET attempts = GREATEST(attempts - 1, 0) WHERE key = $1`, [
      `ip:${ip}`,
    ]);
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [`user:${username}`]);
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
