import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { CompletionWriter } from './completion-writer.service.js';
import { EventsService } from './events.service.js';
import { EventsController, ExecutionsController, JobRunsController } from './executions.controller.js';
import { ExecutionsQueryService } from './executions-query.service.js';
import { ExecutionsService } from './executions.service.js';
import { CommandExecutor } from './executors/command.executor.js';
import { CommandIsolation } from './executors/command-user.js';
import { HttpExecutor } from './executors/http.executor.js';
import { ExecutionDetailContributors } from './execution-detail-contributors.js';
import { FinalizerService } from './finalizer.service.js';
import { JobStatusContributors } from './job-status-contributors.js';
import { JobStatusService } from './job-status.service.js';
import { ProgressService } from './progress.service.js';
import { QueueService } from './queue.service.js';
import { RetentionService } from './retention.service.js';
import { RunnerService } from './runner.service.js';
import { WorkerService } from './worker.service.js';

/** The queue (claim/lease/reap), the runner and executors (HTTP, command), history, events (SSE). */
@Module({
  imports: [JobsModule],
  controllers: [JobRunsController, ExecutionsController, EventsController],
  providers: [
    EventsService,
    ProgressService,
    ExecutionsService,
    ExecutionsQueryService,
    JobStatusService,
    FinalizerService,
    QueueService,
    HttpExecutor,
    CommandExecutor,
    CommandIsolation,
    RunnerService,
    CompletionWriter,
    WorkerService,
    RetentionService,
    JobStatusContributors,
    ExecutionDetailContributors,
  ],
  exports: [
    ExecutionsService,
    EventsService,
    JobStatusContributors,
    ExecutionDetailContributors,
    RetentionService,
    WorkerService,
  ],
})
export class ExecutionsModule {}
