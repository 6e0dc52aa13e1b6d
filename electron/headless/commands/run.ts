/** `floe run <pipeline>` and `floe verify`: run in this process, with live progress on a terminal. */
import { parseArgs } from 'node:util';
import type { ApiEvent, PipelineName, RunDetail, VerifyReportView } from '../../../core/api/contract.ts';
import { PIPELINE_NAMES } from '../../../core/api/contract.ts';
import { formatVerifyReport } from '../../../core/pipelines/verify/format.ts';
import type { VerifyReport } from '../../../core/pipelines/verify/report.ts';
import { UsageError, type CliContext } from '../cli-context.ts';
import { duration, progressText, StatusLine, taskLine } from '../terminal.ts';

/** Runs a pipeline to its end; returns the run's detail. */
export async function runPipeline(ctx: CliContext, pipeline: PipelineName): Promise<RunDetail> {
  const service = await ctx.service();
  const status = new StatusLine();
  let runId: string | undefined;
  const early: ApiEvent[] = [];
  const onEvent = (e: ApiEvent) => {
    if (!runId) { early.push(e); return; }
    if ('runId' in e && e.runId !== runId) return;
    if (e.type === 'progress') status.show(progressText(e.task, e.progress));
    if (e.type === 'task' && ['success', 'failed', 'up_for_retry', 'skipped', 'cancelled'].includes(e.task.state) && !ctx.json) status.print(taskLine(e.task));
    if (e.type === 'log' && (e.line.level === 'warn' || e.line.level === 'error') && !ctx.json) status.print(`  ${e.line.level}: ${e.line.message}`);
  };
  const unsubscribe = service.subscribe(onEvent);
  const cancel = () => { if (runId) void service.call('pipelines.cancel', { runId }).catch(() => undefined); };
  process.once('SIGINT', cancel);
  try {
    const run = await service.call('pipelines.run', { pipeline });
    runId = run.id;
    if (!ctx.json) ctx.err(`${pipeline}: run ${run.id} started`);
    for (const e of early.splice(0)) onEvent(e);
    await (await ctx.runtime()).engine.finished(run.id);
    status.clear();
    return await service.call('runs.get', { runId: run.id });
  } finally {
    process.off('SIGINT', cancel);
    unsubscribe();
    status.clear();
  }
}

function summary(run: RunDetail): string {
  const took = run.startedAt !== null && run.finishedAt !== null ? ` in ${duration(run.finishedAt - run.startedAt)}` : '';
  return `${run.pipeline} ${run.state}${took} (run ${run.id})${run.error ? `\n  ${run.error}` : ''}\n  log: ${run.logLocation ?? '-'}`;
}

export async function runCommand(ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {} });
  const pipeline = positionals[0] as PipelineName | undefined;
  if (!pipeline || !PIPELINE_NAMES.includes(pipeline)) throw new UsageError(`floe run <pipeline>: the pipelines are ${PIPELINE_NAMES.join(', ')}`);
  const run = await runPipeline(ctx, pipeline);
  const report = run.outputs.verify as unknown as VerifyReportView | undefined;
  ctx.print(run, () => [report ? formatVerifyReport(report as VerifyReport) : '', summary(run)].filter(Boolean).join('\n'));
  return run.state === 'success' ? 0 : 1;
}

export async function verifyCommand(ctx: CliContext): Promise<number> {
  const run = await runPipeline(ctx, 'verify');
  const report = run.outputs.verify as unknown as VerifyReportView | undefined;
  ctx.print(report ?? run, () => (report ? `${formatVerifyReport(report as VerifyReport)}\n${summary(run)}` : summary(run)));
  return run.state === 'success' ? 0 : 1;
}

/** `floe cancel <run>`: stops a run, in this process or the one running it, and waits for it to end. */
export async function cancelCommand(ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {} });
  const runId = positionals[0];
  if (!runId) throw new UsageError('floe cancel <run id>: the running runs are in "floe runs --state running"');
  const service = await ctx.service();
  await service.call('pipelines.cancel', { runId });
  const deadline = Date.now() + 60_000;
  let run = await service.call('runs.get', { runId });
  const store = (await ctx.runtime()).store;
  while ((run.state === 'running' || run.state === 'queued') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    store.markInterrupted(); // a process that died instead of stopping leaves its run interrupted
    run = await service.call('runs.get', { runId });
  }
  ctx.print(run, () => (run.state === 'running' || run.state === 'queued'
    ? `asked run ${runId} to stop; it is still ${run.state} after 60 s (its task has not reached a point where it can stop)`
    : summary(run)));
  return run.state === 'cancelled' ? 0 : 1;
}
