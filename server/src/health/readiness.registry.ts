import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

export type ReadinessCheck = () => Promise<HealthIndicatorResult> | HealthIndicatorResult;

/**
 * Feature modules (scheduler, workers) register their readiness checks here, so health imports
 * no feature module. Use HealthIndicatorService from @nestjs/terminus to build the result.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly registered = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.registered.set(name, check);
  }

  checks(): ReadinessCheck[] {
    return [...this.registered.values()];
  }
}
