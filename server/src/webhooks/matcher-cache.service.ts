import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Job } from '../jobs/job.entity.js';
import { CompiledMatcher } from './matcher.js';

/**
 * The compiled matcher of every enabled job with a GitHub trigger, rebuilt only when jobs change.
 * Change detection is one aggregate over `jobs` (count, sum of @VersionColumn, max updated_at):
 * every write through JobsService bumps the version, whichever replica made it, so a delivery never
 * matches against stale definitions. Patterns themselves are compiled once (see matcher.ts).
 */
@Injectable()
export class MatcherCache {
  private current: { key: string; matcher: CompiledMatcher<Job> } | null = null;
  private building: { key: string; promise: Promise<CompiledMatcher<Job>> } | null = null;

  constructor(@InjectRepository(Job) private readonly jobs: Repository<Job>) {}

  async get(): Promise<CompiledMatcher<Job>> {
    const [row] = (await this.jobs.query(
      `SELECT count(*)::int AS n, coalesce(sum(version), 0)::text AS v, coalesce(max(updated_at)::text, '') AS u FROM jobs`,
    )) as Array<{ n: number; v: string; u: string }>;
    const key = `${row.n}:${row.v}:${row.u}`;
    if (this.current?.key === key) return this.current.matcher;
    if (this.building?.key === key) return this.building.promise;
    const promise = this.build(key);
    this.building = { key, promise };
    try {
      return await promise;
    } finally {
      if (this.building?.promise === promise) this.building = null;
    }
  }

  /** Matcher over the current jobs without touching the cache (dry runs may call either). */
  private async build(key: string): Promise<CompiledMatcher<Job>> {
    const all = await this.jobs.find({ where: { enabled: true }, order: { name: 'ASC' } });
    const watched = all.filter((j) => Array.isArray(j.triggers?.github) && j.triggers.github.length > 0);
    const matcher = new CompiledMatcher(watched);
    this.current = { key, matcher };
    return matcher;
  }
}
