import { UpdateScheduleDto } from '../schedules/dto/schedule.dto.js';
import { compileSpec, ScheduleSpecError } from '../schedules/schedule-clock.js';
import type { Schedule } from '../schedules/schedule.entity.js';
import { atPath, canonical, isPlainObject } from './config-file.js';
import { change, deletion, type Step, validateDto } from './plan-common.js';

/** A schedule as the file wants it (defaults filled in as POST /schedules would). */
export interface DesiredSchedule {
  name: string;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  enabled: boolean;
  startsAt: string | null;
  endsAt: string | null;
  misfirePolicy: Schedule['misfirePolicy'];
  misfireCap: number;
}

export type ScheduleStep = Step<DesiredSchedule, Schedule> & { jobName: string };

const FIELDS: (keyof DesiredSchedule)[] = [
  'name',
  'cron',
  'intervalSeconds',
  'timezone',
  'params',
  'enabled',
  'startsAt',
  'endsAt',
  'misfirePolicy',
  'misfireCap',
];

export interface SchedulesInput {
  /** The job's `schedules:` value. */
  input: unknown;
  jobPath: string;
  jobName: string;
  /** The job's stored schedules (none for a new job). */
  existing: Schedule[];
  defaultZone: string;
  prune: boolean;
  /** Params as compared by value (secrets decrypted, in memory); `previous`: the stored params. */
  reveal?: (params: Record<string, unknown>, previous?: Record<string, unknown>) => unknown;
}

/** Plan one job's schedules (matched by name); errors name `jobs[i].schedules[k].field`. */
export async function planSchedules(a: SchedulesInput, errors: string[]): Promise<ScheduleStep[]> {
  if (a.input !== undefined && a.input !== null && !Array.isArray(a.input)) {
    errors.push(`${a.jobPath}.schedules must be a list`);
    return [];
  }
  const steps: ScheduleStep[] = [];
  const seen = new Map<string, number>();
  for (const [k, entry] of ((a.input as unknown[] | null) ?? []).entries()) {
    const path = `${a.jobPath}.schedules[${k}]`;
    if (!isPlainObject(entry)) {
      errors.push(`${path} must be a mapping (a schedule)`);
      continue;
    }
    const dto = await validateDto(UpdateScheduleDto, entry, path, errors);
    if (!dto) continue;
    const desired: DesiredSchedule = {
      name: '',
      cron: dto.cron ?? null,
      intervalSeconds: dto.intervalSeconds ?? null,
      timezone: dto.timezone ?? a.defaultZone,
      params: dto.params ?? {},
      enabled: dto.enabled ?? true,
      startsAt: dto.startsAt ? new Date(dto.startsAt).toISOString() : null,
      endsAt: dto.endsAt ? new Date(dto.endsAt).toISOString() : null,
      misfirePolicy: dto.misfirePolicy ?? 'run_once',
      misfireCap: dto.misfireCap ?? 100,
    };
    try {
      compileSpec({
        cron: desired.cron,
        intervalSeconds: desired.intervalSeconds,
        timezone: desired.timezone,
        startsAt: desired.startsAt ? new Date(desired.startsAt) : null,
        endsAt: desired.endsAt ? new Date(desired.endsAt) : null,
      });
    } catch (err) {
      if (!(err instanceof ScheduleSpecError)) throw err;
      errors.push(scheduleError(path, err.message));
      continue;
    }
    desired.name = dto.name ?? (desired.cron !== null ? desired.cron.trim() : `every ${desired.intervalSeconds}s`);
    const twin = seen.get(desired.name);
    if (twin !== undefined) {
      errors.push(
        `${path}.name ${JSON.stringify(desired.name)} is used twice in job ${a.jobName} (also schedules[${twin}]); name one of them`,
      );
      continue;
    }
    seen.set(desired.name, k);
    const current = a.existing.find((s) => s.name === desired.name);
    const reveal = a.reveal ?? ((p: Record<string, unknown>) => p);
    const compared = (f: keyof DesiredSchedule, value: unknown, previous?: Record<string, unknown>) =>
      canonical(f === 'params' ? reveal(value as Record<string, unknown>, previous) : value);
    const fields = current
      ? FIELDS.filter((f) => compared(f, desired[f], current.params) !== compared(f, storedValue(current, f)))
      : [];
    steps.push({
      change: change('schedule', `${a.jobName}/${desired.name}`, path, !!current, fields),
      desired,
      current,
      jobName: a.jobName,
    });
  }
  if (a.prune) {
    for (const s of a.existing) {
      if (!seen.has(s.name)) steps.push(scheduleDeletion(a.jobName, s));
    }
  }
  return steps;
}

export function scheduleDeletion(jobName: string, s: Schedule): ScheduleStep {
  return { change: deletion('schedule', `${jobName}/${s.name}`), current: s, jobName };
}

/** A schedule compiler message, at the path of the field it is about (`...schedules[0].cron: invalid cron ...`). */
function scheduleError(path: string, message: string): string {
  const first = message.split(' ')[0]!;
  if ((FIELDS as string[]).includes(first)) return atPath(path, message);
  const field = /\bcron\b/.test(message) ? 'cron' : /\binterval/.test(message) ? 'intervalSeconds' : null;
  return field ? `${path}.${field}: ${message}` : `${path}: ${message}`;
}

function storedValue(s: Schedule, f: keyof DesiredSchedule): unknown {
  const v = s[f];
  return v instanceof Date ? v.toISOString() : v;
}
