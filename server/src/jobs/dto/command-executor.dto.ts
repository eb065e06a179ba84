import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  CommandCheckout,
  CommandCommitBack,
  CommandExecutorDefinition,
  SecretInput,
} from '@api-manager/contracts';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsNotEmpty,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  NotContains,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsEnvMap, IsSecretInput } from './validators.js';

export class CheckoutDto implements CommandCheckout {
  @ApiPropertyOptional({
    nullable: true,
    description: 'Clone URL or server path; default: the repository of the triggering push',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^[^-\s][^\s]*$/, { message: '$property must be a clone URL or path (no spaces, not starting with -)' })
  url?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Branch, tag or commit for runs without a push (template)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  ref?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    properties: { secret: { type: 'boolean' }, value: { type: 'string' } },
    description: '{"secret": true, "value": "..."}: given to git as an Authorization header, never in the URL',
  })
  @IsOptional()
  @IsSecretInput()
  token?: SecretInput | null;

  @ApiPropertyOptional({ default: 'x-access-token' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @NotContains(':', { message: '$property must not contain ":"' })
  tokenUser?: string;

  @ApiPropertyOptional({ default: 50, description: '0 = full history' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  depth?: number;
}

export class CommitBackDto implements CommandCommitBack {
  @ApiPropertyOptional({ default: 'API Manager' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @Matches(/^[^<>\n]+$/, { message: '$property must not contain <, > or line breaks' })
  authorName?: string;

  @ApiPropertyOptional({ default: 'api-manager@localhost' })
  @IsOptional()
  @IsEmail({ require_tld: false })
  authorEmail?: string;
}

export class CommandExecutorDto implements CommandExecutorDefinition {
  @ApiProperty({ enum: ['command'] })
  @IsIn(['command'])
  kind: 'command';

  @ApiProperty({ example: 'npm ci\nnpm test' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100_000)
  script: string;

  @ApiPropertyOptional({ default: '/bin/sh -e', description: 'Interpreter and flags, split at spaces' })
  @IsOptional()
  @IsString()
  @Matches(/^\S+( \S+)*$/, { message: '$property must be an interpreter path and flags separated by single spaces' })
  @MaxLength(500)
  shell?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Values are templates, or {"secret": true, "value": "..."}',
  })
  @IsOptional()
  @IsEnvMap()
  env?: Record<string, string | SecretInput>;

  @ApiPropertyOptional({ default: 600000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, description: 'Relative to the workspace (no leading / and no ..)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  workingDirectory?: string | null;

  @ApiPropertyOptional({ type: CheckoutDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CheckoutDto)
  checkout?: CheckoutDto | null;

  @ApiPropertyOptional({ type: CommitBackDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CommitBackDto)
  commitBack?: CommitBackDto | null;
}
