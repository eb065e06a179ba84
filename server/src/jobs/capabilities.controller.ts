import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Capabilities } from '@api-manager/contracts';
import { AppConfig } from '../config/app-config.js';

class CapabilitiesDto implements Capabilities {
  @ApiProperty({ description: 'Jobs of kind command may be created and run (COMMAND_JOBS_ENABLED=true)' })
  commandJobs: boolean;
}

@ApiTags('jobs')
@Controller({ path: 'capabilities', version: '1' })
export class CapabilitiesController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'What this server allows (e.g. command jobs)' })
  @ApiOkResponse({ type: CapabilitiesDto })
  get(): Capabilities {
    return { commandJobs: this.config.COMMAND_JOBS_ENABLED };
  }
}
