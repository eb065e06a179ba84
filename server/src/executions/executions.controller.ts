import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { JOB_STATUS_BATCH_MAX } from '../../../libs/contracts/src/executions.js';
import { Access, type Actor, CurrentActor } from '../auth/access.decorators.js';
import { JobsService } from '../jobs/jobs.service.js';
import {
  ExecutionDetailDto,
  ExecutionListDto,
  ExecutionSummaryDto,
  JobStatusBatchDto,
  JobStatusDto,
  RunJobResponseDto,
} from './dto/execution.dto.js';
import { JobStatusBatchQueryDto, ListExecutionsQueryDto, RunJobDto, runParams } from './dto/requests.dto.js';
import { EventsQueryDto, RetryQueryDto } from './dto/live.dto.js';
import { EventsService } from './events.service.js';
import { ExecutionsQueryService, toSummary } from './executions-query.service.js';
import { ExecutionsService } from './executions.service.js';
import { JobStatusService } from './job-status.service.js';
import { LiveStreamService } from './live-stream-endpoint.service.js';
import { RetryFailedService } from './retry-failed.service.js';

const actorName = (a?: Actor) => (a ? a.name : null);

@ApiTags('executions')
@Controller({ path: 'jobs', version: '1' })
export class JobRunsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly executions: ExecutionsService,
    private readonly statuses: JobStatusService,
  ) {}

  // Declared before ':idOrName/status' so that it is routed first; '-' is never a job name (names start
  // with a letter or digit), so the path cannot hide a job.
  @Get('-/status')
  @ApiOperation({
    summary: `Status of several jobs in one call (each as GET /jobs/{idOrName}/status), at most ${JOB_STATUS_BATCH_MAX}`,
  })
  @ApiOkResponse({ type: JobStatusBatchDto })
  @ApiBadRequestResponse({ description: `names missing, empty or more than ${JOB_STATUS_BATCH_MAX}` })
  @ApiNotFoundResponse({ description: 'A named job does not exist (the message names every missing one)' })
  async statusBatch(@Query() q: JobStatusBatchQueryDto): Promise<JobStatusBatchDto> {
    return { items: await this.statuses.many(q.names) };
  }

  @Post(':idOrName/runs')
  @HttpCode(202)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({ summary: 'Run a job now (same idempotencyKey -> the same execution)' })
  @ApiAcceptedResponse({ type: RunJobResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid params (each error names the param)' })
  @ApiConflictResponse({ description: 'The job is disabled' })
  @ApiNotFoundResponse({ description: 'No such job' })
  async run(
    @Param('idOrName') idOrName: string,
    @Body() body: RunJobDto,
    @Body('params') rawParams: unknown,
    @CurrentActor() actor: Actor | undefined,
    @Headers('x-requested-by') requestedBy?: string,
  ): Promise<RunJobResponseDto> {
    const job = await this.jobs.get(idOrName);
    const manual = actor?.kind === 'user' || requestedBy === 'admin-ui';
    const exec = await this.executions.enqueue({
      job,
      trigger: manual ? 'manual' : 'api',
      triggerRef: actor ? `${actor.kind}:${actor.id}` : null,
      actor: actorName(actor),
      params: runParams(rawParams),
      idempotencyKey: body.idempotencyKey,
    });
    return { execution: toSummary(exec!) };
  }

  @Get(':idOrName/status')
  @ApiOperation({ summary: 'Job status: last run, running/queued, success/failure counts, durations' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiNotFoundResponse({ description: 'No such job' })
  status(@Param('idOrName') idOrName: string): Promise<JobStatusDto> {
    return this.statuses.one(idOrName);
  }
}

@ApiTags('executions')
@Controller({ path: 'executions', version: '1' })
export class ExecutionsController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly query: ExecutionsQueryService,
    private readonly retryFailed: RetryFailedService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Executions, newest first (cursor paging)' })
  @ApiOkResponse({ type: ExecutionListDto })
  @ApiBadRequestResponse({ description: 'Bad filter or cursor' })
  list(@Query() q: ListExecutionsQueryDto): Promise<ExecutionListDto> {
    return this.query.list(q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One execution with request, response, attempts, logs, children and parent' })
  @ApiOkResponse({ type: ExecutionDetailDto })
  @ApiNotFoundResponse({ description: 'No such execution' })
  detail(@Param('id') id: string): Promise<ExecutionDetailDto> {
    return this.query.detail(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({ summary: 'Cancel a queued execution, or abort a running one (on whichever replica runs it)' })
  @ApiOkResponse({ type: ExecutionSummaryDto })
  @ApiConflictResponse({ description: 'Already finished' })
  async cancel(@Param('id') id: string, @CurrentActor() actor: Actor | undefined): Promise<ExecutionSummaryDto> {
    return toSummary(await this.executions.cancel(id, actorName(actor)));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({
    summary:
      'Run a finished execution again as a new execution (trigger retry); ?only=failed (or body {"only":"failed"}) ' +
      'on a fan-out parent re-runs only its failed, timed-out and lost children into the same parent',
  })
  @ApiAcceptedResponse({ type: RunJobResponseDto })
  @ApiBadRequestResponse({ description: 'only=failed on an execution that is not a fan-out parent' })
  @ApiConflictResponse({
    description: 'Still queued or running (a retry is already running), nothing failed, or the job is disabled',
  })
  async retry(
    @Param('id') id: string,
    @Query() q: RetryQueryDto,
    @Body() body: RetryQueryDto,
    @CurrentActor() actor: Actor | undefined,
  ): Promise<RunJobResponseDto> {
    if ((q.only ?? body?.only) === 'failed') {
      return { execution: toSummary(await this.retryFailed.retry(id, actorName(actor))) };
    }
    return { execution: toSummary(await this.executions.retry(id, actorName(actor))) };
  }
}

@ApiTags('events')
@Controller({ path: 'events', version: '1' })
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly live: LiveStreamService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Server-Sent Events: `execution` (id, status, jobName, parentId, progress), `log` (the lines: id, at, level, ' +
      'message), `schedule`, `delivery`, `reset`; `ping` every 15 s. Event ids `<log cursor>.<n>` increase; send ' +
      '`Last-Event-ID` (or ?lastEventId=) to get the log lines missed since. ?execution=<id> keeps one execution ' +
      "(its log and status, its children's status)",
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream' })
  @ApiBadRequestResponse({ description: 'execution is not a UUID, or Last-Event-ID is not an id of this stream' })
  async stream(
    @Query() q: EventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.live.open(req, res, q.execution ?? null, lastEventId ?? q.lastEventId ?? null);
  }
}
