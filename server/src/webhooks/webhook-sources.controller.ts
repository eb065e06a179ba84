import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import type { Page, WebhookSourceView } from '@api-manager/contracts';
import { PageDtoOf, PageQueryDto } from '../common/paging.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorators.js';
import { CreateWebhookSourceDto, UpdateWebhookSourceDto, WebhookSourceViewDto } from './dto/webhook-source.dto.js';
import { WebhookSourcesService } from './webhook-sources.service.js';

/** Per-repository secrets: admin only (they authenticate every delivery). Secrets are never returned. */
@ApiTags('webhooks')
@Controller({ path: 'webhooks/sources', version: '1' })
export class WebhookSourcesController {
  constructor(private readonly sources: WebhookSourcesService) {}

  @Get()
  @ApiOperation({ summary: 'Webhook sources (secrets are never returned)' })
  @ApiOkResponse({ type: PageDtoOf(WebhookSourceViewDto, 'WebhookSourcePageDto'), description: 'Cursor paging' })
  list(@Query() q: PageQueryDto): Promise<Page<WebhookSourceView>> {
    return this.sources.list(q);
  }

  @Post()
  @Access({ role: 'admin', scope: 'admin' })
  @ApiOperation({ summary: 'Add a source: provider, repository (or all), secret (stored encrypted) or insecure' })
  @ApiCreatedResponse({ type: WebhookSourceViewDto })
  create(@Body() dto: CreateWebhookSourceDto): Promise<WebhookSourceViewDto> {
    return this.sources.create(dto);
  }

  @Patch(':id')
  @Access({ role: 'admin', scope: 'admin' })
  @ApiOkResponse({ type: WebhookSourceViewDto })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateWebhookSourceDto): Promise<WebhookSourceViewDto> {
    return this.sources.update(id, dto);
  }

  @Delete(':id')
  @Access({ role: 'admin', scope: 'admin' })
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.sources.remove(id);
  }
}
