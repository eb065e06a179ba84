import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { JobListResponse, JobView, RenderResponse, ResolveParamsResponse } from '@api-manager/contracts';
import { CreateJobDto, JobListQueryDto, RenderRequestDto, UpdateJobDto } from './dto/job.dto.js';
import { JobListResponseDto, JobViewDto, RenderResponseDto, ResolveParamsResponseDto } from './dto/job-view.dto.js';
import { Access, SkipAudit } from '../auth/access.decorators.js';
import { JobsService } from './jobs.service.js';

@ApiTags('jobs')
@Controller({ path: 'jobs', version: '1' })
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'List jobs (sorted by group, then name)' })
  @ApiOkResponse({ type: JobListResponseDto })
  list(@Query() query: JobListQueryDto): Promise<JobListResponse> {
    return this.jobs.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a job' })
  @ApiCreatedResponse({ type: JobViewDto })
  @ApiBadRequestResponse({ description: 'Invalid definition (each message names the field)' })
  @ApiConflictResponse({ description: 'A job with this name exists' })
  create(@Body() dto: CreateJobDto): Promise<JobView> {
    return this.jobs.create(dto);
  }

  @Get(':idOrName')
  @ApiOperation({ summary: 'A job by id or name' })
  @ApiOkResponse({ type: JobViewDto })
  @ApiNotFoundResponse()
  get(@Param('idOrName') idOrName: string): Promise<JobView> {
    return this.jobs.findView(idOrName);
  }

  @Patch(':idOrName')
  @ApiOperation({ summary: 'Change a job (given top-level fields replace the stored ones)' })
  @ApiOkResponse({ type: JobViewDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  update(@Param('idOrName') idOrName: string, @Body() dto: UpdateJobDto): Promise<JobView> {
    return this.jobs.update(idOrName, dto);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a job (and its execution history)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Another job chains to it' })
  remove(@Param('idOrName') idOrName: string): Promise<void> {
    return this.jobs.remove(idOrName);
  }

  @Post(':idOrName/resolve')
  @HttpCode(200)
  @Access({ role: 'operator', scope: 'run' }) // the first half of a run: who may run may ask
  @SkipAudit() // changes nothing; the run dialog asks as the operator types
  @ApiOperation({
    summary:
      'The params a run with these would get: defaults applied, templates resolved, fan-out items (any executor kind); runs nothing',
  })
  @ApiOkResponse({ type: ResolveParamsResponseDto })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  resolve(@Param('idOrName') idOrName: string, @Body() dto: RenderRequestDto): Promise<ResolveParamsResponse> {
    return this.jobs.resolveParams(idOrName, dto);
  }

  @Post(':idOrName/render')
  @HttpCode(200)
  @ApiOperation({ summary: 'The exact request a run with these params would send (secrets masked); sends nothing' })
  @ApiOkResponse({ type: RenderResponseDto })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  render(@Param('idOrName') idOrName: string, @Body() dto: RenderRequestDto): Promise<RenderResponse> {
    return this.jobs.render(idOrName, dto);
  }
}
