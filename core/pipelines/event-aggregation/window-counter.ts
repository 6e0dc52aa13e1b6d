/**
 * Counts events per (image, tumbling window). Memory grows with the number of distinct keys
 * touched, never with the number of events; a key costs one numeric Map entry (image ids are
 * interned once), because a W1-sized run touches millions of keys.
 */
export interface WindowRow {
  imageId: string;
  windowStart: number;
  count: number;
}

// Key = window number * IMAGE_SLOTS + image index: exact while below 2^53, i.e. for window numbers
// below 2^53 / 2^24 (5-minute windows until the year 2^29 / 105120 ≈ 5000 years from 1970).
const IMAGE_SLOTS = 2 ** 24;

export class WindowCounter {
  private readonly imageIndex = new Map<string, number>();
  private readonly imageIds: string[] = [];
  private readonly counts = new Map<number, number>();

  constructor(readonly windowMicros: number) {
    if (!Number.isInteger(windowMicros) || windowMicros <= 0) throw new Error(`window size must be a positive number of microseconds, got ${windowMicros}`);
  }

  add(imageId: string, timeMicros: number): void {
    let image = this.imageIndex.get(imageId);
    if (image === undefined) {
      image = this.imageIds.length;
      if (image >= IMAGE_SLOTS) throw new Error(`more than ${IMAGE_SLOTS} distinct images in one run: split the run (fewer messages per run)`);
      this.imageIndex.set(imageId, image);
      this.imageIds.push(imageId);
    }
    const window = Math.floor(timeMicros / this.windowMicros);
    const key = window * IMAGE_SLOTS + image;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Distinct (image, window) keys so far: the memory the counter holds. */
  get keys(): number {
    return this.counts.size;
  }

  /** Rows ordered by window start, then image id (so day partitions come out contiguous). */
  *rows(): Generator<WindowRow> {
    const keys = Float64Array.from(this.counts.keys()).sort();
    let i = 0;
    while (i < keys.length) {
      const window = Math.floor(keys[i]! / IMAGE_SLOTS);
      const group: { imageId: string; count: number }[] = [];
      for (; i < keys.length && Math.floor(keys[i]! / IMAGE_SLOTS) === window; i++) {
        group.push({ imageId: this.imageIds[keys[i]! - window * IMAGE_SLOTS]!, count: this.counts.get(keys[i]!)! });
      }
      group.sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
      for (const g of group) yield { imageId: g.imageId, windowStart: window * this.windowMicros, count: g.count };
    }
  }
}
