import { describe, expect, it } from 'vitest';
import { deriveRunState, latestAttempts } from '../../../core/engine/run-store/derive-state.ts';
import type { TaskState } from '../../../core/engine/run-store/types.ts';

/** Tasks as `name:state` or `name#attempt:state`. */
const tasks = (...specs: string[]) => specs.map((s) => {
  const [head, state] = s.split(':') as [string, TaskState];
  const [task, attempt] = head.split('#');
  return { task: task!, attempt: Number(attempt ?? 1), state };
});

describe('deriveRunState', () => {
  it('is queued with no tasks or only queued ones', () => {
    expect(deriveRunState([])).toBe('queued');
    expect(deriveRunState(tasks('extract:queued', 'load:queued'))).toBe('queued');
  });

  it('is running while any task runs, waits for a retry, or is queued behind finished ones', () => {
    expect(deriveRunState(tasks('extract:success', 'transform:running', 'load:queued'))).toBe('running');
    expect(deriveRunState(tasks('extract:up_for_retry', 'transform:queued'))).toBe('running');
    expect(deriveRunState(tasks('extract:success', 'transform:queued'))).toBe('running');
    // a failure elsewhere does not end the run while parallel work is still going
    expect(deriveRunState(tasks('views:failed', 'comments:running'))).toBe('running');
    expect(deriveRunState(tasks('views:failed', 'comments:queued'))).toBe('running');
  });

  it('is success when every task succeeded or was skipped', () => {
    expect(deriveRunState(tasks('extract:success', 'transform:success', 'load:success'))).toBe('success');
    expect(deriveRunState(tasks('extract:success', 'load:skipped'))).toBe('success');
    expect(deriveRunState(tasks('only:skipped'))).toBe('success');
  });

  it('ranks interrupted over failed over cancelled once every task has ended', () => {
    expect(deriveRunState(tasks('extract:success', 'transform:failed', 'load:skipped'))).toBe('failed');
    expect(deriveRunState(tasks('views:failed', 'comments:cancelled'))).toBe('failed');
    expect(deriveRunState(tasks('views:success', 'comments:cancelled', 'flags:skipped'))).toBe('cancelled');
    expect(deriveRunState(tasks('views:failed', 'comments:interrupted'))).toBe('interrupted');
    expect(deriveRunState(tasks('views:cancelled', 'comments:interrupted'))).toBe('interrupted');
  });

  it('judges each task by its latest attempt, whatever order attempts arrive in', () => {
    expect(deriveRunState(tasks('extract#1:failed', 'extract#2:success', 'load:success'))).toBe('success');
    expect(deriveRunState(tasks('extract#2:success', 'extract#1:failed'))).toBe('success');
    expect(deriveRunState(tasks('extract#1:failed', 'extract#2:failed', 'extract#3:running'))).toBe('running');
    expect(deriveRunState(tasks('extract#1:success', 'extract#2:failed'))).toBe('failed');
  });
});

describe('latestAttempts', () => {
  it('keeps one attempt per task, the highest numbered', () => {
    const latest = latestAttempts(tasks('a#1:failed', 'b#1:success', 'a#3:running', 'a#2:failed'));
    expect(latest.map((t) => `${t.task}#${t.attempt}`).sort()).toEqual(['a#3', 'b#1']);
  });
});
