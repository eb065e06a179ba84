import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import type {
  CreateNotificationChannelRequest,
  NotificationChannelType,
  NotificationChannelView,
  NotificationTestResult,
  UpdateNotificationChannelRequest,
} from '@api-manager/contracts';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const CHANNEL_TYPES: NotificationChannelType[] = ['slack', 'discord', 'webhook', 'email'];

export class CreateNotificationChannelDto implements CreateNotificationChannelRequest {
  @ApiProperty({ example: 'ops-slack' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message:
      '$property must be a slug: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 100 characters',
  })
  name: string;

  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES, { message: '$property must be one of slack, discord, webhook, email' })
  type: NotificationChannelType;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ description: 'slack / discord / webhook: URL to POST to; stored encrypted, never returned' })
  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: '$property must be an http(s) URL' },
  )
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({
    description: 'webhook: Standard Webhooks secret whsec_<base64>; stored encrypted, never returned',
  })
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, {
    message: '$property must be a Standard Webhooks secret: whsec_<base64>',
  })
  @MaxLength(200)
  secret?: string;

  @ApiPropertyOptional({ type: [String], description: 'email: recipients' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true, message: 'each value in $property must be an email address' })
  recipients?: string[];

  @ApiPropertyOptional({
    default: 20,
    description: 'At most this many notifications per minute; the rest are recorded as rate_limited',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerMinute?: number;
}

export class UpdateNotificationChannelDto
  extends PartialType(CreateNotificationChannelDto)
  implements UpdateNotificationChannelRequest {}

export class NotificationChannelViewDto implements NotificationChannelView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CHANNEL_TYPES }) type: NotificationChannelType;
  @ApiProperty() enabled: boolean;
  @ApiProperty() description: string;
  @ApiProperty({ type: String, nullable: true, description: 'Scheme and host of the URL only' }) urlHint: string | null;
  @ApiProperty() hasUrl: boolean;
  @ApiProperty({ description: 'Whether a signing secret is set (never returned)' }) hasSecret: boolean;
  @ApiProperty({ type: [String] }) recipients: string[];
  @ApiProperty() rateLimitPerMinute: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class NotificationTestResultDto implements NotificationTestResult {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: Number, nullable: true }) status: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}
