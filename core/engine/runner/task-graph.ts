/**
 * A pipeline as a graph of tasks. Each task names the tasks it needs; the runner runs a task once
 * all of them succeeded, retries it on transient failures, and hands it their results.
 */
import type { JsonValue, PipelineName } from '../../api/contract.ts';
import type { TaskContext } from '../../pipelines/task-context.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  retries: number;
  delayMs: number;
  /** Each further delay is the previous one times this. */
  backoff: number;
}

export interface TaskRunContext extends Required<Pick<TaskContext, 'setTotal' | 'advance' | 'log'>> {
  signal: AbortSignal;
  runId: string;
  attempt: number;
  /** The value a finished upstream task returned. */
  upstream<T>(task: string): T;
  /** Adds figures to the task's (and the run's) metrics. */
  metric(name: string, value: JsonValue): void;
  /** Records an output of the run: snapshot ids, offsets, the verify report. Objects under one name merge. */
  output(name: string, value: JsonValue): void;
}

export interface TaskDefinition<R> {
  name: string;
  needs?: string[];
  retry?: RetryPolicy;
  timeoutMs?: number;
  run(ctx: TaskRunContext, resources: R): Promise<unknown>;
}

export interface PipelineDefinition<R> {
  name: PipelineName;
  description: string;
  tasks: TaskDefinition<R>[];
}

export const NO_RETRY: RetryPolicy = { retries: 0, delayMs: 0, backoff: 1 };

/** The tasks in an order where each comes after what it needs; throws on unknown names or cycles. */
export function taskOrder<R>(pipeline: PipelineDefinition<R>): TaskDefinition<R>[] {
  const byName = new Map(pipeline.tasks.map((t) => [t.name, t]));
  if (byName.size !== pipeline.tasks.length) throw new Error(`pipeline ${pipeline.name}: two tasks share a name`);
  const ordered: TaskDefinition<R>[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (task: TaskDefinition<R>, path: string[]) => {
    if (state.get(task.name) === 'done') return;
    if (state.get(task.name) === 'visiting') throw new Error(`pipeline ${pipeline.name}: tasks depend on each other in a cycle: ${[...path, task.name].join(' -> ')}`);
    state.set(task.name, 'visiting');
    for (const need of task.needs ?? []) {
      const dep = byName.get(need);
      if (!dep) throw new Error(`pipeline ${pipeline.name}: task ${task.name} needs "${need}", which is not one of its tasks`);
      visit(dep, [...path, task.name]);
    }
    state.set(task.name, 'done');
    ordered.push(task);
  };
  for (const task of pipeline.tasks) visit(task, []);
  return ordered;
}
