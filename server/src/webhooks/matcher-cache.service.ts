import { Injectable } from '@nestjs/common';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import type { Job } from '../jobs/job.entity.js';
import { type MatchSet, type MatchSetJob, matchSetOf } from './match-set.js';
import { CompiledMatcher } from './matcher.js';

interface Entry {
  key: string;
  matcher: CompiledMatcher<Job>;
  set: MatchSet;
}

/**
 * The compiled matcher of every enabled job with a GitHub trigger, rebuilt only when jobs change.
 * The jobs come from the job catalogue (jobs/job-catalogue.service.ts), whose list is checked against
 * one aggregate over `jobs` on every read: every write through JobsService bumps a version, whichever
 * replica made it, so a delivery never matches against stale definitions. The matcher is kept under
 * the catalogue key it was built from. Patterns themselves are compiled once (see matcher.ts).
 */
@Injectable()
export class MatcherCache {
  private current: Entry | null = null;
  /** The catalogue read in flight, and the one that starts when it ends (shared by who asked meanwhile). */
  private reading: Promise<Entry> | null = null;
  private queued: Promise<Entry> | null = null;

  constructor(private readonly catalogue: JobCatalogue) {}

  /**
   * The matcher, and the match set (job ids, names, trigger-0 watchFiles) the stored explanations refer to.
   * Every caller gets a catalogue read that STARTED after it asked (never a stale answer); callers that
   * ask while a read is in flight share the next one, so a burst of deliveries costs one read per round
   * trip instead of one each.
   */
  get(): Promise<Entry> {
    if (!this.reading) return this.read();
    this.queued ??= this.reading
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queued = null;
        return this.read();
      });
    return this.queued;
  }

  private read(): Promise<Entry> {
    const p = this.load();
    this.reading = p;
    const done = () => {
      if (this.reading === p) this.reading = null;
    };
    p.then(done, done);
    return p;
  }

  private async load(): Promise<Entry> {
    const { key, jobs } = await this.catalogue.all();
    if (this.current?.key === key) return this.current;
    const watched = jobs.filter((j) => j.enabled && Array.isArray(j.triggers?.github) && j.triggers.github.length > 0);
    const matcher = new CompiledMatcher(watched);
    const first = new Map(matcher.triggers.filter((t) => t.index === 0).map((t) => [t.jobIndex, t.watchFilesJson]));
    const set = matchSetOf(watched.map((j, i): MatchSetJob => [j.id, j.name, first.get(i) ?? null]));
    this.current = { key, matcher, set };
    return this.current;
  }
}
