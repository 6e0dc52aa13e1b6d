/**
 * Counts events per (image, tumbling window). Memory grows with the number of distinct keys
 * touched, never with the number of events.
 */
export interface WindowRow {
  imageId: string;
  windowStart: number;
  count: number;
}

export class WindowCounter {
  // windowStart -> imageId -> count: rows come out ordered by window, which keeps the day
  // partitions of the output contiguous (one slice per day, no shuffling).
  private readonly windows = new Map<number, Map<string, number>>();
  private keyCount = 0;

  constructor(readonly windowMicros: number) {
    if (!Number.isInteger(windowMicros) || windowMicros <= 0) throw new Error(`window size must be a positive number of microseconds, got ${windowMicros}`);
  }

  add(imageId: string, timeMicros: number): void {
    const start = timeMicros - (((timeMicros % this.windowMicros) + this.windowMicros) % this.windowMicros);
    let images = this.windows.get(start);
    if (!images) { images = new Map(); this.windows.set(start, images); }
    const before = images.get(imageId);
    if (before === undefined) this.keyCount++;
    images.set(imageId, (before ?? 0) + 1);
  }

  /** Distinct (image, window) keys so far: the memory the counter holds. */
  get keys(): number {
    return this.keyCount;
  }

  /** Rows ordered by window start, then image id. */
  *rows(): Generator<WindowRow> {
    for (const start of [...this.windows.keys()].sort((a, b) => a - b)) {
      const images = this.windows.get(start)!;
      for (const imageId of [...images.keys()].sort()) yield { imageId, windowStart: start, count: images.get(imageId)! };
    }
  }
}
