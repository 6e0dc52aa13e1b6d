/** Progress of one task: done of total units, with a rate over a sliding window and an ETA. */
import type { Progress } from '../../api/contract.ts';

const WINDOW_MS = 5000;

export class ProgressMeter {
  private done = 0;
  private total: number | null = null;
  private unit = 'units';
  private readonly samples: { at: number; done: number }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  setTotal(total: number, unit: string): void {
    this.total = total;
    this.unit = unit;
  }

  advance(n: number): void {
    this.done += n;
    const at = this.now();
    this.samples.push({ at, done: this.done });
    while (this.samples.length > 2 && this.samples[0]!.at < at - WINDOW_MS) this.samples.shift();
  }

  snapshot(): Progress {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const span = first && last ? (last.at - first.at) / 1000 : 0;
    const rate = span > 0 ? (last!.done - first!.done) / span : null;
    const left = this.total === null ? null : Math.max(0, this.total - this.done);
    return {
      done: this.done, total: this.total, unit: this.unit, rate,
      etaSeconds: left !== null && rate ? Math.round(left / rate) : left === 0 ? 0 : null,
    };
  }
}
