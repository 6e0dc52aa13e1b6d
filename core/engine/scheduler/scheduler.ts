/**
 * The engine's scheduler: starts each pipeline on its cron schedule, in its time zone, the same
 * way in the tray app and the headless server. Time, saved state and what a fire does are
 * injected, so the engine persists state in the run store and tests drive time by hand.
 *
 * - Pause and resume: a paused pipeline does not fire. Resuming continues from that moment: fire
 *   times that passed while paused are not caught up, since pausing meant "do not run these".
 * - Catch-up: fire times missed while the app was closed (on start, the saved state is compared
 *   with now) or while the machine slept (a timer fires much later than it was due) become one
 *   run of kind 'catch-up', never a burst. Only fire times within the look-back count (default
 *   24 h); older ones are dropped. `missed` counts them, `scheduledFor` is the latest of them.
 *   One run suffices for Floe's pipelines: event_aggregation resumes from its last committed
 *   offsets and etl_moderation rebuilds the whole table.
 * - Manual runs go to the runner, not through here, so they never move the schedule.
 * - State is saved before the trigger is called: a crash inside the trigger does not fire the
 *   same time again on the next start (the run store marks the run interrupted instead).
 * - Timers wake at least every `maxTimerDelayMs` (default 1 min): after a sleep, Node's timers
 *   resume where they stopped, so without this a fire due during the sleep would be noticed
 *   only once a long timer ran out.
 */
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { firesBetween, fireTimesAfter, nextFireAfter } from './fire-times.ts';
import {
  compileSchedule, compileSchedules, DEFAULT_TIME_ZONE, type CompiledSchedule, type PipelineSchedule,
} from './schedule.ts';
import { InMemoryScheduleStateStore, type ScheduleState, type ScheduleStateStore } from './state-store.ts';

export type TriggerKind = 'scheduled' | 'catch-up';

export interface TriggerInfo {
  kind: TriggerKind;
  /** The fire time this run stands for; for a catch-up, the latest missed one. */
  scheduledFor: Date;
  /** Catch-up only: how many fire times within the look-back were missed. */
  missed?: number;
}

/** Starts the run. It may return before the run ends; its errors go to onError. */
export type TriggerFn<P extends string> = (pipeline: P, info: TriggerInfo) => void | Promise<void>;

export interface SchedulerErrorContext<P extends string> {
  /** Null for a failure not tied to one pipeline. */
  pipeline: P | null;
  during: 'trigger' | 'load-state' | 'save-state' | 'tick';
}

export interface SchedulerOptions<P extends string> {
  /** Every pipeline the scheduler knows; `cron: null` for manual-only ones. */
  schedules: Record<P, PipelineSchedule>;
  trigger: TriggerFn<P>;
  /** Trigger and store failures; the scheduler carries on. Default: printed to stderr. */
  onError?: (error: Error, context: SchedulerErrorContext<P>) => void;
  clock?: Clock;
  /** Default: in memory, so nothing is caught up across restarts. */
  store?: ScheduleStateStore;
  /** How far back missed fire times count for a catch-up; default 24 h; 0 turns catch-up off. */
  catchUpLookbackMs?: number;
  /** A fire noticed later than this after its time is treated as missed; default 1 min. */
  lateToleranceMs?: number;
  /** The longest the scheduler sleeps between looks at the clock; default 1 min. */
  maxTimerDelayMs?: number;
}

export interface ScheduleStatus<P extends string> {
  pipeline: P;
  cron: string | null;
  timeZone: string;
  paused: boolean;
  lastFireAt: Date | null;
  /** Null when paused, manual-only, or the schedule never fires again. */
  nextFireAt: Date | null;
}

const HOUR_MS = 3_600_000;
export const DEFAULT_CATCH_UP_LOOKBACK_MS = 24 * HOUR_MS;
const DEFAULT_LATE_TOLERANCE_MS = 60_000;
const DEFAULT_MAX_TIMER_DELAY_MS = 60_000;
// A wall clock set back by more than this (a machine that ran in the future, then got NTP) would
// otherwise wait that long before firing again; beyond it the schedule restarts from now, which
// may repeat a run, the lesser harm for these pipelines.
const CLOCK_SET_BACK_LIMIT_MS = HOUR_MS;

interface Entry {
  schedule: CompiledSchedule | null;
  timeZone: string;
  /** The configuration's paused flag, applied on load; undefined leaves the saved one. */
  configuredPaused: boolean | undefined;
  /** Null until loaded from the store. */
  state: ScheduleState | null;
  /** The first fire time after state.settledThrough; null when there is none or not loaded. */
  nextAt: number | null;
}

export class Scheduler<P extends string> {
  private readonly entries = new Map<P, Entry>();
  private readonly clock: Clock;
  private readonly store: ScheduleStateStore;
  private readonly trigger: TriggerFn<P>;
  private readonly onError: (error: Error, context: SchedulerErrorContext<P>) => void;
  private readonly lookbackMs: number;
  private readonly lateToleranceMs: number;
  private readonly maxTimerDelayMs: number;
  private running = false;
  private timer: TimerHandle | undefined;
  /** Operations run one at a time, so a tick never interleaves with pause or a schedule change. */
  private queue: Promise<void> = Promise.resolve();

  /** Throws ScheduleConfigError listing every invalid schedule. */
  constructor(options: SchedulerOptions<P>) {
    for (const [pipeline, compiled] of compileSchedules(options.schedules)) {
      const { timeZone, paused } = options.schedules[pipeline];
      this.entries.set(pipeline, {
        schedule: compiled, timeZone: timeZone ?? DEFAULT_TIME_ZONE, configuredPaused: paused, state: null, nextAt: null,
      });
    }
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new InMemoryScheduleStateStore();
    this.trigger = options.trigger;
    this.onError = options.onError ?? ((error) => console.error(`Floe scheduler: ${error.message}`));
    this.lookbackMs = positive('catchUpLookbackMs', options.catchUpLookbackMs, DEFAULT_CATCH_UP_LOOKBACK_MS, true);
    this.lateToleranceMs = positive('lateToleranceMs', options.lateToleranceMs, DEFAULT_LATE_TOLERANCE_MS, true);
    this.maxTimerDelayMs = positive('maxTimerDelayMs', options.maxTimerDelayMs, DEFAULT_MAX_TIMER_DELAY_MS, false);
  }

  /** Loads each pipeline's state, fires one catch-up per pipeline that missed fire times, and starts the timers. */
  start(): Promise<void> {
    if (this.running) return this.idle();
    this.running = true;
    return this.enqueue(async () => {
      for (const [pipeline, entry] of this.entries) await this.load(pipeline, entry);
      await this.tick(true);
    });
  }

  /** Cancels the timers; no fire happens after this resolves. Triggered runs are not touched. */
  async stop(): Promise<void> {
    this.running = false;
    this.disarm();
    await this.idle();
  }

  /** Resolves when every operation queued so far (start, ticks, pause, ...) has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Saved in the state store, so it lasts across restarts. */
  pause(pipeline: P): Promise<void> {
    return this.setPaused(pipeline, true);
  }

  /** Continues from now: fire times that passed while paused are not caught up. */
  resume(pipeline: P): Promise<void> {
    return this.setPaused(pipeline, false);
  }

  /**
   * Replaces a pipeline's schedule (cron null: manual only). The new one starts from now: fire
   * times it would have had before are not caught up. `paused`, when given, pauses or resumes.
   * Rejects with ScheduleConfigError.
   */
  async setSchedule(pipeline: P, schedule: PipelineSchedule): Promise<void> {
    const entry = this.entry(pipeline);
    const compiled = compileSchedule(pipeline, schedule);
    return this.enqueue(async () => {
      const state = await this.loaded(pipeline, entry);
      entry.schedule = compiled;
      entry.timeZone = schedule.timeZone ?? DEFAULT_TIME_ZONE;
      entry.configuredPaused = schedule.paused;
      if (schedule.paused !== undefined) state.paused = schedule.paused;
      this.restartFromNow(entry, state);
      await this.save(pipeline, state);
      this.arm();
    });
  }

  private async setPaused(pipeline: P, paused: boolean): Promise<void> {
    const entry = this.entry(pipeline);
    return this.enqueue(async () => {
      const state = await this.loaded(pipeline, entry);
      // The configuration may still say otherwise; the engine saves it too, and until then this call wins.
      entry.configuredPaused = undefined;
      if (state.paused === paused) return;
      state.paused = paused;
      if (!paused) this.restartFromNow(entry, state);
      await this.save(pipeline, state);
      this.arm();
    });
  }

  /** The next `count` fire times from now; [] when paused or manual-only. */
  nextFireTimes(pipeline: P, count: number): Date[] {
    const entry = this.entry(pipeline);
    if (!entry.schedule || (entry.state?.paused ?? entry.configuredPaused)) return [];
    const from = Math.max(this.clock.now(), entry.state?.settledThrough ?? -Infinity);
    return fireTimesAfter(entry.schedule.spec, entry.schedule.timeZone, from, count).map((t) => new Date(t));
  }

  status(pipeline: P): ScheduleStatus<P> {
    const entry = this.entry(pipeline);
    const lastFireAt = entry.state?.lastFireAt ?? null;
    return {
      pipeline,
      cron: entry.schedule?.cron ?? null,
      timeZone: entry.timeZone,
      paused: entry.state?.paused ?? entry.configuredPaused ?? false,
      lastFireAt: lastFireAt === null ? null : new Date(lastFireAt),
      nextFireAt: this.nextFireTimes(pipeline, 1)[0] ?? null,
    };
  }

  list(): ScheduleStatus<P>[] {
    return [...this.entries.keys()].map((pipeline) => this.status(pipeline));
  }

  private entry(pipeline: P): Entry {
    const entry = this.entries.get(pipeline);
    if (!entry) {
      throw new Error(`scheduler: unknown pipeline '${pipeline}'; known pipelines are ${[...this.entries.keys()].join(', ')}`);
    }
    return entry;
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    // The queue itself never rejects: one failed operation must not block the ones after it.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(pipeline: P, entry: Entry): Promise<void> {
    let saved: ScheduleState | undefined;
    try {
      saved = await this.store.load(pipeline);
    } catch (err) {
      this.report(err, { pipeline, during: 'load-state' }, `${pipeline}: could not load the schedule state, so it starts from now`);
      // Not saved: a store that failed to read may still hold the real state for the next start.
      entry.state = { settledThrough: this.clock.now(), lastFireAt: null, paused: false };
      this.nextFrom(entry);
      return;
    }
    const configured = entry.configuredPaused;
    if (saved) {
      entry.state = { ...saved };
      if (configured === undefined || configured === saved.paused) {
        this.nextFrom(entry);
        return;
      }
      // Paused or resumed in the configuration while the app was closed: as if done now.
      entry.state.paused = configured;
      if (!configured) this.restartFromNow(entry, entry.state);
      else this.nextFrom(entry);
    } else {
      // First start in this workspace: nothing was missed yet. Saved at once, so that fire times
      // missed while the app is closed before its first fire are caught up on the next start.
      entry.state = { settledThrough: this.clock.now(), lastFireAt: null, paused: configured ?? false };
      this.nextFrom(entry);
    }
    await this.save(pipeline, entry.state);
  }

  private async loaded(pipeline: P, entry: Entry): Promise<ScheduleState> {
    if (!entry.state) await this.load(pipeline, entry);
    return entry.state!;
  }

  private restartFromNow(entry: Entry, state: ScheduleState): void {
    state.settledThrough = Math.max(state.settledThrough, this.clock.now());
    this.nextFrom(entry);
  }

  private nextFrom(entry: Entry): void {
    entry.nextAt = entry.schedule && entry.state
      ? nextFireAfter(entry.schedule.spec, entry.schedule.timeZone, entry.state.settledThrough)
      : null;
  }

  private async tick(atStart: boolean): Promise<void> {
    try {
      for (const [pipeline, entry] of this.entries) {
        if (!this.running) return;
        try {
          await this.fireIfDue(pipeline, entry, atStart);
        } catch (err) {
          // Left due, it would be retried at once, forever; a new schedule or a restart tries again.
          entry.nextAt = null;
          this.report(err, { pipeline, during: 'tick' },
            `${pipeline}: the scheduler could not work out its next fire time and stops scheduling it until its schedule is set again or the app restarts`);
        }
      }
    } finally {
      this.arm();
    }
  }

  private async fireIfDue(pipeline: P, entry: Entry, atStart: boolean): Promise<void> {
    const { schedule, state } = entry;
    if (!schedule || !state || state.paused) return;
    const now = this.clock.now();
    if (state.settledThrough - now > CLOCK_SET_BACK_LIMIT_MS) {
      state.settledThrough = now;
      this.nextFrom(entry);
      await this.save(pipeline, state);
    }
    const due = entry.nextAt;
    if (due === null || due > now) return;

    const { spec, timeZone } = schedule;
    let info: TriggerInfo | null = null;
    const onTime = !atStart && now - due <= this.lateToleranceMs;
    const alone = (nextFireAfter(spec, timeZone, due) ?? Infinity) > now;
    if (onTime && alone) {
      info = { kind: 'scheduled', scheduledFor: new Date(due) };
    } else {
      const lookback = schedule.catchUpLookbackMs ?? this.lookbackMs;
      if (lookback > 0) {
        const missed = firesBetween(spec, timeZone, Math.max(state.settledThrough, now - lookback), now);
        if (missed.latest !== null) info = { kind: 'catch-up', scheduledFor: new Date(missed.latest), missed: missed.count };
      }
    }
    state.settledThrough = now;
    if (info) state.lastFireAt = info.scheduledFor.getTime();
    this.nextFrom(entry);
    await this.save(pipeline, state);
    if (info && this.running) this.fire(pipeline, info);
  }

  private fire(pipeline: P, info: TriggerInfo): void {
    const what = `${pipeline}: the ${info.kind} run for ${info.scheduledFor.toISOString()} could not be started`;
    const fail = (err: unknown) => this.report(err, { pipeline, during: 'trigger' }, what);
    try {
      // Not awaited: a run may take hours, and the schedule must go on meanwhile.
      Promise.resolve(this.trigger(pipeline, info)).catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  private async save(pipeline: P, state: ScheduleState): Promise<void> {
    try {
      await this.store.save(pipeline, { ...state });
    } catch (err) {
      this.report(err, { pipeline, during: 'save-state' },
        `${pipeline}: could not save the schedule state; after a restart this fire time may be caught up again`);
    }
  }

  private report(err: unknown, context: SchedulerErrorContext<P>, what: string): void {
    const reason = err instanceof Error ? err.message : String(err);
    try {
      this.onError(new Error(`${what}: ${reason}`, { cause: err }), context);
    } catch {
      // An error handler that throws has nowhere left to report to; the scheduler must go on.
    }
  }

  private arm(): void {
    this.disarm();
    if (!this.running) return;
    let next = Infinity;
    for (const { schedule, state, nextAt } of this.entries.values()) {
      if (schedule && state && !state.paused && nextAt !== null) next = Math.min(next, nextAt);
    }
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), this.maxTimerDelayMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.tick(false))
        .catch((err: unknown) => this.report(err, { pipeline: null, during: 'tick' }, 'the scheduler failed to check its schedules'));
    }, delay);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function positive(name: string, value: number | undefined, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new Error(`scheduler option ${name} is ${String(value)}; give milliseconds ${zeroAllowed ? '>= 0' : '> 0'}`);
  }
  return value;
}

export type { Clock, TimerHandle } from './clock.ts';
export type { PipelineSchedule } from './schedule.ts';
export type { ScheduleState, ScheduleStateStore } from './state-store.ts';
