import { Engine1795300000000 } from './1795300000000-engine.js';
import { ExecutionsActive1795300000600 } from './1795300000600-executions-active.js';
import { Schedules1795300001000 } from './1795300001000-schedules.js';
import { Webhooks1795300002000 } from './1795300002000-webhooks.js';
import { Auth1795300003000 } from './1795300003000-auth.js';
import { Notifications1795300005000 } from './1795300005000-notifications.js';
import { ExecutionsTrigger1795300007000 } from './1795300007000-executions-trigger.js';
import { ExecutionsSemantics1795300008400 } from './1795300008400-executions-semantics.js';
import { RepoConfig1795300009100 } from './1795300009100-repo-config.js';
import { AuditTargetName1795300009600 } from './1795300009600-audit-target-name.js';
import { ExecutionsParamsGin1795300012000 } from './1795300012000-executions-params-gin.js';
import { FanOut1795300016000 } from './1795300016000-fan-out.js';
import { Pipelines1795300015000 } from './1795300015000-pipelines.js';
import { ExecutionsPushSource1795300010000 } from './1795300010000-executions-push-source.js';
import { WebhookMatchSets1795300040000 } from './1795300040000-webhook-match-sets.js';

// Every migration, in order. Never edit a migration after it lands: add a new one.
// Feature owners append theirs (timestamps: schedules 1795300001000, webhooks 1795300002000, auth 1795300003000).
export const migrations: Function[] = [
  Engine1795300000000,
  ExecutionsActive1795300000600,
  Schedules1795300001000,
  Webhooks1795300002000,
  Auth1795300003000,
  Notifications1795300005000,
  ExecutionsTrigger1795300007000,
  ExecutionsSemantics1795300008400,
  RepoConfig1795300009100,
  AuditTargetName1795300009600,
  ExecutionsPushSource1795300010000,
  ExecutionsParamsGin1795300012000,
  Pipelines1795300015000,
  FanOut1795300016000,
  WebhookMatchSets1795300040000,
];
