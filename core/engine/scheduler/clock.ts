/**
 * Time as the scheduler sees it. The engine uses the system clock; tests use ManualClock to let
 * hours pass, or the machine sleep, in microseconds.
 */

/** Whatever `setTimeout` returned; only ever handed back to `clearTimeout`. */
export type TimerHandle = unknown;

export interface Clock {
  /** Wall-clock time, epoch ms. It jumps forward after the machine sleeps. */
  now(): number;
  /**
   * Calls `callback` once after `delayMs` of running time. Like Node's timers, a timer does not
   * count time the machine spends asleep, so after a sleep it fires late by wall-clock time.
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Node turns a delay above 2^31 - 1 ms (24.8 days) into 1 ms: a long wait would fire at once.
const MAX_NODE_DELAY_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_NODE_DELAY_MS)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  id: number;
  /** On the running-time axis, which stops while the machine sleeps. */
  dueAt: number;
  callback: () => void;
}

/**
 * A clock that moves only when told. `advance` lets time pass with the process running (timers
 * fire at their due times, in order); `sleep` moves the wall clock on without running time, the
 * way a laptop lid does, so pending timers come due that much later by the wall clock.
 */
export class ManualClock implements Clock {
  private running = 0;
  /** Wall time minus running time: grows with each sleep or forward clock change. */
  private skew: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(start: number | Date | string) {
    const at = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(at)) throw new Error(`ManualClock: start time ${String(start)} is not a valid date`);
    this.skew = at;
  }

  now(): number {
    return this.running + this.skew;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.running + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Lets `ms` of running time pass, firing due timers in order at their due times. After each
   * timer it waits for the promise chains the callback started (the scheduler's ticks are async),
   * so what a test asserts afterwards has happened.
   */
  async advance(ms: number): Promise<void> {
    const until = this.running + ms;
    for (;;) {
      const next = this.timers.reduce<ManualTimer | undefined>((a, t) => (!a || t.dueAt < a.dueAt ? t : a), undefined);
      if (!next || next.dueAt > until) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.running = next.dueAt;
      next.callback();
      await settle();
    }
    this.running = until;
    await settle();
  }

  /** Advances to a wall-clock time (process running throughout). */
  async advanceTo(at: number | Date | string): Promise<void> {
    const target = typeof at === 'number' ? at : new Date(at).getTime();
    if (target < this.now()) throw new Error(`ManualClock: cannot advance back to ${new Date(target).toISOString()}`);
    await this.advance(target - this.now());
  }

  /** The machine sleeps for `ms`: the wall clock moves on, timers do not. Nothing fires. */
  sleep(ms: number): void {
    this.skew += ms;
  }

  /** The wall clock is set to another time (user, NTP) without running time passing. */
  setWallClock(at: number | Date | string): void {
    const target = typeof at === 'number' ? at : new Date(at).getTime();
    this.skew = target - this.running;
  }
}

/** Resolves once the promise chains started so far have run (they settle in microtasks). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
