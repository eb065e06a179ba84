import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ChainStep } from '@api-manager/contracts';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { managerRows, poolOf } from '../database/pg-pool.js';
import { decodePageCursor } from '../common/paging.js';
import type { JobListQueryDto } from './dto/job.dto.js';
import { Job } from './job.entity.js';
import type { DependencyJob } from './needs-rules.js';

/** Serializes job writes so chain existence/cycle checks see a stable graph. */
export const JOBS_WRITE_LOCK = 727_100;

/** A job's change stamp: new on every write through TypeORM (@VersionColumn, @UpdateDateColumn). */
export const JOB_STAMP = `version || ':' || extract(epoch FROM updated_at)`;

/** The stamp of the jobs row under alias `a` (statements that join jobs to another table). */
export function jobStampOf(a: string): string {
  return `${a}.version || ':' || extract(epoch FROM ${a}.updated_at)`;
}

/** The SQL of the `jobs` table (the jobs module's data access). */
@Injectable()
export class JobsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * GET /jobs: the jobs matching the filters (group, enabled, `q` in name/title/description), counted, and
   * one keyset page of them on (group, name) (no group sorts first, like ''): up to `limit` rows after the cursor.
   */
  async listPage(query: JobListQueryDto, limit: number): Promise<{ rows: Job[]; total: number }> {
    const qb = this.dataSource.getRepository(Job).createQueryBuilder('j');
    if (query.group !== undefined) qb.andWhere('j.job_group = :group', { group: query.group });
    if (query.enabled !== undefined) qb.andWhere('j.enabled = :enabled', { enabled: query.enabled });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      qb.andWhere('(j.name ILIKE :like OR j.title ILIKE :like OR j.description ILIKE :like)', { like });
    }
    const total = await qb.getCount();
    if (query.cursor) {
      const [group, name] = decodePageCursor(query.cursor, 2);
      qb.andWhere(`(COALESCE(j.job_group, ''), j.name) > (:cg, :cn)`, { cg: group, cn: name });
    }
    qb.orderBy(`COALESCE(j.job_group, '')`, 'ASC').addOrderBy('j.name', 'ASC').limit(limit);
    return { rows: await qb.getMany(), total };
  }

  /** One aggregate that changes with every job write on any replica: count, sum of versions, max updated_at. */
  async catalogueKey(): Promise<string> {
    const { rows } = await poolOf(this.dataSource).query<{ n: number; v: string; u: string }>(
      `SELECT count(*)::int AS n, coalesce(sum(version), 0)::text AS v, coalesce(max(updated_at)::text, '') AS u FROM jobs`,
    );
    const row = rows[0]!;
    return `${row.n}:${row.v}:${row.u}`;
  }

  findAllByName(): Promise<Job[]> {
    return this.dataSource.getRepository(Job).find({ order: { name: 'ASC' } });
  }

  findByIds(ids: string[]): Promise<Job[]> {
    return this.dataSource.getRepository(Job).findBy({ id: In(ids) });
  }

  async stampsOf(ids: string[]): Promise<Map<string, { stamp: string }>> {
    const { rows } = await poolOf(this.dataSource).query<{ id: string; stamp: string }>(
      `SELECT id, ${JOB_STAMP} AS stamp FROM jobs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { stamp: r.stamp }]));
  }

  async notifyingJobNames(): Promise<Set<string>> {
    const { rows } = await poolOf(this.dataSource).query<{ name: string }>(
      `SELECT name FROM jobs WHERE notifications <> '[]'::jsonb`,
    );
    return new Set(rows.map((r) => r.name));
  }

  /** NOTIFY `channel` inside the writing transaction (delivered at commit, dropped on rollback). */
  async notifyChanged(m: EntityManager, channel: string): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [channel, '']);
  }
}

/** Take the jobs write lock (until `m`'s transaction ends): job writes, config apply, the sealing at start. */
export async function lockJobWrites(m: EntityManager): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1)', [JOBS_WRITE_LOCK]);
}

/** Every job's dependency fields (chains, needs, params), with its id: the graph a write is checked against. */
export async function selectDependencyJobs(m: EntityManager): Promise<(DependencyJob & { id: string })[]> {
  const rows = await managerRows<{
    id: string;
    name: string;
    on_success: ChainStep[];
    on_failure: ChainStep[];
    needs: DependencyJob['needs'];
    params: DependencyJob['params'];
  }>(m, 'SELECT id, name, on_success, on_failure, needs, params FROM jobs');
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    onSuccess: r.on_success,
    onFailure: r.on_failure,
    needs: r.needs,
    params: r.params,
  }));
}

/** Names of jobs other than `id` whose chains or needs name `name`, sorted. */
export async function selectReferrerNames(m: EntityManager, name: string, id: string): Promise<string[]> {
  const rows = await managerRows<{ name: string }>(
    m,
    `SELECT name FROM jobs
      WHERE id <> $1
        AND (on_success @> jsonb_build_array(jsonb_build_object('job', $2::text))
          OR on_failure @> jsonb_build_array(jsonb_build_object('job', $2::text))
          OR COALESCE(needs->'jobs', '[]') ? $2::text)
      ORDER BY name`,
    [id, name],
  );
  return rows.map((r) => r.name);
}

type Mapping = Record<string, unknown>;

/** A job's columns that may hold param mappings (chain steps, triggers), with its params' names and secrecy. */
export interface JobMappingsRow {
  id: string;
  name: string;
  params: { name: string; secret?: boolean }[];
  on_success: { job: string; params?: Mapping }[];
  on_failure: { job: string; params?: Mapping }[];
  triggers: { github?: { params?: Mapping }[] };
}

export function selectJobMappings(m: EntityManager): Promise<JobMappingsRow[]> {
  return managerRows<JobMappingsRow>(m, 'SELECT id, name, params, on_success, on_failure, triggers FROM jobs');
}

/** Replace a job's chain steps and triggers (JSON values; a plain UPDATE: version and updated_at stay). */
export async function updateJobMappings(
  m: EntityManager,
  id: string,
  next: { on_success: unknown; on_failure: unknown; triggers: unknown },
): Promise<void> {
  await m.query('UPDATE jobs SET on_success = $2::jsonb, on_failure = $3::jsonb, triggers = $4::jsonb WHERE id = $1', [
    id,
    JSON.stringify(next.on_success),
    JSON.stringify(next.on_failure),
    JSON.stringify(next.triggers),
  ]);
}
