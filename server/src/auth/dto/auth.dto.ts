import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  ApiTokenSummary,
  AuditEventItem,
  AuditEventList,
  ChangePasswordRequest,
  CreatedApiToken,
  CreateTokenRequest,
  CreateUserRequest,
  LoginRequest,
  LoginResponse,
  MeResponse,
  TokenScope,
  UpdateUserRequest,
  UserRole,
  UserSummary,
} from '@api-manager/contracts';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth-crypto.js';

const ROLES: UserRole[] = ['viewer', 'operator', 'admin'];
const SCOPES: TokenScope[] = ['read', 'run', 'write', 'admin'];
const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

export class LoginDto implements LoginRequest {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

export class UserDto implements UserSummary {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  username: string;
  @ApiProperty()
  displayName: string;
  @ApiProperty({ enum: ROLES })
  role: UserRole;
  @ApiProperty()
  disabled: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastLoginAt: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class LoginResponseDto implements LoginResponse {
  @ApiProperty({ type: UserDto })
  user: UserDto;
  @ApiProperty({ description: 'Send it back as the X-CSRF-Token header on state-changing requests' })
  csrfToken: string;
  @ApiProperty({ format: 'date-time' })
  expiresAt: string;
}

export class MeResponseDto implements MeResponse {
  @ApiProperty({ enum: ['user', 'token'] })
  kind: 'user' | 'token';
  @ApiProperty({ type: UserDto })
  user: UserDto;
  @ApiPropertyOptional({ enum: SCOPES, isArray: true })
  scopes?: TokenScope[];
  @ApiPropertyOptional()
  csrfToken?: string;
}

export class ChangePasswordDto implements ChangePasswordRequest {
  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty({ pattern: USERNAME.source })
  @IsString()
  @Matches(USERNAME, { message: 'username must be lower-case letters, digits, . _ @ - (max. 64)' })
  username: string;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: UserRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsOptional()
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: UserRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class IdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class CreateTokenDto implements CreateTokenRequest {
  @ApiProperty({ example: 'ci-deploy' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsIn(SCOPES, { each: true })
  scopes: TokenScope[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ApiTokenDto implements ApiTokenSummary {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ example: 'amk_AbCd' })
  prefix: string;
  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes: TokenScope[];
  @ApiProperty({ format: 'uuid' })
  userId: string;
  @ApiProperty()
  username: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  expiresAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  revokedAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CreatedApiTokenDto extends ApiTokenDto implements CreatedApiToken {
  @ApiProperty({ description: 'The token itself (amk_…). Shown only in this answer.' })
  token: string;
}

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Actor name (username, or user/token) or id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Exact action (job.create), or a prefix ending in .* (job.*)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ description: 'Target type (job) or type:id (job:1b4e…)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  target?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  until?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

class AuditActorDto {
  @ApiProperty()
  kind: string;
  @ApiProperty({ type: String, nullable: true })
  id: string | null;
  @ApiProperty({ type: String, nullable: true })
  name: string | null;
}

export class AuditEventDto implements AuditEventItem {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'date-time' })
  at: string;
  @ApiProperty({ type: AuditActorDto })
  actor: AuditActorDto;
  @ApiProperty({ example: 'job.update' })
  action: string;
  @ApiProperty({ type: String, nullable: true })
  targetType: string | null;
  @ApiProperty({ type: String, nullable: true })
  targetId: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "A user's or token's current name, else the target's name when the event happened",
  })
  targetName: string | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  before: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  after: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  meta: Record<string, unknown>;
}

export class AuditEventListDto implements AuditEventList {
  @ApiProperty({ type: [AuditEventDto] })
  items: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
