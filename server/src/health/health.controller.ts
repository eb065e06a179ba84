import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators.js';
import { ReadinessRegistry } from './readiness.registry.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** The process answers: no I/O. */
  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The process is alive' })
  live() {
    return this.health.check([]);
  }

  /** Database ping plus every readiness check registered by feature modules (scheduler, workers). */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready to serve' })
  @ApiServiceUnavailableResponse({ description: 'A check failed; the body names it' })
  ready() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1500 }), ...this.readiness.checks()]);
  }
}
