import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvent } from '../../../core/api/contract.ts';
import { Engine, PipelineBusyError, type RunResources } from '../../../core/engine/engine.ts';
import { sqliteRunLock } from '../../../core/engine/locks/run-lock.ts';
import { RunStore } from '../../../core/engine/run-store/run-store.ts';
import type { PipelineDefinition } from '../../../core/engine/runner/task-graph.ts';

interface Res extends RunResources { closed: boolean }

const open: (() => Promise<void>)[] = [];
afterEach(async () => { for (const close of open.splice(0)) await close(); });

function engineWith(pipeline: PipelineDefinition<Res>, redact?: (s: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'floe-engine-'));
  const store = RunStore.open(join(dir, 'runs.db'));
  const lock = sqliteRunLock(join(dir, 'catalog.db'), 'ws');
  const resources: Res[] = [];
  const engine = new Engine<Res>({
    store, lock, pipelines: () => ({ [pipeline.name]: pipeline }), redact, stopGraceMs: 100,
    openResources: async () => { const r: Res = { closed: false, close: async () => { r.closed = true; } }; resources.push(r); return r; },
  });
  const events: ApiEvent[] = [];
  engine.subscribe((e) => events.push(e));
  open.push(async () => { await engine.shutdown(); store.close(); await lock.close(); });
  return { engine, store, events, resources };
}

describe('engine', () => {
  it('records a run, its task attempts (retries included), metrics, outputs and log lines, and closes its resources', async () => {
    let calls = 0;
    const { engine, store, events, resources } = engineWith({
      name: 'etl_moderation', description: 'test',
      tasks: [
        { name: 'extract', retry: { retries: 2, delayMs: 1, backoff: 1 }, run: async (ctx) => {
          ctx.setTotal(10, 'rows');
          ctx.advance(10);
          if (++calls === 1) throw new Error('connection reset by peer');
          ctx.metric('rows', 10);
          ctx.log('info', 'extracted users');
        } },
        { name: 'load', needs: ['extract'], run: async (ctx) => { ctx.output('snapshots', { 'moderation.training_data': '123' }); } },
      ],
    });
    const summary = await engine.trigger('etl_moderation');
    expect(summary.state).toBe('queued');
    const run = await engine.finished(summary.id);
    expect(run.state).toBe('success');
    const detail = store.getRun(summary.id)!;
    expect(detail.attempts.map((a) => [a.task, a.attempt, a.state])).toEqual([['extract', 1, 'failed'], ['extract', 2, 'success'], ['load', 1, 'success']]);
    expect(detail.attempts[0]!.error).toBe('connection reset by peer');
    expect(detail.attempts[1]!.progress).toMatchObject({ done: 10, total: 10, unit: 'rows' });
    expect(detail.metrics).toMatchObject({ 'extract.rows': 10 });
    expect(detail.outputs).toEqual({ snapshots: { 'moderation.training_data': '123' } });
    const lines = readFileSync(detail.logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string; task?: string });
    expect(lines.some((l) => l.message === 'extracted users' && l.task === 'extract')).toBe(true);
    expect(lines.at(-1)!.message).toBe('run success');
    expect(resources.every((r) => r.closed)).toBe(true);
    expect(events.filter((e) => e.type === 'run').map((e) => e.type === 'run' && e.run.state)).toEqual(['queued', 'running', 'success']);
    expect(events.some((e) => e.type === 'log' && e.line.message === 'extracted users')).toBe(true);
  });

  it('refuses a second trigger while the pipeline runs, naming the run that holds it', async () => {
    let release!: () => void;
    const { engine } = engineWith({ name: 'verify', description: 'test', tasks: [{ name: 'check', run: () => new Promise<void>((r) => { release = r; }) }] });
    const first = await engine.trigger('verify');
    const refused = await engine.trigger('verify').catch((e: Error) => e);
    expect(refused).toBeInstanceOf(PipelineBusyError);
    expect((refused as Error).message).toContain(`verify is already running (run ${first.id}, pid ${process.pid}`);
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await engine.finished(first.id)).state).toBe('success');
    const second = await engine.trigger('verify');
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await engine.finished(second.id)).state).toBe('success');
  });

  it('cancels a running run through the task signal and records it as cancelled', async () => {
    const { engine, store } = engineWith({ name: 'event_aggregation', description: 'test', tasks: [
      { name: 'consume', run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))) },
      { name: 'write', needs: ['consume'], run: async () => undefined },
    ] });
    const run = await engine.trigger('event_aggregation');
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.cancel(run.id)).toBe(true);
    const done = await engine.finished(run.id);
    expect(done.state).toBe('cancelled');
    expect(store.getRun(run.id)!.attempts.map((a) => [a.task, a.state])).toEqual([['consume', 'cancelled'], ['write', 'cancelled']]);
  });

  it('keeps secrets out of the run history and the log', async () => {
    const secret = 'hunter2-s3cr3t';
    const { engine, store } = engineWith({ name: 'etl_moderation', description: 'test', tasks: [
      { name: 'extract', run: async (ctx) => { ctx.log('info', `connecting with ${secret}`); throw new Error(`auth failed for password ${secret}`); } },
    ] }, (s) => s.replaceAll(secret, '********'));
    const run = await engine.trigger('etl_moderation');
    const done = await engine.finished(run.id);
    expect(done.state).toBe('failed');
    const detail = store.getRun(run.id)!;
    expect(JSON.stringify(detail)).not.toContain(secret);
    expect(detail.error).toContain('********');
    expect(readFileSync(detail.logFile, 'utf8')).not.toContain(secret);
  });
});

describe('engine: cancel from another process', () => {
  it('stops a run when another process asks the run store to cancel it', async () => {
    const { engine, store } = engineWith({ name: 'verify', description: 'test', tasks: [
      { name: 'check', run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))) },
    ] });
    const run = await engine.trigger('verify');
    await new Promise((r) => setTimeout(r, 20));
    // What the CLI or the app's UI does for a run it does not hold: a second store on the same file.
    const other = RunStore.open(store.file);
    other.requestCancel(run.id);
    other.close();
    const done = await engine.finished(run.id);
    expect(done.state).toBe('cancelled');
    expect(done.cancelRequestedAt).not.toBeNull();
  });
});
