import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { SKIP_AUDIT_KEY } from './access.decorators.js';
import type { AuthedRequest } from './auth-request.js';
import { AuditService } from './audit.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const VERB_BY_METHOD: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

const singular = (s: string) => (s.endsWith('ies') ? s.slice(0, -3) + 'y' : s.endsWith('s') ? s.slice(0, -1) : s);

/**
 * `POST /api/v1/jobs` → job.create, `PATCH /api/v1/jobs/:idOrName` → job.update,
 * `POST /api/v1/executions/:id/cancel` → execution.cancel, `POST /api/v1/jobs/:idOrName/runs` → job.run,
 * `PATCH /api/v1/webhooks/sources/:id` → webhook_source.update.
 */
export function describeRoute(method: string, routePath: string): { action: string; targetType: string } {
  const segments = routePath
    .split('/')
    .filter(Boolean)
    .filter((s) => s !== 'api' && !/^v\d+$/.test(s));
  const statics = segments.filter((s) => !s.startsWith(':'));
  let typeParts = statics.slice(0, 1);
  if (statics[0] === 'webhooks' && statics[1] && segments[1] && !segments[1].startsWith(':')) {
    typeParts = statics.slice(0, 2);
  }
  const targetType = typeParts.map(singular).join('_') || 'api';
  const last = segments[segments.length - 1] ?? '';
  const hasParam = segments.some((s) => s.startsWith(':'));
  const verb =
    hasParam && !last.startsWith(':')
      ? singular(last)
      : !hasParam && statics.length > typeParts.length
        ? statics.slice(typeParts.length).join('_')
        : (VERB_BY_METHOD[method] ?? method.toLowerCase());
  return { action: `${targetType}.${verb}`, targetType };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The name in a handler's answer: a job or schedule (`name`), a run (`jobName`, `execution.jobName`). */
function nameOf(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { name?: unknown; jobName?: unknown; repository?: unknown; execution?: { jobName?: unknown } };
  const schedule = typeof d.jobName === 'string' && typeof d.name === 'string' ? `${d.jobName} / ${d.name}` : null;
  const candidates = [schedule, d.name, d.jobName, d.execution?.jobName, d.repository];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
  return found ?? null;
}

/**
 * Records every successful state-changing request under /api/v1 made by an authenticated actor
 * (method, path, actor, target id), so runs, cancels, retries, edits are audited without each
 * module doing it. Handlers that record a richer event themselves use `@SkipAudit()`.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const skip =
      SAFE_METHODS.has(req.method) ||
      !req.actor ||
      !(req.originalUrl ?? req.url).startsWith('/api/v1/') ||
      this.reflector.getAllAndOverride<boolean | undefined>(SKIP_AUDIT_KEY, [context.getHandler(), context.getClass()]);
    if (skip) return next.handle();
    return next.handle().pipe(
      mergeMap((data: unknown) =>
        from(
          (async () => {
            const res = context.switchToHttp().getResponse<Response>();
            const routePath = String((req.route as { path?: string } | undefined)?.path ?? req.path);
            const { action, targetType } = describeRoute(req.method, routePath);
            const params = (req.params ?? {}) as Record<string, string>;
            const bodyId =
              data && typeof data === 'object' && typeof (data as { id?: unknown }).id === 'string'
                ? (data as { id: string }).id
                : undefined;
            const targetId = params.id ?? params.idOrName ?? Object.values(params)[0] ?? bodyId ?? null;
            const targetName =
              nameOf(data) ?? (params.idOrName && !UUID.test(params.idOrName) ? params.idOrName : null);
            await this.audit.tryRecord({
              actor: req.actor,
              action,
              targetType,
              targetId,
              targetName,
              meta: { method: req.method, path: req.path, status: res.statusCode, requestId: req.id ?? undefined },
            });
            return data;
          })(),
        ),
      ),
    );
  }
}
