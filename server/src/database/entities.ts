import { ExecutionLog } from '../executions/execution-log.entity.js';
import { Execution } from '../executions/execution.entity.js';
import { Job } from '../jobs/job.entity.js';

// Every TypeORM entity, listed once. Feature owners append theirs.
export const entities: Function[] = [Job, Execution, ExecutionLog];
