import { ConflictException, HttpException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { WebhookRepoConfig } from '@api-manager/contracts';
import { AppConfig } from '../../config/app-config.js';
import { Environment } from '../../config/environment.js';
import { expandEnv } from '../../config-as-code/config-file.js';
import { validateDto } from '../../config-as-code/plan-common.js';
import { CreateJobDto } from '../../jobs/dto/job.dto.js';
import type { Job } from '../../jobs/job.entity.js';
import { JobsService } from '../../jobs/jobs.service.js';
import type { Evaluation } from '../delivery-recorder.service.js';
import { CompiledMatcher, type GithubTrigger, type JobMatch } from '../matcher.js';
import type { NormalizedPush } from '../push-event.js';
import type { SourceSecret } from '../webhook-sources.service.js';
import { parseRepoConfig, RepoConfigError, repoJobName, type RepoJobSpec } from './repo-config-file.js';
import { RepoConfigReader } from './repo-config-reader.js';

/**
 * CI configuration in the repository (webhook sources with `repoConfig`): reads `.api-manager.yaml`
 * or `.toyci.yaml` at the pushed commit, turns its jobs into server jobs (group `repo:<owner/name>`,
 * named `<owner>-<name>.<job>`, no triggers of their own) and matches them against the push as if
 * they were defined on the server. Runs BEFORE the delivery's transaction; a file that cannot be
 * read or used runs none of its jobs and is recorded with the reason.
 */
@Injectable()
export class RepoConfigService {
  private readonly logger = new Logger(RepoConfigService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly environment: Environment,
    private readonly jobs: JobsService,
  ) {}

  /** The evaluation with the repository's jobs added, and what the delivery records; null when not applicable. */
  async apply(
    source: SourceSecret | null,
    push: NormalizedPush | null,
    evaluation: Evaluation,
  ): Promise<Evaluation | null> {
    if (!source?.repoConfig || !push || push.deleted || push.tag !== null || !push.after) return null;
    if (evaluation.outcome !== 'triggered' && evaluation.outcome !== 'no_match') return null;
    const commit = push.after;
    const record: WebhookRepoConfig = { file: null, commit, jobs: [], error: null };
    let matches: JobMatch<Job>[] = [];
    try {
      if (!this.config.COMMAND_JOBS_ENABLED)
        throw new RepoConfigError('command jobs are disabled on this server (COMMAND_JOBS_ENABLED)');
      if (!push.cloneUrl) throw new RepoConfigError('the push has no clone URL');
      const reader = new RepoConfigReader(
        this.environment.forScripts(),
        this.config.REPO_CONFIG_TIMEOUT_MS,
        this.config.REPO_CONFIG_GIT_TOKEN ?? null,
      );
      const found = await reader.read(push.cloneUrl, commit, push.branch);
      if (!found) return { ...evaluation, repoConfig: record };
      record.file = found.file;
      const specs = parseRepoConfig(found.file, found.text);
      const jobs = await this.upsert(push.repository, found.file, commit, specs);
      record.jobs = jobs.map((j) => j.job.name);
      matches = this.match(push, evaluation, jobs, found.file, commit);
    } catch (err) {
      if (!(err instanceof RepoConfigError)) throw err;
      record.error = err.message;
      this.logger.warn(`Repository config of ${push.repository} at ${commit.slice(0, 12)}: ${err.message}`);
    }
    const all = [...evaluation.matches, ...matches];
    return {
      ...evaluation,
      matches: all,
      outcome: all.some((m) => m.matched) ? 'triggered' : 'no_match',
      repoConfig: record,
    };
  }

  /** Every job validated first (a bad one fails the file before anything is written), then created or updated. */
  private async upsert(
    repository: string,
    file: string,
    commit: string,
    specs: RepoJobSpec[],
  ): Promise<{ job: Job; spec: RepoJobSpec }[]> {
    const allowed = new Set(
      (this.config.REPO_CONFIG_ENV ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const group = `repo:${repository}`;
    const errors: string[] = [];
    const defs: CreateJobDto[] = [];
    for (const [i, spec] of specs.entries()) {
      const where = `jobs[${i}]`;
      const patterns =
        spec.watchFiles === null ? 'none (it runs on no push)' : spec.watchFiles.join(', ') || 'every file';
      const raw = {
        ...spec.definition,
        name: repoJobName(repository, spec.name),
        title: (spec.definition.title as string | undefined) ?? spec.name,
        group,
        description: `From ${file} of ${repository} at ${commit.slice(0, 12)}; watchFiles: ${patterns}`.slice(0, 2000),
      };
      const expanded = expandEnv(
        raw,
        where,
        (name) => {
          if (!allowed.has(name)) throw new Error(`${name} is not one of the server's REPO_CONFIG_ENV variables`);
          return this.environment.get(name);
        },
        errors,
      ) as Record<string, unknown>;
      // Private repositories: the server's token checks the pushed commit out (stored encrypted, masked).
      const token = this.config.REPO_CONFIG_GIT_TOKEN;
      if (token) {
        const ex = expanded.executor as Record<string, unknown>;
        ex.checkout = { ...(ex.checkout as object), token: { secret: true, value: token } };
      }
      const dto = await validateDto(CreateJobDto, expanded, where, errors);
      if (dto) defs.push(dto);
    }
    if (errors.length) throw new RepoConfigError(errors.join('; '));
    const out: { job: Job; spec: RepoJobSpec }[] = [];
    for (const [i, dto] of defs.entries()) {
      let current: Job | null = null;
      try {
        current = await this.jobs.get(dto.name);
      } catch (err) {
        if (!(err instanceof NotFoundException)) throw err;
      }
      if (current && current.group !== group)
        throw new RepoConfigError(`jobs[${i}]: the job name ${dto.name} is taken by a job defined on the server`);
      try {
        if (current) await this.jobs.update(dto.name, { ...dto, enabled: current.enabled });
        else
          await this.jobs.create(dto).catch(async (err: unknown) => {
            // A concurrent push of the same repository created it meanwhile: update it instead.
            if (!(err instanceof ConflictException)) throw err;
            const now = await this.jobs.get(dto.name);
            if (now.group !== group) throw err;
            await this.jobs.update(dto.name, dto);
          });
      } catch (err) {
        if (err instanceof HttpException && err.getStatus() < 500) {
          const res = err.getResponse() as { message?: string | string[] } | string;
          const msg = typeof res === 'string' ? res : [res.message ?? err.message].flat().join('; ');
          throw new RepoConfigError(`jobs[${i}]: ${msg}`);
        }
        throw err;
      }
      out.push({ job: await this.jobs.get(dto.name), spec: specs[i] });
    }
    return out;
  }

  /** The repository's jobs matched against the push with the server's matcher (their watchFiles, the pushed branch). */
  private match(
    push: NormalizedPush,
    evaluation: Evaluation,
    jobs: { job: Job; spec: RepoJobSpec }[],
    file: string,
    commit: string,
  ): JobMatch<Job>[] {
    const from = ` (from ${file} at ${commit.slice(0, 12)})`;
    const out: JobMatch<Job>[] = [];
    const watched: Job[] = [];
    for (const { job, spec } of jobs) {
      if (spec.watchFiles === null) {
        const reason = `no watch_files: ToyCI ran a job only when a changed file matched one${from}`;
        out.push({
          job,
          matched: false,
          trigger: null,
          reason,
          triggers: [{ trigger: 0, matched: false, reason, matchedFiles: [], matchedFileCount: 0, excludedFiles: [] }],
        });
        continue;
      }
      const trigger: GithubTrigger = {
        repository: push.repository,
        branches: spec.branches ?? (push.branch ? [escapeGlob(push.branch)] : []),
        watchFiles: spec.watchFiles,
      };
      // The trigger lives with this delivery only: the stored job has none (the server's matcher never sees it).
      watched.push(
        Object.assign(Object.create(Object.getPrototypeOf(job) as object) as Job, job, {
          triggers: { github: [trigger] },
        }),
      );
    }
    const matcher = new CompiledMatcher<Job>(watched);
    for (const m of matcher.match(push, evaluation.files, evaluation.untrustedReason)) {
      out.push({ ...m, reason: `${m.reason}${from}` });
    }
    return out;
  }
}

/** A branch name as a literal pattern (glob characters in it matched as themselves). */
function escapeGlob(s: string): string {
  return s.replace(/[*?+[\]{}()!\\|@]/g, '\\$&');
}
