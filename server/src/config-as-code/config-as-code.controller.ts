import { Body, Controller, Get, Header, HttpCode, Post, Query, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { ConfigApplyResponse } from '@api-manager/contracts';
import { type Actor, CurrentActor, SkipAudit } from '../auth/access.decorators.js';
import { ConfigAsCodeService } from './config-as-code.service.js';
import { ConfigExporter } from './config-exporter.js';
import { ConfigApplyQueryDto, ConfigApplyResponseDto } from './dto/config-apply.dto.js';
import { YAML_TYPES } from './yaml-body.js';

/** jobs.yaml as code. Apply: operator + write (webhook sources: admin); export: viewer + read. */
@ApiTags('config')
@Controller({ path: 'config', version: '1' })
export class ConfigAsCodeController {
  constructor(
    private readonly service: ConfigAsCodeService,
    private readonly exporter: ConfigExporter,
  ) {}

  @Post('apply')
  @HttpCode(200)
  @SkipAudit()
  @ApiOperation({
    summary: 'Apply a jobs.yaml (the request body, Content-Type application/yaml): all or nothing',
    description:
      '`?dryRun=true` returns the plan without writing; `?prune=true` deletes jobs, schedules and sources the file no longer has. ' +
      'Errors (400) name the file path of each bad field, e.g. `jobs[3].schedules[0].cron`.',
  })
  @ApiConsumes(...YAML_TYPES)
  @ApiBody({
    schema: {
      type: 'string',
      example: 'jobs:\n  - name: hello\n    executor: {kind: http, url: "http://localhost:8080/"}\n',
    },
  })
  @ApiOkResponse({ type: ConfigApplyResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid file (every error, each naming its path); nothing written' })
  @ApiForbiddenResponse({ description: 'Viewer, or a change of webhook sources without admin' })
  apply(
    @Body() body: unknown,
    @Query() query: ConfigApplyQueryDto,
    @CurrentActor() actor: Actor | undefined,
  ): Promise<ConfigApplyResponse> {
    if (typeof body !== 'string') {
      throw new UnsupportedMediaTypeException(
        'Send the jobs.yaml text as the request body with Content-Type: application/yaml',
      );
    }
    return this.service.apply(body, { dryRun: query.dryRun ?? false, prune: query.prune ?? false, actor });
  }

  @Get('export')
  @Header('content-type', 'application/yaml; charset=utf-8')
  @ApiOperation({ summary: 'The current jobs, schedules and webhook sources as jobs.yaml (secrets never included)' })
  @ApiProduces('application/yaml')
  @ApiOkResponse({ schema: { type: 'string' } })
  async export(): Promise<string> {
    return this.exporter.toYaml(await this.service.load());
  }
}
