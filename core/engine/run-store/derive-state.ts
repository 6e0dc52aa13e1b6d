/**
 * A run's state follows from its tasks (issue 6, Runner), so the runner, the store and the UI can
 * never disagree about it: this is the one place that decides.
 */
import type { RunState, TaskAttempt, TaskState } from './types.ts';

type AttemptLike = Pick<TaskAttempt, 'task' | 'attempt' | 'state'>;

/** The latest attempt of each task: earlier attempts are history, not the task's state. */
export function latestAttempts<T extends AttemptLike>(attempts: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const a of attempts) {
    const seen = latest.get(a.task);
    if (!seen || a.attempt > seen.attempt) latest.set(a.task, a);
  }
  return [...latest.values()];
}

/**
 * Precedence, from the latest attempt of each task:
 * - no tasks yet, or every task queued: `queued`;
 * - anything running, waiting for a retry, or queued after others started: `running` (work remains);
 * - then, once every task has ended: `interrupted` over `failed` over `cancelled` over `success`.
 *   An interruption wins because the run never got to decide its outcome; a failure wins over a
 *   cancellation because a real error is what the user needs to hear about, even if they then
 *   cancelled the rest. Skipped tasks alone (nothing to do) count as success.
 */
export function deriveRunState(attempts: readonly AttemptLike[]): RunState {
  const states = new Set<TaskState>(latestAttempts(attempts).map((a) => a.state));
  if (states.size === 0) return 'queued';
  if (states.has('running') || states.has('up_for_retry')) return 'running';
  if (states.has('queued')) return states.size === 1 ? 'queued' : 'running';
  if (states.has('interrupted')) return 'interrupted';
  if (states.has('failed')) return 'failed';
  if (states.has('cancelled')) return 'cancelled';
  return 'success';
}

export function isTerminalRunState(state: RunState): boolean {
  return state !== 'queued' && state !== 'running';
}

export function isOpenTaskState(state: TaskState): boolean {
  return state === 'queued' || state === 'running' || state === 'up_for_retry';
}
