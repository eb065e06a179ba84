import { ApiToken } from '../auth/api-token.entity.js';
import { AuditEvent } from '../auth/audit-event.entity.js';
import { Session } from '../auth/session.entity.js';
import { User } from '../auth/user.entity.js';
import { ExecutionLog } from '../executions/execution-log.entity.js';
import { Execution } from '../executions/execution.entity.js';
import { Job } from '../jobs/job.entity.js';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity.js';
import { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { Schedule } from '../schedules/schedule.entity.js';
import { NotificationChannel } from '../notifications/notification-channel.entity.js';

// Every TypeORM entity, listed once. Feature owners append theirs.
export const entities: Function[] = [
  Job,
  Execution,
  ExecutionLog,
  User,
  Session,
  ApiToken,
  AuditEvent,
  Schedule,
  WebhookSource,
  WebhookDelivery,
  NotificationChannel,
];
