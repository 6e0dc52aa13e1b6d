/**
 * Runs one pipeline run: tasks in dependency order, each with its retries, timeout and the run's
 * cancellation, reporting every state change, progress tick and log line to a recorder (the run
 * store and the live event stream). A task that fails for good skips what needs it; the run's
 * state follows from its tasks.
 */
import type { JsonValue, LogLevel, RunState, TaskState, TaskView } from '../../api/contract.ts';
import { permanentReason } from './errors.ts';
import { ProgressMeter } from './progress.ts';
import { NO_RETRY, taskOrder, type PipelineDefinition, type TaskDefinition, type TaskRunContext } from './task-graph.ts';

export interface RunRecorder {
  task(view: TaskView): void;
  log(level: LogLevel, message: string, task: string | null, attempt: number | null, fields?: Record<string, JsonValue>): void;
}

export interface RunOutcome {
  state: Exclude<RunState, 'queued' | 'running' | 'interrupted'>;
  error: string | null;
  tasks: TaskView[];
  metrics: Record<string, JsonValue>;
  outputs: Record<string, JsonValue>;
}

export interface RunOptions {
  runId: string;
  signal: AbortSignal;
  recorder: RunRecorder;
  /** Progress is reported at most this often per task. */
  progressIntervalMs?: number;
  /** How long a cancelled or timed-out task gets to stop before the run moves on without it. */
  stopGraceMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

const abortableSleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal.aborted) return reject(signal.reason as Error);
  const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(timer); reject(signal.reason as Error); };
  signal.addEventListener('abort', onAbort, { once: true });
});

class TaskTimeoutError extends Error {
  constructor(task: string, ms: number) {
    super(`task ${task} took longer than its timeout of ${Math.round(ms / 1000)} s and was stopped; raise the timeout if the data has grown`);
    this.name = 'TimeoutError';
  }
}

/** Resolves with the task's value, or rejects with the abort reason once the grace period after an abort has passed. */
function settleWithin<T>(work: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => { timer = setTimeout(() => reject(signal.reason as Error), graceMs); };
    if (signal.aborted) onAbort(); else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); });
  });
}

export async function executeRun<R>(pipeline: PipelineDefinition<R>, resources: R, options: RunOptions): Promise<RunOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const interval = options.progressIntervalMs ?? 250;
  const grace = options.stopGraceMs ?? 10_000;
  const { recorder, signal } = options;
  const ordered = taskOrder(pipeline);
  const views = new Map<string, TaskView>(ordered.map((t) => [t.name, {
    name: t.name, attempt: 0, state: 'queued' as TaskState, startedAt: null, finishedAt: null, error: null, progress: null, metrics: {},
  }]));
  const values = new Map<string, unknown>();
  const metrics: Record<string, JsonValue> = {};
  const outputs: Record<string, JsonValue> = {};
  const update = (name: string, patch: Partial<TaskView>) => {
    const view = { ...views.get(name)!, ...patch };
    views.set(name, view);
    recorder.task(view);
  };
  for (const view of views.values()) recorder.task(view);

  const runAttempt = async (task: TaskDefinition<R>, attempt: number): Promise<unknown> => {
    const meter = new ProgressMeter(now);
    let lastReport = 0;
    const report = (force: boolean) => {
      const t = now();
      if (!force && t - lastReport < interval) return;
      lastReport = t;
      update(task.name, { progress: meter.snapshot() });
    };
    const timeout = task.timeoutMs ? AbortSignal.timeout(task.timeoutMs) : null;
    const taskSignal = timeout ? AbortSignal.any([signal, timeout]) : signal;
    const ctx: TaskRunContext = {
      signal: taskSignal, runId: options.runId, attempt,
      setTotal: (total, unit) => { meter.setTotal(total, unit); report(true); },
      advance: (n) => { meter.advance(n); report(false); },
      log: (level, message, fields) => recorder.log(level, message, task.name, attempt, fields as Record<string, JsonValue> | undefined),
      upstream: <T>(name: string) => {
        if (!values.has(name)) throw new Error(`task ${task.name} asked for the result of ${name}, which it does not need or which has not run`);
        return values.get(name) as T;
      },
      metric: (name, value) => {
        update(task.name, { metrics: { ...views.get(task.name)!.metrics, [name]: value } });
        metrics[`${task.name}.${name}`] = value;
      },
      output: (name, value) => {
        const had = outputs[name];
        const isObject = (v: JsonValue | undefined): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);
        outputs[name] = isObject(had) && isObject(value) ? { ...had, ...value } : value;
      },
    };
    try {
      return await settleWithin(task.run(ctx, resources), taskSignal, grace);
    } catch (err) {
      if (timeout?.aborted && !signal.aborted) throw new TaskTimeoutError(task.name, task.timeoutMs!);
      throw err;
    } finally {
      if (lastReport > 0) report(true); // the final figures, if the task reported any
    }
  };

  let failure: string | null = null;
  for (const task of ordered) {
    const blocked = (task.needs ?? []).find((n) => views.get(n)!.state !== 'success');
    if (signal.aborted) { update(task.name, { state: 'cancelled' }); continue; }
    if (blocked) {
      update(task.name, { state: 'skipped', error: `not run: ${blocked} did not succeed` });
      continue;
    }
    const policy = task.retry ?? NO_RETRY;
    for (let attempt = 1; ; attempt++) {
      update(task.name, { state: 'running', attempt, startedAt: now(), finishedAt: null, error: null, progress: null });
      recorder.log('info', `${task.name}: attempt ${attempt} started`, task.name, attempt);
      try {
        values.set(task.name, await runAttempt(task, attempt));
        update(task.name, { state: 'success', finishedAt: now() });
        recorder.log('info', `${task.name}: succeeded`, task.name, attempt);
        break;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (signal.aborted) {
          update(task.name, { state: 'cancelled', finishedAt: now(), error: 'cancelled' });
          recorder.log('warn', `${task.name}: cancelled`, task.name, attempt);
          break;
        }
        const permanent = permanentReason(err);
        const retriesLeft = policy.retries - (attempt - 1);
        if (permanent === null && retriesLeft > 0) {
          const delay = policy.delayMs * policy.backoff ** (attempt - 1);
          update(task.name, { state: 'up_for_retry', finishedAt: now(), error: message });
          recorder.log('warn', `${task.name}: attempt ${attempt} failed, retrying in ${Math.round(delay / 1000)} s (${retriesLeft} ${retriesLeft === 1 ? 'retry' : 'retries'} left): ${message}`, task.name, attempt);
          try {
            await sleep(delay, signal);
            continue;
          } catch {
            update(task.name, { state: 'cancelled', error: 'cancelled while waiting to retry' });
            break;
          }
        }
        update(task.name, { state: 'failed', finishedAt: now(), error: message });
        recorder.log('error', `${task.name}: failed${permanent !== null ? ' (not retried: a retry would fail the same way)' : ''}: ${message}`, task.name, attempt);
        failure ??= `${task.name}: ${message}`;
        break;
      }
    }
  }
  const tasks = ordered.map((t) => views.get(t.name)!);
  const state: RunOutcome['state'] = tasks.some((t) => t.state === 'failed') ? 'failed'
    : tasks.some((t) => t.state === 'cancelled') ? 'cancelled' : 'success';
  return { state, error: state === 'failed' ? failure : state === 'cancelled' ? 'cancelled by the user' : null, tasks, metrics, outputs };
}
