import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { poolOf } from '../database/pg-pool.js';
import { Job } from './job.entity.js';

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
