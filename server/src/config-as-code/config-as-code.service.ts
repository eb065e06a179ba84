import { ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ConfigAction, ConfigApplyResponse } from '@api-manager/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/access.decorators.js';
import { roleAtLeast, scopesAllow } from '../auth/auth-request.js';
import { AuditService } from '../auth/audit.service.js';
import { SecretBox } from '../common/secret-box.js';
import { Job } from '../jobs/job.entity.js';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import { lockJobWrites } from '../jobs/jobs.store.js';
import type { UpdateScheduleDto } from '../schedules/dto/schedule.dto.js';
import { Schedule } from '../schedules/schedule.entity.js';
import { SchedulesService } from '../schedules/schedules.service.js';
import { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { WebhookSourcesService } from '../webhooks/webhook-sources.service.js';
import { parseConfigYaml } from './config-file.js';
import { ConfigPlanner, type ConfigPlan, type ConfigState } from './config-planner.js';

export interface ApplyOptions {
  dryRun: boolean;
  prune: boolean;
  actor?: Actor;
}

/**
 * POST /api/v1/config/apply: plan (validate everything, diff against the database) and write the
 * plan in one transaction — all or nothing. The state is read inside that transaction under the
 * jobs write lock, so the plan cannot go stale before it is written.
 */
@Injectable()
export class ConfigAsCodeService {
  private readonly logger = new Logger(ConfigAsCodeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly planner: ConfigPlanner,
    private readonly schedules: SchedulesService,
    private readonly sources: WebhookSourcesService,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly catalogue: JobCatalogue,
  ) {}

  async apply(yamlText: string, opts: ApplyOptions): Promise<ConfigApplyResponse> {
    const raw = parseConfigYaml(yamlText);
    let touchedSources = false;
    const result = await this.dataSource.transaction(async (m) => {
      await lockJobWrites(m);
      const plan = await this.planner.plan(raw, await this.load(m), opts.prune);
      const response = summarize(plan, opts);
      if (opts.dryRun || !response.applied) return response;
      touchedSources = plan.sources.some((s) => s.change.action !== 'unchanged');
      if (touchedSources && !isAdmin(opts.actor)) {
        throw new ForbiddenException('Changing webhook sources requires role admin (API tokens: scope admin)');
      }
      await this.write(m, plan);
      if (plan.jobs.some((j) => j.change.action !== 'unchanged')) await this.catalogue.changed(m);
      await this.audit.record(
        {
          actor: opts.actor,
          action: 'config.apply',
          targetType: 'config',
          after: {
            prune: opts.prune,
            summary: response.summary,
            changes: response.changes.filter((c) => c.action !== 'unchanged'),
          },
        },
        m,
      );
      return response;
    });
    if (touchedSources) this.sources.invalidate();
    if (result.applied) this.catalogue.invalidate();
    if (result.applied) this.logger.log(`config applied: ${JSON.stringify(result.summary)}`);
    return result;
  }

  /** Everything config-as-code manages, as stored now. */
  async load(m: EntityManager = this.dataSource.manager): Promise<ConfigState> {
    const [jobs, schedules, sources] = await Promise.all([
      m.find(Job, { order: { group: 'ASC', name: 'ASC' } }),
      m.find(Schedule, { order: { name: 'ASC' } }),
      m.find(WebhookSource, { order: { provider: 'ASC', repository: 'ASC', createdAt: 'ASC' } }),
    ]);
    return { jobs, schedules, sources };
  }

  private async write(m: EntityManager, plan: ConfigPlan): Promise<void> {
    const jobs = m.getRepository(Job);
    // Deletions first (schedules before their job, so every replica's ticker is told), then jobs, then schedules.
    for (const s of plan.schedules) {
      if (s.change.action === 'delete') await this.schedules.remove(s.current!.id, m);
    }
    for (const j of plan.jobs) {
      if (j.change.action === 'delete') await jobs.delete({ id: j.current!.id });
    }
    for (const j of plan.jobs) {
      if (j.change.action === 'create') await jobs.save(jobs.create(j.desired!));
      if (j.change.action === 'update') await jobs.save(jobs.merge(j.current!, j.desired!));
    }
    for (const s of plan.schedules) {
      const d = s.desired;
      if (s.change.action === 'create')
        await this.schedules.create(
          { ...d!, job: s.jobName, cron: d!.cron ?? undefined, intervalSeconds: d!.intervalSeconds ?? undefined },
          m,
        );
      if (s.change.action === 'update') {
        const patch: Record<string, unknown> = {};
        for (const f of s.change.fields ?? []) patch[f] = d![f as keyof typeof d];
        // cron and intervalSeconds exclude each other: send the one that is set.
        if ('cron' in patch || 'intervalSeconds' in patch) {
          delete patch.cron;
          delete patch.intervalSeconds;
          if (d!.cron !== null) patch.cron = d!.cron;
          else patch.intervalSeconds = d!.intervalSeconds;
        }
        await this.schedules.update(s.current!.id, patch as UpdateScheduleDto, m);
      }
    }
    const repo = m.getRepository(WebhookSource);
    for (const s of plan.sources) {
      const d = s.desired;
      if (s.change.action === 'delete') await repo.delete({ id: s.current!.id });
      if (s.change.action === 'create' || s.change.action === 'update') {
        const row = s.current ?? repo.create({ provider: d!.provider });
        row.repository = d!.repository;
        row.insecure = d!.insecure;
        row.repoConfig = d!.repoConfig;
        row.description = d!.description;
        if (d!.secret !== undefined) row.secret = this.box.encrypt(d!.secret);
        await repo.save(row);
      }
    }
  }
}

function summarize(plan: ConfigPlan, opts: ApplyOptions): ConfigApplyResponse {
  const changes = [...plan.jobs, ...plan.schedules, ...plan.sources].map((s) => s.change);
  const summary: Record<ConfigAction, number> = { create: 0, update: 0, unchanged: 0, delete: 0 };
  for (const c of changes) summary[c.action]++;
  const applied = !opts.dryRun && changes.some((c) => c.action !== 'unchanged');
  return { dryRun: opts.dryRun, prune: opts.prune, applied, summary, changes };
}

function isAdmin(actor: Actor | undefined): boolean {
  if (!actor) return false;
  if (actor.kind === 'system') return true;
  return roleAtLeast(actor.role, 'admin') && (actor.kind !== 'token' || scopesAllow(actor.scopes ?? [], 'admin'));
}
