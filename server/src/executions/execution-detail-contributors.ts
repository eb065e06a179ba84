import { Injectable } from '@nestjs/common';

/** Adds fields to GET /executions/:id (e.g. notifications fills `notifications`) without executions importing it. */
export type ExecutionDetailContributor = (executionId: string) => Promise<Record<string, unknown>>;

@Injectable()
export class ExecutionDetailContributors {
  private readonly list: ExecutionDetailContributor[] = [];

  register(contributor: ExecutionDetailContributor): void {
    this.list.push(contributor);
  }

  async collect(executionId: string): Promise<Record<string, unknown>> {
    const parts = await Promise.all(this.list.map((c) => c(executionId)));
    return Object.assign({}, ...parts) as Record<string, unknown>;
  }
}
