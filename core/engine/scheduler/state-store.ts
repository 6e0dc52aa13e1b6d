/**
 * What the scheduler remembers per pipeline between app starts. The run store keeps it in SQLite
 * (its scheduler_state table); tests and the CLI without a workspace use the in-memory store.
 *
 * Only the scheduler writes this state. Manual runs are not part of it, which is what keeps them
 * from moving the schedule: a store must not derive these values from run history.
 */

export interface ScheduleState {
  /**
   * Fire times at or before this instant (epoch ms) are settled: they fired, were caught up,
   * were passed over while paused, or fell outside the catch-up look-back. On start, fire times
   * after it and before now were missed while the app was closed.
   */
  settledThrough: number;
  /** The fire time (epoch ms) of the last scheduled or catch-up run, null before the first. */
  lastFireAt: number | null;
  /** Paused by the user; survives restarts. */
  paused: boolean;
}

export interface ScheduleStateStore {
  /** The saved state, or undefined for a pipeline never scheduled in this workspace. */
  load(pipeline: string): ScheduleState | undefined | Promise<ScheduleState | undefined>;
  save(pipeline: string, state: ScheduleState): void | Promise<void>;
}

export class InMemoryScheduleStateStore implements ScheduleStateStore {
  private readonly states = new Map<string, ScheduleState>();

  constructor(initial?: Record<string, ScheduleState>) {
    for (const [pipeline, state] of Object.entries(initial ?? {})) this.states.set(pipeline, { ...state });
  }

  load(pipeline: string): ScheduleState | undefined {
    const state = this.states.get(pipeline);
    // Copies both ways, so the scheduler's working state and the "saved" one cannot alias.
    return state && { ...state };
  }

  save(pipeline: string, state: ScheduleState): void {
    this.states.set(pipeline, { ...state });
  }
}
