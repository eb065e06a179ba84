import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import type { FanOutSource, SecretInput } from '@api-manager/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsHeaderMap, IsUrlTemplate } from './validators.js';

const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value);

/** `$.a.b`, `a.b`, `$.a[0].b`, `$`: dotted names and list indexes, nothing else (no filters, no scripts). */
export const JSON_PATH =
  /^(\$|\$\.)?([A-Za-z_][A-Za-z0-9_-]{0,99}|\[\d{1,6}\])?((\.[A-Za-z_][A-Za-z0-9_-]{0,99})|(\[\d{1,6}\]))*$/;

/** A fan-out param's `source`: its items fetched over HTTP when the run starts. */
export class FanOutSourceDto implements FanOutSource {
  @ApiProperty({ example: 'http://devices:8080/devices?group={{ params.group }}' })
  @IsUrlTemplate()
  url: string;

  @ApiPropertyOptional({ enum: ['GET', 'POST'], default: 'GET' })
  @IsOptional()
  @Transform(upper)
  @IsIn(['GET', 'POST'])
  method?: 'GET' | 'POST';

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

  @ApiProperty({ example: '$.devices', description: 'Dotted path to the list in the JSON answer ($ = the answer)' })
  @IsString()
  @MaxLength(500)
  @Matches(JSON_PATH, { message: '$property must be a dotted path like $.devices, data.items or $.data[0].ids' })
  jsonPath: string;

  @ApiPropertyOptional({ example: 'id', description: 'Field of each object in the list that holds the item' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, { message: '$property must be a field name' })
  itemField?: string;

  @ApiPropertyOptional({ default: 10000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  timeoutMs?: number;
}
