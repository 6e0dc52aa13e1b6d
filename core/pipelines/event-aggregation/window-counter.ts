/**
 * Counts events per (image, tumbling window). Memory grows with the number of distinct keys
 * touched, never with the number of events: image ids are interned once, and the counts live in
 * an open-addressing hash table of typed arrays (12 bytes a slot, no object per key), because a
 * W1-sized run touches millions of (image, window) keys and a Map of them costs several times
 * that in memory and garbage collection.
 */
export interface WindowRow {
  imageId: string;
  windowStart: number;
  count: number;
}

const EMPTY = -1;
const MAX_LOAD = 0.7;
// Sort keys pack (window ordinal, image rank) as ordinal * 2^24 + rank: exact below 2^53.
const RANK_SLOTS = 2 ** 24;

export class WindowCounter {
  private readonly imageIndex = new Map<string, number>();
  private readonly imageIds: string[] = [];
  private windows = new Int32Array(1024);
  private images = new Int32Array(1024).fill(EMPTY);
  private counts = new Int32Array(1024);
  private used = 0;

  constructor(readonly windowMicros: number) {
    if (!Number.isInteger(windowMicros) || windowMicros <= 0) throw new Error(`window size must be a positive number of microseconds, got ${windowMicros}`);
  }

  add(imageId: string, timeMicros: number): void {
    let image = this.imageIndex.get(imageId);
    if (image === undefined) {
      image = this.imageIds.length;
      if (image >= RANK_SLOTS) throw new Error(`more than ${RANK_SLOTS} distinct images in one run: run more often so each run reads fewer messages`);
      this.imageIndex.set(imageId, image);
      this.imageIds.push(imageId);
    }
    const window = Math.floor(timeMicros / this.windowMicros);
    if (window > 2 ** 31 - 1 || window < -(2 ** 31)) throw new Error(`event time ${timeMicros} µs is out of the supported range`);
    const slot = this.find(window, image);
    if (this.images[slot] === EMPTY) {
      this.windows[slot] = window;
      this.images[slot] = image;
      this.counts[slot] = 1;
      if (++this.used > this.images.length * MAX_LOAD) this.grow();
    } else {
      this.counts[slot]!++;
    }
  }

  /** Distinct (image, window) keys so far: the memory the counter holds. */
  get keys(): number {
    return this.used;
  }

  /** Rows ordered by window start, then image id (so day partitions come out contiguous). */
  *rows(): Generator<WindowRow> {
    // Order images by id and windows by time once, then sort packed numeric keys (window ordinal,
    // image rank): a native typed-array sort, no string comparison or object per key.
    const byRank = this.imageIds.map((_, i) => i).sort((a, b) => (this.imageIds[a]! < this.imageIds[b]! ? -1 : 1));
    const rank = new Int32Array(this.imageIds.length);
    byRank.forEach((image, r) => { rank[image] = r; });
    const distinct = new Set<number>();
    for (let slot = 0; slot < this.images.length; slot++) if (this.images[slot] !== EMPTY) distinct.add(this.windows[slot]!);
    const windows = [...distinct].sort((a, b) => a - b);
    const ordinal = new Map(windows.map((w, i) => [w, i]));
    const keys = new Float64Array(this.used);
    let k = 0;
    for (let slot = 0; slot < this.images.length; slot++) {
      const image = this.images[slot]!;
      if (image !== EMPTY) keys[k++] = ordinal.get(this.windows[slot]!)! * RANK_SLOTS + rank[image]!;
    }
    keys.sort();
    for (const key of keys) {
      const window = windows[Math.floor(key / RANK_SLOTS)]!;
      const image = byRank[key % RANK_SLOTS]!;
      yield { imageId: this.imageIds[image]!, windowStart: window * this.windowMicros, count: this.counts[this.find(window, image)]! };
    }
  }

  private find(window: number, image: number): number {
    const mask = this.images.length - 1;
    let slot = (Math.imul(window, 0x9e3779b1) ^ Math.imul(image, 0x85ebca6b)) & mask;
    while (this.images[slot] !== EMPTY && (this.images[slot] !== image || this.windows[slot] !== window)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { windows, images, counts } = this;
    const size = images.length * 2;
    this.windows = new Int32Array(size);
    this.images = new Int32Array(size).fill(EMPTY);
    this.counts = new Int32Array(size);
    for (let slot = 0; slot < images.length; slot++) {
      if (images[slot] === EMPTY) continue;
      const to = this.find(windows[slot]!, images[slot]!);
      this.windows[to] = windows[slot]!;
      this.images[to] = images[slot]!;
      this.counts[to] = counts[slot]!;
    }
  }
}
