import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { ApiTokenSummary, CreatedApiToken, Page } from '@api-manager/contracts';
import { PageDtoOf, PageQueryDto } from '../common/paging.js';
import { Access, type Actor, CurrentActor, SkipAudit } from './access.decorators.js';
import { ApiTokenDto, CreatedApiTokenDto, CreateTokenDto, IdParamDto } from './dto/auth.dto.js';
import { TokensService } from './tokens.service.js';

const ApiTokenPageDto = PageDtoOf(ApiTokenDto, 'ApiTokenPageDto');

/** API tokens for automation (`Authorization: Bearer amk_…`). */
@ApiTags('tokens')
@SkipAudit()
@Controller({ path: 'tokens', version: '1' })
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  /** The caller's tokens (an admin sees all). Secrets are never listed. */
  @Get()
  @ApiOkResponse({ type: ApiTokenPageDto, description: 'Newest first; cursor paging' })
  list(@CurrentActor() actor: Actor, @Query() q: PageQueryDto): Promise<Page<ApiTokenSummary>> {
    return this.tokens.list(actor, q);
  }

  /** Create a token for oneself; the answer is the only time the token is shown. */
  @Post()
  @Access({ role: 'viewer', scope: 'admin' })
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  @ApiForbiddenResponse({ description: 'A scope above the caller’s role' })
  create(@Body() dto: CreateTokenDto, @CurrentActor() actor: Actor): Promise<CreatedApiToken> {
    return this.tokens.create(dto, actor);
  }

  /** Revoke one's own token (an admin: any token). */
  @Delete(':id')
  @Access({ role: 'viewer', scope: 'write' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  revoke(@Param() { id }: IdParamDto, @CurrentActor() actor: Actor): Promise<void> {
    return this.tokens.revoke(id, actor);
  }
}
