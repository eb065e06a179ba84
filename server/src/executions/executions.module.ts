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
import { FanOutSourceService } from './fanout/fanout-source.service.js';
import { FanOutStore } from './fanout/fanout.store.js';
import { FinalHooks } from './final-hooks.js';
import { FinalizerService } from './finalizer.service.js';
import { JobStatusContributors } from './job-status-contributors.js';
import { JobStatusService } from './job-status.service.js';
import { ProgressService } from './progress.service.js';
import { QueueService } from './queue.service.js';
import { RetentionService } from './retention.service.js';
import { RunnerService } from './runner.service.js';
import { WorkerService } from './worker.service.js';
import { LiveStreamHub } from './live-stream.service.js';
import { LiveStreamService } from './live-stream-endpoint.service.js';
import { RetryFailedService } from './retry-failed.service.js';

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
    FinalHooks,
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
    FanOutStore,
    FanOutSourceService,
    LiveStreamHub,
    LiveStreamService,
    RetryFailedService,
  ],
  exports: [
    ExecutionsService,
    EventsService,
    JobStatusContributors,
    ExecutionDetailContributors,
    FinalHooks,
    RetentionService,
    WorkerService,
    FanOutStore,
  ],
})
export class ExecutionsModule {}
