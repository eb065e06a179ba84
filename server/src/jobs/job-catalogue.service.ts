import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PgListener } from '../database/pg-listener.service.js';
import type { Job } from './job.entity.js';
import { JobsStore } from './jobs.store.js';

/** NOTIFY channel of job changes: every replica's catalogue drops what it cached. */
export const JOBS_CHANNEL = 'apm_jobs';

/** The cached list is dropped when it grows past this many definitions by id. */
const BY_ID_MAX = 5000;

/**
 * The one cache of job definitions in a process, and its one invalidation signal.
 *
 * - Definitions by id are kept with their stamp (`version:updated_at`); a reader that has fresh
 *   stamps (the queue's claim statement reads them) gets cached definitions only when unchanged.
 * - The full list is kept under the catalogue key (count, sum of versions, max updated_at: one
 *   aggregate): every write through JobsService or config-as-code bumps a version, whichever replica
 *   made it, so a reader of the list never sees stale definitions.
 * - Invalidation: writes call `changed(manager)` (NOTIFY `apm_jobs` at commit, through the shared
 *   LISTEN connection, to every replica) and `invalidate()` locally after commit; a reconnect of the
 *   LISTEN connection drops everything too (notifications may have been missed).
 */
@Injectable()
export class JobCatalogue implements OnModuleInit {
  private byId = new Map<string, { stamp: string; job: Job }>();
  private list: { key: string; jobs: Job[] } | null = null;
  private listLoad: { key: string; promise: Promise<Job[]> } | null = null;
  private notifying: { names: Set<string>; at: number } | null = null;
  private notifyingLoad: Promise<Set<string>> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: JobsStore,
    private readonly listener: PgListener,
  ) {}

  onModuleInit(): void {
    this.listener.subscribe(JOBS_CHANNEL, () => this.invalidate());
    this.listener.onReconnect(() => this.invalidate());
  }

  /** Drop every cached definition (and tell `onInvalidate` subscribers, e.g. the compiled matcher). */
  invalidate(): void {
    this.byId.clear();
    this.list = null;
    this.notifying = null;
    for (const l of this.listeners) l();
  }

  /** Called after every invalidation; returns the unsubscribe. */
  onInvalidate(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Inside a transaction that wrote jobs: NOTIFY every replica at commit (call invalidate() after it). */
  async changed(manager: EntityManager): Promise<void> {
    await this.store.notifyChanged(manager, JOBS_CHANNEL);
  }

  /** The key the full list is valid under: changes with every job write on any replica. */
  key(): Promise<string> {
    return this.store.catalogueKey();
  }

  /** Every job, ordered by name, with the key it was read under (fresh: checked against the key). */
  async all(): Promise<{ key: string; jobs: Job[] }> {
    const key = await this.key();
    if (this.list?.key === key) return this.list;
    if (this.listLoad?.key === key) return { key, jobs: await this.listLoad.promise };
    const promise = this.store.findAllByName();
    this.listLoad = { key, promise };
    try {
      const jobs = await promise;
      this.list = { key, jobs };
      return this.list;
    } finally {
      if (this.listLoad?.promise === promise) this.listLoad = null;
    }
  }

  /** Definitions of jobs whose current stamps the caller read; re-read only those changed since cached. */
  async byStamps(stamps: Map<string, { stamp: string }>): Promise<Map<string, Job>> {
    const out = new Map<string, Job>();
    const stale: string[] = [];
    for (const [id, { stamp }] of stamps) {
      const hit = this.byId.get(id);
      if (hit && hit.stamp === stamp) out.set(id, hit.job);
      else stale.push(id);
    }
    if (stale.length) {
      const jobs = await this.store.findByIds(stale);
      for (const j of jobs) {
        out.set(j.id, j);
        this.byId.set(j.id, { stamp: stamps.get(j.id)!.stamp, job: j });
      }
    }
    if (this.byId.size > BY_ID_MAX) this.byId.clear();
    return out;
  }

  /** Current definitions of these jobs by id (stamps read now; unchanged ones come from the cache). */
  async byIds(ids: string[]): Promise<Map<string, Job>> {
    if (!ids.length) return new Map();
    return this.byStamps(await this.store.stampsOf(ids));
  }

  /** Enabled jobs among these ids (what the schedule ticker fires). */
  async enabledByIds(ids: string[]): Promise<Job[]> {
    return [...(await this.byIds(ids)).values()].filter((j) => j.enabled);
  }

  /** Enabled jobs among these names. */
  async enabledByNames(names: string[]): Promise<Job[]> {
    if (!names.length) return [];
    const byName = new Set(names);
    return (await this.all()).jobs.filter((j) => j.enabled && byName.has(j.name));
  }

  /**
   * Names of the jobs that have notifications, read at most once a second (or after an invalidation):
   * the events of every other job (most of them, under load) cost no query. `age()` says how old.
   */
  notifyingJobNames(): Promise<Set<string>> {
    if (this.notifying && Date.now() - this.notifying.at < 1000) return Promise.resolve(this.notifying.names);
    this.notifyingLoad ??= this.store
      .notifyingJobNames()
      .then((names) => {
        this.notifying = { names, at: Date.now() };
        return names;
      })
      .finally(() => (this.notifyingLoad = null));
    return this.notifyingLoad;
  }

  /** Milliseconds since the notifying-jobs list was read (Infinity when there is none). */
  notifyingAge(): number {
    return this.notifying ? Date.now() - this.notifying.at : Number.POSITIVE_INFINITY;
  }
}
