import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HttpExecutorDefinition, HttpMethod, JsonValue, SecretInput, SuccessStatus } from '@api-manager/contracts';
import { Transform } from 'class-transformer';
import { Allow, IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsHeaderMap, IsQueryMap, IsSuccessStatusList, IsUrlTemplate } from './validators.js';
import { HTTP_METHODS, upper } from './job-constants.js';

export class HttpExecutorDto implements HttpExecutorDefinition {
  @ApiProperty({ enum: ['http'] })
  @IsIn(['http'])
  kind: 'http';

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'GET' })
  @IsOptional()
  @Transform(upper)
  @IsIn(HTTP_METHODS)
  method?: HttpMethod;

  @ApiProperty({ example: 'http://api-gen-prompt:8009/generate?date={{ params.date }}' })
  @IsUrlTemplate()
  url: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  })
  @IsOptional()
  @IsQueryMap()
  query?: Record<string, string | string[]>;

  @ApiPropertyOptional({
    type: 'object',
    description: 'Values are templates, or {"secret": true, "value": "..."} (stored encrypted, never returned).',
    additionalProperties: {
      oneOf: [
        { type: 'string' },
        { type: 'object', properties: { secret: { type: 'boolean' }, value: { type: 'string' } } },
      ],
    },
  })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string | SecretInput>;

  @ApiPropertyOptional({
    description: 'JSON value (strings inside are templates, sent as application/json) or a text template',
    oneOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }],
  })
  @Allow()
  body?: JsonValue;

  @ApiPropertyOptional({ default: 30000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ example: ['2xx', 304], oneOf: [{ type: 'array', items: {} }] })
  @IsOptional()
  @IsSuccessStatusList()
  successStatuses?: SuccessStatus[];

  @ApiPropertyOptional({ default: 1048576 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100 * 1024 * 1024)
  maxResponseBytes?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  followRedirects?: boolean;
}
