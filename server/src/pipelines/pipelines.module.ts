import { Module, type OnModuleInit } from '@nestjs/common';
import { CryptoModule } from '../common/crypto.module.js';
import { ExecutionDetailContributors } from '../executions/execution-detail-contributors.js';
import { ExecutionsModule } from '../executions/executions.module.js';
import { FinalHooks } from '../executions/final-hooks.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { FanInService } from './fan-in.service.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesStore } from './pipelines.store.js';

/**
 * Pipelines (issue #21): fan-in (`needs`) slots that fire a job once per key when its needed jobs have
 * succeeded, and pipeline runs (every execution one trigger started through chains and fan-ins).
 * Hooks into the finalizer through FinalHooks, so executions imports nothing of this module.
 */
@Module({
  imports: [CryptoModule, JobsModule, ExecutionsModule],
  controllers: [PipelinesController],
  providers: [PipelinesStore, PipelineRunsService, FanInService],
})
export class PipelinesModule implements OnModuleInit {
  constructor(
    private readonly hooks: FinalHooks,
    private readonly detail: ExecutionDetailContributors,
    private readonly runs: PipelineRunsService,
    private readonly fanIn: FanInService,
    private readonly store: PipelinesStore,
  ) {}

  onModuleInit(): void {
    this.hooks.register({
      pipelineRunFor: (exec) => this.runs.runFor(exec),
      afterFinal: async (exec, job, params, response) => {
        await this.fanIn.arrived(exec, job, params, response, () => this.runs.runFor(exec));
        if (exec.pipelineRunId) await this.runs.refresh(exec.pipelineRunId);
      },
    });
    this.detail.register(async (id) => {
      const runId = await this.store.runOfExecution(id);
      return { pipelineRunId: runId };
    });
  }
}
