import { Injectable } from '@nestjs/common';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import type { Job } from '../jobs/job.entity.js';
import { CompiledMatcher } from './matcher.js';

/**
 * The compiled matcher of every enabled job with a GitHub trigger, rebuilt only when jobs change.
 * The jobs come from the job catalogue (jobs/job-catalogue.service.ts), whose list is checked against
 * one aggregate over `jobs` on every read: every write through JobsService bumps a version, whichever
 * replica made it, so a delivery never matches against stale definitions. The matcher is kept under
 * the catalogue key it was built from. Patterns themselves are compiled once (see matcher.ts).
 */
@Injectable()
export class MatcherCache {
  private current: { key: string; matcher: CompiledMatcher<Job> } | null = null;

  constructor(private readonly catalogue: JobCatalogue) {}

  async get(): Promise<CompiledMatcher<Job>> {
    const { key, jobs } = await this.catalogue.all();
    if (this.current?.key === key) return this.current.matcher;
    const watched = jobs.filter((j) => j.enabled && Array.isArray(j.triggers?.github) && j.triggers.github.length > 0);
    const matcher = new CompiledMatcher(watched);
    this.current = { key, matcher };
    return matcher;
  }
}
