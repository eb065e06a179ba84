import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, type Actor, CurrentActor } from '../auth/access.decorators.js';
import {
  DeliveryDetailDto,
  DeliveryPageDto,
  DeliveryQueryDto,
  ReplayDto,
  WebhookReplayResponseDto,
} from './dto/webhook-delivery.dto.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';

@ApiTags('webhooks')
@Controller({ path: 'webhooks/deliveries', version: '1' })
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries, newest first (filters, cursor paging)' })
  @ApiOkResponse({ type: DeliveryPageDto })
  list(@Query() q: DeliveryQueryDto): Promise<DeliveryPageDto> {
    return this.deliveries.list(q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery: masked headers, changed files, per-job match reasons, executions' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<DeliveryDetailDto> {
    return this.deliveries.get(id);
  }

  @Post(':id/replay')
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({
    summary: 'Re-evaluate a recorded push against the current jobs: new delivery record, new executions',
  })
  @ApiCreatedResponse({ type: WebhookReplayResponseDto })
  async replay(
    @Param('id') id: string,
    @Body() dto: ReplayDto,
    @CurrentActor() actor: Actor | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<WebhookReplayResponseDto> {
    const { code, body } = await this.deliveries.replay(id, dto ?? {}, actor);
    res.status(code === 202 ? HttpStatus.ACCEPTED : HttpStatus.CREATED);
    return body;
  }
}
