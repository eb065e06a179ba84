import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import type {
  CreateWebhookSourceRequest,
  UpdateWebhookSourceRequest,
  WebhookProviderName,
  WebhookSourceView,
} from '@api-manager/contracts';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { WEBHOOK_PROVIDERS } from '../../../../libs/contracts/src/webhooks.js';

const PROVIDERS = WEBHOOK_PROVIDERS;

export class CreateWebhookSourceDto implements CreateWebhookSourceRequest {
  @ApiProperty({ enum: PROVIDERS })
  @IsIn(PROVIDERS)
  provider: WebhookProviderName;

  @ApiPropertyOptional({ description: 'owner/name; omit or null for every repository of the provider', nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Matches(/^[^\s/]+(\/[^\s/]+)+$/, { message: 'repository must look like owner/name' })
  @MaxLength(300)
  repository?: string | null;

  @ApiPropertyOptional({ description: 'Shared secret (HMAC key or GitLab token); stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  secret?: string;

  @ApiPropertyOptional({
    description: 'Accept unsigned deliveries for this repository (explicit opt-in)',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  insecure?: boolean;

  @ApiPropertyOptional({
    description:
      'Run the jobs of .api-manager.yaml / .toyci.yaml read from each pushed commit (needs a secret and COMMAND_JOBS_ENABLED)',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  repoConfig?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;
}

export class UpdateWebhookSourceDto extends PartialType(CreateWebhookSourceDto) implements UpdateWebhookSourceRequest {}

export class WebhookSourceViewDto implements WebhookSourceView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: PROVIDERS }) provider: WebhookProviderName;
  @ApiProperty({ type: String, nullable: true }) repository: string | null;
  @ApiProperty() insecure: boolean;
  @ApiProperty({ description: 'Whether a secret is set (the secret itself is never returned)' }) hasSecret: boolean;
  @ApiProperty({ description: 'Runs the jobs of the CI file of pushed commits' }) repoConfig: boolean;
  @ApiProperty() description: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
