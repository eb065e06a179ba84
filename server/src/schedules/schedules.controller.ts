import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorators.js';
import {
  CreateScheduleDto,
  ListSchedulesQueryDto,
  PreviewQueryDto,
  ScheduleDto,
  ScheduleListDto,
  SchedulePreviewDto,
  UpdateScheduleDto,
} from './dto/schedule.dto.js';
import { SchedulesService } from './schedules.service.js';
import { UpcomingQueryDto, UpcomingRunsDto } from './dto/upcoming.dto.js';
import { UpcomingService } from './upcoming.service.js';

@ApiTags('schedules')
@Controller({ path: 'schedules', version: '1' })
export class SchedulesController {
  constructor(
    private readonly schedules: SchedulesService,
    private readonly upcoming: UpcomingService,
  ) {}

  @Get()
  @ApiOkResponse({ type: ScheduleListDto, description: 'Schedules, optionally of one job (?job=idOrName)' })
  list(@Query() q: ListSchedulesQueryDto) {
    return this.schedules.list(q);
  }

  @Get('preview')
  @ApiOkResponse({ type: SchedulePreviewDto, description: 'Next fire times (in the zone) and a description' })
  @ApiBadRequestResponse({ description: 'Invalid cron, interval or time zone (the message says why)' })
  preview(@Query() q: PreviewQueryDto) {
    return this.schedules.preview(q);
  }

  // Declared before ':id' so that it is routed first.
  @Get('upcoming')
  @ApiOkResponse({
    type: UpcomingRunsDto,
    description: 'Runs of every enabled schedule in the next `hours` (default 6, at most 48), earliest first, capped',
  })
  @ApiBadRequestResponse({ description: 'hours is not a whole number from 1 to 48' })
  upcomingRuns(@Query() q: UpcomingQueryDto): Promise<UpcomingRunsDto> {
    return this.upcoming.window(q.hours);
  }

  @Post()
  @ApiCreatedResponse({ type: ScheduleDto })
  @ApiBadRequestResponse({ description: 'Invalid input; nothing is written' })
  @ApiNotFoundResponse({ description: 'No such job' })
  create(@Body() dto: CreateScheduleDto) {
    return this.schedules.create(dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ScheduleDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string) {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ScheduleDto, description: 'A timing change recomputes nextRunAt from now' })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  update(@Param('id') id: string, @Body() dto: UpdateScheduleDto) {
    return this.schedules.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  remove(@Param('id') id: string) {
    return this.schedules.remove(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOkResponse({ type: ScheduleDto, description: 'Disabled; nextRunAt becomes null' })
  @ApiNotFoundResponse()
  pause(@Param('id') id: string) {
    return this.schedules.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOkResponse({ type: ScheduleDto, description: 'Enabled from now on (slots missed while paused are not run)' })
  @ApiNotFoundResponse()
  resume(@Param('id') id: string) {
    return this.schedules.resume(id);
  }
}
