import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  JobListResponse,
  RenderedHttpRequest,
  RenderResponse,
  ResolveParamsResponse,
  SuccessStatus,
} from '@api-manager/contracts';
import { CreateJobDto } from './job.dto.js';

/** OpenAPI shape of a job as returned (secrets are {secret: true, set: boolean}). */
export class JobViewDto extends CreateJobDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  version: number;

  @ApiProperty()
  createdAt: string;

  @ApiProperty()
  updatedAt: string;
}

export class JobListResponseDto implements Pick<JobListResponse, 'total' | 'nextCursor'> {
  @ApiProperty({ type: [JobViewDto] })
  items: JobViewDto[];

  @ApiProperty({ description: 'Jobs matching the filters (all pages)' })
  total: number;

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page' })
  nextCursor: string | null;
}

export class RenderedHttpRequestDto implements RenderedHttpRequest {
  @ApiProperty()
  method: string;

  @ApiProperty()
  url: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  headers: Record<string, string>;

  @ApiPropertyOptional()
  body?: string;
}

export class RenderResponseDto implements Omit<RenderResponse, 'params' | 'successStatuses'> {
  @ApiProperty({ type: 'object', additionalProperties: true })
  params: Record<string, unknown>;

  @ApiProperty({ type: RenderedHttpRequestDto })
  request: RenderedHttpRequestDto;

  @ApiProperty()
  timeoutMs: number;

  @ApiProperty()
  followRedirects: boolean;

  @ApiProperty()
  maxResponseBytes: number;

  @ApiProperty({ type: 'array', items: {} })
  successStatuses: SuccessStatus[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  fanOut?: { param: string; items: string[] };
}

export class ResolveParamsResponseDto implements Omit<ResolveParamsResponse, 'params'> {
  @ApiProperty({ type: 'object', additionalProperties: true })
  params: Record<string, unknown>;

  @ApiProperty({ example: 'Asia/Tokyo' })
  timezone: string;

  @ApiProperty({ format: 'date-time' })
  now: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  fanOut?: { param: string; items: string[] };
}
