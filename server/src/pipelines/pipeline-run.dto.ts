import { ApiPropertyOptional } from '@nestjs/swagger';
import type { PipelineRunListQuery, PipelineRunStatus } from '@api-manager/contracts';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PIPELINE_RUN_STATUSES } from '../../../libs/contracts/src/pipelines.js';
import { PageQueryDto } from '../common/paging.js';

export class PipelineRunListQueryDto extends PageQueryDto implements PipelineRunListQuery {
  @ApiPropertyOptional({ description: 'Runs holding an execution of this job (name)' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, { message: 'job must be a job name' })
  job?: string;

  @ApiPropertyOptional({ enum: PIPELINE_RUN_STATUSES })
  @IsOptional()
  @IsIn(PIPELINE_RUN_STATUSES)
  status?: PipelineRunStatus;
}
