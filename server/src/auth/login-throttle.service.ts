import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import {
  countDelayedAttempt,
  countWindowAttempt,
  delayedAttemptWait,
  deleteOldThrottleKeys,
  deleteThrottleKey,
  giveAttemptBack,
} from './store/login-throttle.store.js';
import { deleteExpiredSessions } from './store/sessions.store.js';

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
    const m = this.dataSource.manager;
    const ipRow = await countWindowAttempt(m, ipKey(ip), window);
    if (ipRow && ipRow.attempts > this.config.LOGIN_MAX_PER_IP) {
      return { allowed: false, retryAfterSeconds: Number(ipRow.retry_after) };
    }
    // The account from this client: the next attempt may come after 2^(failures - free) seconds
    // (capped at the window). A waiting attempt changes nothing.
    const accountKey = userKey(username, ip);
    if (await countDelayedAttempt(m, accountKey, window, this.config.LOGIN_MAX_PER_USER)) {
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const wait = await delayedAttemptWait(m, accountKey, window, this.config.LOGIN_MAX_PER_USER);
    return { allowed: false, retryAfterSeconds: Number(wait ?? 1) };
  }

  /** A successful login does not count against the IP, and resets the account for this client. */
  async succeeded(ip: string, username: string): Promise<void> {
    await giveAttemptBack(this.dataSource.manager, ipKey(ip));
    await deleteThrottleKey(this.dataSource.manager, userKey(username, ip));
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 10 * 60_000) return;
    this.lastCleanup = Date.now();
    await deleteOldThrottleKeys(this.dataSource.manager, this.config.LOGIN_WINDOW_SECONDS);
    await deleteExpiredSessions(this.dataSource.manager);
  }
}

const ipKey = (ip: string) => `ip:${ip}`;
const userKey = (username: string, ip: string) => `user:${username}@${ip}`;
