/**
 * Counts events per (image, tumbling window). Memory grows with the number of distinct keys
 * touched, never with the number of events. Image ids are interned once; counts live in one map
 * per window keyed by the image's index, so every key and count is a small integer (no per-event
 * allocation, which at W1 scale would be millions of heap numbers for the garbage collector).
 */
export interface WindowRow {
  imageId: string;
  windowStart: number;
  count: number;
}

export class WindowCounter {
  private readonly imageIndex = new Map<string, number>();
  private readonly imageIds: string[] = [];
  /** window number (start / size) -> image index -> count */
  private readonly windows = new Map<number, Map<number, number>>();
  private keyCount = 0;

  constructor(readonly windowMicros: number) {
    if (!Number.isInteger(windowMicros) || windowMicros <= 0) throw new Error(`window size must be a positive number of microseconds, got ${windowMicros}`);
  }

  add(imageId: string, timeMicros: number): void {
    let image = this.imageIndex.get(imageId);
    if (image === undefined) {
      image = this.imageIds.length;
      this.imageIndex.set(imageId, image);
      this.imageIds.push(imageId);
    }
    const window = Math.floor(timeMicros / this.windowMicros);
    let counts = this.windows.get(window);
    if (counts === undefined) {
      counts = new Map();
      this.windows.set(window, counts);
    }
    const before = counts.get(image);
    if (before === undefined) this.keyCount++;
    counts.set(image, (before ?? 0) + 1);
  }

  /** Distinct (image, window) keys so far: the memory the counter holds. */
  get keys(): number {
    return this.keyCount;
  }

  /** Rows ordered by window start, then image id (so day partitions come out contiguous). */
  *rows(): Generator<WindowRow> {
    for (const window of [...this.windows.keys()].sort((a, b) => a - b)) {
      const counts = this.windows.get(window)!;
      const images = [...counts.keys()].sort((a, b) => {
        const x = this.imageIds[a]!, y = this.imageIds[b]!;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const windowStart = window * this.windowMicros;
      for (const image of images) yield { imageId: this.imageIds[image]!, windowStart, count: counts.get(image)! };
    }
  }
}
