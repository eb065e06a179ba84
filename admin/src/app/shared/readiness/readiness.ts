import { HttpErrorResponse } from '@angular/common/http';
import { type ResourceRef, inject } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import type { HealthCheckDetail, HealthResponse } from '@api-manager/contracts';
import { map } from 'rxjs';

import { HealthApi } from '../../core/api/health-api';

/** Checks the server is known to report; others are shown by their raw name. */
export const KNOWN_CHECKS = ['database', 'scheduler', 'workers'] as const;

export interface ReadinessCheck {
  name: string;
  known: boolean;
  status: 'up' | 'down';
  /** Everything the check reported besides its status, as "key: value" text. */
  details: string;
}

export interface Readiness {
  status: HealthResponse['status'];
  checks: ReadinessCheck[];
  down: number;
  checkedAt: Date;
}

/**
 * A resource with the server's readiness (GET /api/health/ready), turned into rows to display.
 * A 503 with a Terminus body is a value (some checks down), not an error.
 * Call from an injection context (a component field initialiser).
 */
export function readinessResource(): ResourceRef<Readiness | undefined> {
  const api = inject(HealthApi);
  return rxResource({
    stream: () => api.ready().pipe(map((body) => toReadiness(body))),
  });
}

/** "HTTP 500" for an error answer; '' when the server could not be reached at all. */
export function failureReason(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    return error.status ? `HTTP ${error.status}` : '';
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause && cause !== error ? failureReason(cause) : '';
}

function toReadiness(body: HealthResponse): Readiness {
  const checks = Object.entries(body.details ?? {})
    .map(([name, detail]) => toCheck(name, detail))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return {
    status: body.status,
    checks,
    down: checks.filter((check) => check.status !== 'up').length,
    checkedAt: new Date(),
  };
}

function toCheck(name: string, detail: HealthCheckDetail): ReadinessCheck {
  const { status, ...rest } = detail;
  const details = Object.entries(rest)
    .map(([key, value]) => (key === 'message' ? String(value) : `${key}: ${formatValue(value)}`))
    .join(' · ');
  return {
    name,
    known: (KNOWN_CHECKS as readonly string[]).includes(name),
    status: status === 'up' ? 'up' : 'down',
    details,
  };
}

/** Known checks first, in their usual order; then the others by name. */
function rank(name: string): number {
  const index = (KNOWN_CHECKS as readonly string[]).indexOf(name);
  return index === -1 ? KNOWN_CHECKS.length : index;
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
