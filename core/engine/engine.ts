/**
 * The engine: triggers runs of the workspace's pipelines, one at a time per pipeline (the run
 * lock in the catalog database across processes, the run store on this machine), records every
 * task attempt, progress tick and log line as it happens, and streams the same as events.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ApiEvent, JsonValue, LogLevel, PipelineName, RunSummary, TaskView } from '../api/contract.ts';
import type { RunLock } from './locks/run-lock.ts';
import { RunStore, RunConflictError } from './run-store/run-store.ts';
import { RunLog, type Redactor } from './run-store/run-log.ts';
import type { Run, RunTrigger } from './run-store/types.ts';
import { executeRun, type RunOutcome, type RunRecorder } from './runner/runner.ts';
import type { PipelineDefinition } from './runner/task-graph.ts';

/** What a run's tasks work with (connections, catalog...), opened per run and closed after it. */
export interface RunResources {
  close(): Promise<void>;
}

export interface EngineOptions<R extends RunResources> {
  store: RunStore;
  lock: RunLock;
  /** Asked at each trigger, so a changed configuration (retries, timeouts) applies to the next run. */
  pipelines: () => Partial<Record<PipelineName, PipelineDefinition<R>>>;
  openResources: () => Promise<R>;
  redact?: Redactor;
  stopGraceMs?: number;
  /** How often a run checks the run store for a cancel asked by another process; default 500 ms. */
  cancelPollMs?: number;
}

/** Refused because the pipeline already runs; `holder` names the run and where it runs. */
export class PipelineBusyError extends Error {
  constructor(pipeline: PipelineName, holder: string) {
    super(`${pipeline} is already running (${holder}). Wait for it to finish or cancel it, then trigger again.`);
    this.name = 'PipelineBusyError';
  }
}

export function runSummary(run: Run): RunSummary {
  return {
    id: run.id, pipeline: run.pipeline, trigger: run.trigger, state: run.state,
    createdAt: run.createdAt, startedAt: run.startedAt, finishedAt: run.finishedAt, error: run.error,
  };
}

export class Engine<R extends RunResources> {
  private readonly events = new EventEmitter<{ event: [ApiEvent] }>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<Run> }>();

  constructor(private readonly o: EngineOptions<R>) {
    this.events.setMaxListeners(0);
  }

  get store(): RunStore {
    return this.o.store;
  }

  definition(pipeline: PipelineName): PipelineDefinition<R> {
    const d = this.o.pipelines()[pipeline];
    if (!d) throw new Error(`Pipeline ${pipeline} is not available in this workspace`);
    return d;
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private emit(event: ApiEvent): void {
    this.events.emit('event', event);
  }

  /** Starts a run and returns once it is recorded; `finished(run.id)` waits for its end. */
  async trigger(pipeline: PipelineName, trigger: RunTrigger = { kind: 'manual' }): Promise<RunSummary> {
    const definition = this.definition(pipeline);
    const runId = randomUUID();
    const attempt = await this.o.lock.tryAcquire(pipeline, runId);
    if (!attempt.acquired) {
      const h = attempt.heldBy;
      throw new PipelineBusyError(pipeline, h ? `run ${h.runId}, pid ${h.pid} on ${h.host}, since ${new Date(h.acquiredAt).toISOString()}` : 'by another process');
    }
    let run: Run;
    try {
      run = this.o.store.createRun({ pipeline, trigger, id: runId });
    } catch (err) {
      await attempt.lock.release();
      if (err instanceof RunConflictError) throw new PipelineBusyError(pipeline, `run ${err.active.id}, pid ${err.active.owner.pid} on ${err.active.owner.host}`);
      throw err;
    }
    this.emit({ type: 'run', run: runSummary(run) });
    const controller = new AbortController();
    // A cancel asked for from another process (its UI, the CLI) arrives through the run store.
    const watch = setInterval(() => {
      if (this.o.store.cancelRequested(runId)) controller.abort(new Error('cancelled by the user (from another process)'));
    }, this.o.cancelPollMs ?? 500);
    const done = this.execute(definition, run, controller.signal).finally(async () => {
      clearInterval(watch);
      this.active.delete(runId);
      await attempt.lock.release().catch(() => undefined);
    });
    this.active.set(runId, { controller, done });
    return runSummary(run);
  }

  /** Resolves with the run once it has finished (in this process). */
  async finished(runId: string): Promise<Run> {
    const a = this.active.get(runId);
    if (a) return a.done;
    const run = this.o.store.getRun(runId);
    if (!run) throw new Error(`No run ${runId} in the run history`);
    return run;
  }

  /** Cancels a run this process is running; the run ends as cancelled once its task stops. */
  cancel(runId: string): boolean {
    const a = this.active.get(runId);
    if (!a) return false;
    a.controller.abort(new Error('cancelled by the user'));
    return true;
  }

  /** Cancels every run and waits for them to end (on quit). */
  async shutdown(): Promise<void> {
    for (const a of this.active.values()) a.controller.abort(new Error('Floe is shutting down'));
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private async execute(definition: PipelineDefinition<R>, run: Run, signal: AbortSignal): Promise<Run> {
    const store = this.o.store;
    const started = store.startRun(run.id);
    this.emit({ type: 'run', run: runSummary(started) });
    const log = RunLog.open(started.logFile, {
      redact: this.o.redact,
      onEntry: (line) => this.emit({ type: 'log', runId: run.id, line }),
    });
    const recorder = this.recorder(run.id, log);
    const redact = this.o.redact ?? ((text: string) => text);
    let outcome: RunOutcome;
    let resources: R | undefined;
    try {
      resources = await this.o.openResources();
      outcome = await executeRun(definition, resources, { runId: run.id, signal, recorder, stopGraceMs: this.o.stopGraceMs });
    } catch (err) {
      const message = redact((err as Error).message);
      log.write('error', `run could not start its tasks: ${message}`);
      outcome = { state: 'failed', error: message, tasks: [], metrics: {}, outputs: {} };
    } finally {
      await resources?.close().catch((err: Error) => log.write('warn', `closing connections: ${err.message}`));
    }
    const finished = store.finishRun(run.id, {
      metrics: outcome.metrics, outputs: outcome.outputs,
      ...(outcome.state === 'success' ? {} : { state: outcome.state, error: outcome.error === null ? undefined : redact(outcome.error) }),
    });
    log.write(outcome.state === 'success' ? 'info' : 'error', `run ${outcome.state}${outcome.error ? `: ${redact(outcome.error)}` : ''}`);
    log.close();
    this.emit({ type: 'run', run: runSummary(finished) });
    return finished;
  }

  /** Mirrors the runner's task views into the run store's attempts. */
  private recorder(runId: string, log: RunLog): RunRecorder {
    const store = this.o.store;
    const redact = this.o.redact ?? ((text: string) => text);
    const stored = new Map<string, { attempt: number; state: string; metrics: string }>();
    return {
      task: (raw: TaskView) => {
        const view = raw.error ? { ...raw, error: redact(raw.error) } : raw;
        const prev = stored.get(view.name);
        const attempt = Math.max(view.attempt, 1);
        if (!prev) {
          store.recordAttempt(runId, view.name, { state: 'queued' });
        } else if (attempt > prev.attempt) {
          store.recordAttempt(runId, view.name, { state: 'running' });
        }
        const metrics = JSON.stringify(view.metrics);
        if (!prev || prev.state !== view.state || prev.metrics !== metrics || attempt > prev.attempt) {
          if (view.state !== 'queued') store.updateTask(runId, view.name, attempt, { state: view.state, error: view.error, metrics: view.metrics });
        }
        if (view.progress) store.updateProgress(runId, view.name, attempt, { done: view.progress.done, total: view.progress.total, unit: view.progress.unit });
        stored.set(view.name, { attempt, state: view.state, metrics });
        this.emit({ type: 'task', runId, task: view });
        if (view.progress && view.state === 'running') this.emit({ type: 'progress', runId, task: view.name, progress: view.progress });
      },
      log: (level: LogLevel, message: string, task: string | null, attempt: number | null, fields?: Record<string, JsonValue>) => {
        log.write(level, message, fields, { ...(task ? { task } : {}), ...(attempt ? { attempt } : {}) });
      },
    };
  }
}
