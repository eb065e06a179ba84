import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsGuard } from './metrics.guard.js';
import { MetricsService } from './metrics.service.js';

/** GET /api/metrics (or METRICS_PORT): Prometheus metrics of the cluster and of this process. */
@Module({
  imports: [ExecutionsModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
