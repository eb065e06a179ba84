import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import type { NotificationChannelView, Page } from '@api-manager/contracts';
import { PageDtoOf, PageQueryDto } from '../common/paging.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorators.js';
import { ChannelsService } from './channels.service.js';
import {
  CreateNotificationChannelDto,
  NotificationChannelViewDto,
  NotificationTestResultDto,
  UpdateNotificationChannelDto,
} from './dto/channel.dto.js';

/** Notification channels: anyone with read access lists them, admins write. URLs and secrets are never returned. */
@ApiTags('notifications')
@Controller({ path: 'notifications/channels', version: '1' })
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOperation({ summary: 'Notification channels (URLs and secrets are never returned)' })
  @ApiOkResponse({
    type: PageDtoOf(NotificationChannelViewDto, 'NotificationChannelPageDto'),
    description: 'By name; cursor paging',
  })
  list(@Query() q: PageQueryDto): Promise<Page<NotificationChannelView>> {
    return this.channels.list(q);
  }

  @Post()
  @Access({ role: 'admin', scope: 'admin' })
  @ApiOperation({ summary: 'Add a channel: slack, discord, webhook (Standard Webhooks signed) or email' })
  @ApiCreatedResponse({ type: NotificationChannelViewDto })
  create(@Body() dto: CreateNotificationChannelDto): Promise<NotificationChannelViewDto> {
    return this.channels.create(dto);
  }

  @Patch(':id')
  @Access({ role: 'admin', scope: 'admin' })
  @ApiOkResponse({ type: NotificationChannelViewDto })
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateNotificationChannelDto,
  ): Promise<NotificationChannelViewDto> {
    return this.channels.update(id, dto);
  }

  @Delete(':id')
  @Access({ role: 'admin', scope: 'admin' })
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.channels.remove(id);
  }

  @Post(':id/test')
  @Access({ role: 'admin', scope: 'admin' })
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message through the channel now' })
  @ApiOkResponse({ type: NotificationTestResultDto })
  test(@Param('id', ParseUUIDPipe) id: string): Promise<NotificationTestResultDto> {
    return this.channels.test(id);
  }
}
