import { describe, expect, it } from 'vitest';
import type { TaskView } from '../../../core/api/contract.ts';
import { executeRun, type RunRecorder } from '../../../core/engine/runner/runner.ts';
import { PermanentError } from '../../../core/engine/runner/errors.ts';
import { taskOrder, type PipelineDefinition, type TaskDefinition } from '../../../core/engine/runner/task-graph.ts';

function recorder() {
  const states: string[] = [];
  const logs: string[] = [];
  const last = new Map<string, TaskView>();
  const r: RunRecorder = {
    task: (v) => { last.set(v.name, v); states.push(`${v.name}:${v.state}`); },
    log: (level, message) => { logs.push(`${level} ${message}`); },
  };
  return { r, states, logs, last };
}

const pipeline = (tasks: TaskDefinition<unknown>[]): PipelineDefinition<unknown> => ({ name: 'etl_moderation', description: 'test', tasks });
const run = (p: PipelineDefinition<unknown>, opts: { signal?: AbortSignal; delays?: number[]; graceMs?: number } = {}) => {
  const rec = recorder();
  const outcome = executeRun(p, undefined, {
    runId: 'r1', signal: opts.signal ?? new AbortController().signal, recorder: rec.r, stopGraceMs: opts.graceMs ?? 50,
    sleep: async (ms) => { opts.delays?.push(ms); },
  });
  return { outcome, rec };
};

describe('runner', () => {
  it('runs tasks after what they need and hands each the results of its upstream tasks', async () => {
    const p = pipeline([
      { name: 'load', needs: ['transform'], run: async (ctx) => `${ctx.upstream<string>('transform')}+loaded` },
      { name: 'extract', run: async () => 'rows' },
      { name: 'transform', needs: ['extract'], run: async (ctx) => { ctx.metric('rows', 3); ctx.output('snapshot', '42'); return `${ctx.upstream<string>('extract')}+features`; } },
    ]);
    expect(taskOrder(p).map((t) => t.name)).toEqual(['extract', 'transform', 'load']);
    const { outcome } = run(p);
    const o = await outcome;
    expect(o.state).toBe('success');
    expect(o.tasks.map((t) => [t.name, t.state, t.attempt])).toEqual([['extract', 'success', 1], ['transform', 'success', 1], ['load', 'success', 1]]);
    expect(o.metrics).toEqual({ 'transform.rows': 3 });
    expect(o.outputs).toEqual({ snapshot: '42' });
  });

  it('rejects unknown needs and cycles, naming the tasks', () => {
    expect(() => taskOrder(pipeline([{ name: 'a', needs: ['b'], run: async () => 0 }]))).toThrow(/task a needs "b", which is not one of its tasks/);
    expect(() => taskOrder(pipeline([{ name: 'a', needs: ['b'], run: async () => 0 }, { name: 'b', needs: ['a'], run: async () => 0 }])))
      .toThrow(/cycle: a -> b -> a/);
  });

  it('retries a transient failure with backoff and succeeds, recording up_for_retry', async () => {
    let calls = 0;
    const delays: number[] = [];
    const { outcome, rec } = run(pipeline([{
      name: 'flaky', retry: { retries: 3, delayMs: 1000, backoff: 2 },
      run: async () => { if (++calls < 3) throw new Error('connection reset'); return 'ok'; },
    }]), { delays });
    const o = await outcome;
    expect(o.state).toBe('success');
    expect(calls).toBe(3);
    expect(delays).toEqual([1000, 2000]);
    expect(rec.states.filter((s) => s.startsWith('flaky:'))).toEqual(['flaky:queued', 'flaky:running', 'flaky:up_for_retry', 'flaky:running', 'flaky:up_for_retry', 'flaky:running', 'flaky:success']);
    expect(o.tasks[0]!.attempt).toBe(3);
    expect(rec.logs.some((l) => /attempt 1 failed, retrying in 1 s \(3 retries left\): connection reset/.test(l))).toBe(true);
  });

  it('does not retry authentication, schema or configuration errors, and skips the tasks that need the failed one', async () => {
    let calls = 0;
    const authError = Object.assign(new Error('password authentication failed for user "etl"'), { code: '28P01' });
    const { outcome, rec } = run(pipeline([
      { name: 'extract', retry: { retries: 5, delayMs: 10, backoff: 1 }, run: async () => { calls++; throw new Error('extract failed', { cause: authError }); } },
      { name: 'load', needs: ['extract'], run: async () => 'never' },
      { name: 'config', retry: { retries: 5, delayMs: 10, backoff: 1 }, run: async () => { throw new PermanentError('catalog.uri is empty'); } },
    ]));
    const o = await outcome;
    expect(calls).toBe(1);
    expect(o.state).toBe('failed');
    expect(o.error).toBe('extract: extract failed');
    expect(o.tasks.map((t) => [t.name, t.state])).toEqual([['extract', 'failed'], ['load', 'skipped'], ['config', 'failed']]);
    expect(o.tasks[1]!.error).toBe('not run: extract did not succeed');
    expect(rec.logs.some((l) => l.includes('not retried'))).toBe(true);
  });

  it('fails a task that outlives its timeout with a message saying so, after its retries', async () => {
    let attempts = 0;
    const { outcome } = run(pipeline([{
      name: 'slow', timeoutMs: 30, retry: { retries: 1, delayMs: 0, backoff: 1 },
      run: (ctx) => { attempts++; return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))); },
    }]));
    const o = await outcome;
    expect(attempts).toBe(2);
    expect(o.state).toBe('failed');
    expect(o.tasks[0]!.error).toMatch(/took longer than its timeout of 0 s and was stopped/);
  });

  it('cancels the running task through its signal and the tasks after it', async () => {
    const controller = new AbortController();
    let sawAbort = false;
    const { outcome } = run(pipeline([
      { name: 'consume', run: (ctx) => new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => { sawAbort = true; reject(new Error('stopped')); });
        setTimeout(() => controller.abort(new Error('cancelled by the user')), 10);
      }) },
      { name: 'write', needs: ['consume'], run: async () => 'never' },
    ]), { signal: controller.signal });
    const o = await outcome;
    expect(sawAbort).toBe(true);
    expect(o.state).toBe('cancelled');
    expect(o.tasks.map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('moves on after the grace period when a task ignores cancellation', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 10);
    const started = Date.now();
    const { outcome } = run(pipeline([{ name: 'stubborn', run: () => new Promise(() => undefined) }]), { signal: controller.signal, graceMs: 40 });
    const o = await outcome;
    expect(o.state).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports progress with the total, a rate and an ETA', async () => {
    const { outcome, rec } = run(pipeline([{
      name: 'extract',
      run: async (ctx) => {
        ctx.setTotal(1000, 'rows');
        for (let i = 0; i < 10; i++) { ctx.advance(50); await new Promise((r) => setTimeout(r, 5)); }
      },
    }]));
    await outcome;
    const p = rec.last.get('extract')!.progress!;
    expect(p).toMatchObject({ done: 500, total: 1000, unit: 'rows' });
    expect(p.rate).toBeGreaterThan(0);
    expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
  });
});
