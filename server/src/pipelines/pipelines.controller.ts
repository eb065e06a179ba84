import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PipelineRunDetail, PipelineRunPage } from '@api-manager/contracts';
import { PipelineRunListQueryDto } from './pipeline-run.dto.js';
import { PipelineRunsService } from './pipeline-runs.service.js';

@ApiTags('pipelines')
@Controller({ path: 'pipeline-runs', version: '1' })
export class PipelinesController {
  constructor(private readonly runs: PipelineRunsService) {}

  @Get()
  @ApiOperation({ summary: 'Pipeline runs, newest first (cursor paging); filters: job, status' })
  @ApiOkResponse({ description: '{ items: PipelineRunSummary[], nextCursor }' })
  @ApiBadRequestResponse({ description: 'A bad filter or cursor' })
  list(@Query() q: PipelineRunListQueryDto): Promise<PipelineRunPage> {
    return this.runs.list(q);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One pipeline run as a graph: nodes (executions, waiting fan-ins) and edges (chain, fanout, needs)',
  })
  @ApiOkResponse({ description: 'PipelineRunDetail' })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such pipeline run' })
  detail(@Param('id') id: string): Promise<PipelineRunDetail> {
    return this.runs.detail(id);
  }
}
