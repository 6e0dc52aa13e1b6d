/**
 * The three pipelines as task graphs over an opened workspace. Each task is one step a user
 * recognises in the run view, retried on its own: a failed load does not redo the extract.
 */
import type { JsonValue, PipelineName } from '../api/contract.ts';
import { runVerify } from '../pipelines/verify/pipeline.ts';
import type { VerifyReport } from '../pipelines/verify/report.ts';
import type { Workspace } from './workspace/open.ts';
import type { WorkspaceConfig } from './workspace/config.ts';
import { PermanentError } from './runner/errors.ts';
import type { PipelineDefinition, RetryPolicy } from './runner/task-graph.ts';

interface TaskLimits {
  retry: RetryPolicy;
  timeoutMs: number;
}

function limits(settings: WorkspaceConfig['pipelines'][PipelineName]): TaskLimits {
  const r = settings.retry;
  return { retry: { retries: r.retries, delayMs: r.delaySeconds * 1000, backoff: r.backoff }, timeoutMs: settings.timeoutMinutes * 60_000 };
}

export function verifyPipeline(l: TaskLimits): PipelineDefinition<Workspace> {
  return {
    name: 'verify',
    description: 'Checks moderation.training_data against the FEATURES.md contract and the window tables\' counts and offsets',
    tasks: [{
      name: 'verify', ...l,
      run: async (ctx, ws): Promise<VerifyReport> => {
        const report = await runVerify(ws.pipelines.verify, ws, ctx);
        ctx.output('verify', report as unknown as JsonValue);
        for (const [status, n] of Object.entries(report.counts)) ctx.metric(`checks_${status}`, n);
        if (!report.ok) {
          const failed = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.title} (${c.detail})`);
          // The data is what it is: checking again would give the same answer.
          throw new PermanentError(`verify: ${failed.length} ${failed.length === 1 ? 'check' : 'checks'} failed: ${failed.join('; ')}`);
        }
        return report;
      },
    }],
  };
}

export function pipelineDefinitions(config: WorkspaceConfig): Partial<Record<PipelineName, PipelineDefinition<Workspace>>> {
  const p = config.pipelines;
  return { verify: verifyPipeline(limits(p.verify)) };
}
