/**
 * Spaces out progress writes. A task may report progress for every Kafka batch or Parquet row
 * group (hundreds a second); the history needs a few a second, and each write takes the database's
 * write lock that another process may be waiting for.
 */
import type { Progress } from './types.ts';

export interface ProgressInput {
  done: number;
  total?: number | null;
  unit: string;
}

export interface AttemptKey {
  runId: string;
  task: string;
  attempt: number;
}

interface Slot {
  key: AttemptKey;
  lastWrite: number;
  pending?: Progress;
  timer?: NodeJS.Timeout;
}

const id = (k: AttemptKey) => `${k.runId}\u0000${k.task}\u0000${k.attempt}`;

export class ProgressBuffer {
  private readonly slots = new Map<string, Slot>();
  /** A write from a timer has no caller to throw to: the next caller hears about it. */
  private deferredError: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly write: (key: AttemptKey, progress: Progress) => void,
  ) {}

  set(key: AttemptKey, input: ProgressInput): void {
    if (this.deferredError !== undefined) {
      const err = this.deferredError;
      this.deferredError = undefined;
      throw err;
    }
    if (!Number.isFinite(input.done) || input.done < 0 || (input.total != null && !(Number.isFinite(input.total) && input.total >= 0))) {
      throw new Error(`updateProgress: task ${key.task} of run ${key.runId} reported done=${input.done}, total=${input.total}; both must be finite and not negative.`);
    }
    const now = this.now();
    const progress: Progress = { done: input.done, total: input.total ?? null, unit: input.unit, updatedAt: now };
    const k = id(key);
    const slot = this.slots.get(k);
    if (!slot || now - slot.lastWrite >= this.intervalMs) {
      this.write(key, progress);
      if (slot) { slot.lastWrite = now; delete slot.pending; clearTimeout(slot.timer); delete slot.timer; }
      else this.slots.set(k, { key, lastWrite: now });
      return;
    }
    slot.pending = progress;
    slot.timer ??= setTimeout(() => {
      delete slot.timer;
      try { this.flushSlot(k); } catch (err) { this.deferredError = err; }
    }, Math.max(0, slot.lastWrite + this.intervalMs - now)).unref();
  }

  /** The value not yet written for an attempt, so readers in this process see the latest. */
  pending(key: AttemptKey): Progress | undefined {
    return this.slots.get(id(key))?.pending;
  }

  /** Writes what is pending for one attempt now (before its state changes) and forgets it. */
  flush(key: AttemptKey): void {
    this.flushSlot(id(key));
    this.forget(id(key));
  }

  flushRun(runId: string): void {
    for (const [k, slot] of [...this.slots]) {
      if (slot.key.runId !== runId) continue;
      this.flushSlot(k);
      this.forget(k);
    }
  }

  close(): void {
    for (const k of [...this.slots.keys()]) {
      this.flushSlot(k);
      this.forget(k);
    }
  }

  private flushSlot(k: string): void {
    const slot = this.slots.get(k);
    if (!slot?.pending) return;
    this.write(slot.key, slot.pending);
    slot.lastWrite = slot.pending.updatedAt;
    delete slot.pending;
  }

  private forget(k: string): void {
    const slot = this.slots.get(k);
    if (slot) clearTimeout(slot.timer);
    this.slots.delete(k);
  }
}
