/** `floe runs` and `floe logs <run>`: the run history and a run's log (followed while it runs). */
import { parseArgs } from 'node:util';
import type { LogLine, PipelineName, RunState } from '../../../core/api/contract.ts';
import { followLog } from '../../../core/engine/run-store/log-reader.ts';
import { UsageError, type CliContext } from '../cli-context.ts';
import { RUN_HEADERS, runRow, table, taskLine } from '../terminal.ts';

export async function runsCommand(ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: {
    pipeline: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string', default: '20' }, cursor: { type: 'string' },
  } });
  const service = await ctx.service();
  const page = await service.call('runs.list', {
    pipeline: values.pipeline as PipelineName | undefined, state: values.state as RunState | undefined,
    limit: Number(values.limit), cursor: values.cursor,
  });
  ctx.print(page, () => {
    if (page.items.length === 0) return 'No runs yet. Start one with "floe run <pipeline>".';
    const more = page.next ? `\nmore: floe runs --cursor ${page.next}` : '';
    return `${table(RUN_HEADERS, page.items.map(runRow))}${more}`;
  });
  return 0;
}

const logText = (l: Omit<LogLine, 'offset'>) => `${new Date(l.ts).toISOString()} ${l.level.padEnd(5)} ${l.task ? `[${l.task}${l.attempt && l.attempt > 1 ? ` #${l.attempt}` : ''}] ` : ''}${l.message}`;

export async function logsCommand(ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: { follow: { type: 'boolean', short: 'f', default: false } } });
  const runId = positionals[0];
  if (!runId) throw new UsageError('floe logs <run id> [--follow]: the run ids are in "floe runs"');
  const service = await ctx.service();
  const run = await service.call('runs.get', { runId });
  if (!ctx.json) {
    ctx.out(`${run.pipeline} ${run.state} (run ${run.id})`);
    for (const t of run.tasks) ctx.out(taskLine(t));
  }
  let offset = 0;
  for (;;) {
    const page = await service.call('runs.logs', { runId, offset, limit: 1000 });
    for (const line of page.lines) ctx.out(ctx.json ? JSON.stringify(line) : logText(line));
    offset = page.nextOffset;
    if (page.end) break;
  }
  if (values.follow && (run.state === 'running' || run.state === 'queued') && run.logLocation) {
    const rt = await ctx.runtime();
    const finished = () => {
      const now = rt.store.getRun(runId);
      return !now || (now.state !== 'running' && now.state !== 'queued');
    };
    for await (const line of followLog(run.logLocation, { offset, done: finished })) ctx.out(ctx.json ? JSON.stringify(line) : logText(line));
  }
  return 0;
}
