import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, type Actor, CurrentActor } from '../auth/access.decorators.js';
import { BackfillPreviewDto, BackfillRequestDto, BackfillResponseDto } from './backfill.dto.js';
import { BackfillService } from './backfill.service.js';

@ApiTags('backfills')
@Controller({ path: 'backfills', version: '1' })
export class BackfillController {
  constructor(private readonly backfills: BackfillService) {}

  @Post('preview')
  @HttpCode(200)
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({
    summary: 'How many runs a backfill would create (total, skipped as already done, to run); creates nothing',
  })
  @ApiOkResponse({ type: BackfillPreviewDto })
  @ApiBadRequestResponse({ description: 'Bad range, unknown params, over FANOUT_MAX' })
  @ApiNotFoundResponse({ description: 'No such job' })
  preview(@Body() body: BackfillRequestDto): Promise<BackfillPreviewDto> {
    return this.backfills.preview(body);
  }

  @Post()
  @Access({ role: 'operator', scope: 'run' })
  @ApiOperation({ summary: 'Run a job over a date range × key lists: one parent execution, one child per key' })
  @ApiCreatedResponse({ type: BackfillResponseDto })
  @ApiBadRequestResponse({ description: 'Bad range, unknown params, over FANOUT_MAX' })
  @ApiConflictResponse({ description: 'The job is disabled' })
  @ApiNotFoundResponse({ description: 'No such job' })
  create(
    @Body() body: BackfillRequestDto,
    @CurrentActor() actor: Actor | undefined,
    @Headers('x-requested-by') requestedBy?: string,
  ): Promise<BackfillResponseDto> {
    const manual = actor?.kind === 'user' || requestedBy === 'admin-ui';
    return this.backfills.create(body, {
      trigger: manual ? 'manual' : 'api',
      triggerRef: actor ? `${actor.kind}:${actor.id}` : null,
      actor: actor ? actor.name : null,
    });
  }
}
