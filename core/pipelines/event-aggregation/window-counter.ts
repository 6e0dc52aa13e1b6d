/**
 * Counts events per (image, tumbling window). Memory grows with the number of distinct keys
 * touched, never with the number of events: image ids are interned once (ImageIds), and the
 * counts live in an open-addressing hash table of typed arrays (12 bytes a slot, no object per
 * key), because a W1-sized run touches millions of (image, window) keys and a Map of them costs
 * several times that in memory and garbage collection.
 */
import { ImageIds, TEXT_BYTES } from './image-ids.ts';

export interface WindowRow {
  imageId: string;
  windowStart: number;
  count: number;
}

/** Window rows as columns; image ids are UTF-8 between consecutive offsets. */
export interface WindowChunk {
  length: number;
  idOffsets: Int32Array;
  idBytes: Uint8Array;
  windowStarts: Float64Array;
  counts: Float64Array;
}

const EMPTY = -1;
const MAX_LOAD = 0.7;
// Image numbers stay below this, so that a packed sort key (image rank, count) stays exact.
const RANK_SLOTS = 2 ** 24;

export class WindowCounter {
  readonly images = new ImageIds();
  private windows = new Int32Array(1024);
  private slotImages = new Int32Array(1024).fill(EMPTY);
  private counts = new Int32Array(1024);
  private used = 0;

  constructor(readonly windowMicros: number) {
    if (!Number.isInteger(windowMicros) || windowMicros <= 0) throw new Error(`window size must be a positive number of microseconds, got ${windowMicros}`);
  }

  /** Counts one event of an image given by its UUID text. */
  add(imageId: string, timeMicros: number): void {
    this.addImage(this.images.fromString(imageId), timeMicros);
  }

  /** Counts one event of an image numbered by `this.images`. */
  addImage(image: number, timeMicros: number): void {
    if (image >= RANK_SLOTS) throw new Error(`more than ${RANK_SLOTS} distinct images in one run: run more often so each run reads fewer messages`);
    const window = Math.floor(timeMicros / this.windowMicros);
    if (window > 2 ** 31 - 1 || window < -(2 ** 31)) throw new Error(`event time ${timeMicros} µs is out of the supported range`);
    const slot = this.find(window, image);
    if (this.slotImages[slot] === EMPTY) {
      this.windows[slot] = window;
      this.slotImages[slot] = image;
      this.counts[slot] = 1;
      if (++this.used > this.slotImages.length * MAX_LOAD) this.grow();
    } else {
      this.counts[slot]!++;
    }
  }

  /** Distinct (image, window) keys so far: the memory the counter holds. */
  get keys(): number {
    return this.used;
  }

  /**
   * Rows ordered by window start, then image id (so day partitions come out contiguous), as
   * columns of at most `size` rows: image ids as fixed-width UTF-8 (36 bytes each), ready for Arrow.
   * `keyLimit` below 2^53 only to test the fallback for counts too large to pack.
   */
  *chunks(size = 65536, keyLimit = 2 ** 53): Generator<WindowChunk> {
    // Images ranked by id once; keys bucketed by window (a counting sort: a run touches few
    // windows), then each window's keys sorted as packed numbers (image rank, and the count when
    // it fits in 53 bits): native typed-array sorts of short runs, no string comparison, no
    // object per key.
    const byRank = this.images.sorted();
    const rank = new Int32Array(byRank.length);
    byRank.forEach((image, r) => { rank[image] = r; });
    let minWindow = Infinity, maxWindow = -Infinity, maxCount = 0;
    for (let slot = 0; slot < this.slotImages.length; slot++) {
      if (this.slotImages[slot] === EMPTY) continue;
      const w = this.windows[slot]!;
      if (w < minWindow) minWindow = w;
      if (w > maxWindow) maxWindow = w;
      if (this.counts[slot]! > maxCount) maxCount = this.counts[slot]!;
    }
    // Windows numbered by their offset from the first when they are dense; by rank among the
    // distinct ones when a few events lie far apart.
    const span = this.used === 0 ? 0 : maxWindow - minWindow + 1;
    let windowOf = (ordinal: number) => minWindow + ordinal;
    let ordinalOf = (w: number) => w - minWindow;
    let ordinals = span;
    if (span > 4 * this.used + 1024) {
      const distinct = new Set<number>();
      for (let slot = 0; slot < this.slotImages.length; slot++) if (this.slotImages[slot] !== EMPTY) distinct.add(this.windows[slot]!);
      const windows = [...distinct].sort((a, b) => a - b);
      const ordinal = new Map(windows.map((w, i) => [w, i]));
      windowOf = (o) => windows[o]!;
      ordinalOf = (w) => ordinal.get(w)!;
      ordinals = windows.length;
    }
    const starts = new Int32Array(ordinals + 1);
    for (let slot = 0; slot < this.slotImages.length; slot++) if (this.slotImages[slot] !== EMPTY) starts[ordinalOf(this.windows[slot]!) + 1]!++;
    for (let o = 0; o < ordinals; o++) starts[o + 1]! += starts[o]!;
    const countSlots = 2 ** Math.ceil(Math.log2(maxCount + 1));
    const packCount = 2 ** Math.ceil(Math.log2(byRank.length + 1)) * countSlots < keyLimit;
    const C = packCount ? countSlots : 1;
    const keys = new Float64Array(this.used);
    const fill = starts.slice(0, ordinals);
    for (let slot = 0; slot < this.slotImages.length; slot++) {
      const image = this.slotImages[slot]!;
      if (image !== EMPTY) keys[fill[ordinalOf(this.windows[slot]!)]!++] = rank[image]! * C + (packCount ? this.counts[slot]! : 0);
    }
    for (let o = 0; o < ordinals; o++) if (starts[o + 1]! - starts[o]! > 1) keys.subarray(starts[o], starts[o + 1]).sort();
    // Each image's text once, in rank order, as 32-bit words: a row copies its 9 words.
    const words = TEXT_BYTES / 4;
    const text = new Int32Array(byRank.length * words);
    const textBytes = new Uint8Array(text.buffer);
    byRank.forEach((image, r) => this.images.writeText(image, textBytes, r * TEXT_BYTES));
    let o = 0;
    for (let at = 0; at < keys.length; at += size) {
      const n = Math.min(size, keys.length - at);
      const ids = new Int32Array(n * words);
      const chunk: WindowChunk = {
        length: n, idOffsets: new Int32Array(n + 1), idBytes: new Uint8Array(ids.buffer),
        windowStarts: new Float64Array(n), counts: new Float64Array(n),
      };
      for (let i = 0; i < n; i++) {
        const row = at + i;
        while (row >= starts[o + 1]!) o++;
        const window = windowOf(o);
        const key = keys[row]!;
        const r = Math.floor(key / C);
        chunk.idOffsets[i + 1] = (i + 1) * TEXT_BYTES;
        for (let w = 0, from = r * words, to = i * words; w < words; w++) ids[to + w] = text[from + w]!;
        chunk.windowStarts[i] = window * this.windowMicros;
        chunk.counts[i] = packCount ? key - r * C : this.counts[this.find(window, byRank[r]!)]!;
      }
      yield chunk;
    }
  }

  /** The same rows one object each (for tests and small tables). */
  *rows(keyLimit = 2 ** 53): Generator<WindowRow> {
    for (const c of this.chunks(65536, keyLimit)) {
      const ids = Buffer.from(c.idBytes.buffer, c.idBytes.byteOffset, c.idBytes.length);
      for (let i = 0; i < c.length; i++) {
        yield { imageId: ids.toString('latin1', i * TEXT_BYTES, (i + 1) * TEXT_BYTES), windowStart: c.windowStarts[i]!, count: c.counts[i]! };
      }
    }
  }

  private find(window: number, image: number): number {
    const mask = this.slotImages.length - 1;
    let slot = (Math.imul(window, 0x9e3779b1) ^ Math.imul(image, 0x85ebca6b)) & mask;
    while (this.slotImages[slot] !== EMPTY && (this.slotImages[slot] !== image || this.windows[slot] !== window)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { windows, slotImages: images, counts } = this;
    const size = images.length * 2;
    this.windows = new Int32Array(size);
    this.slotImages = new Int32Array(size).fill(EMPTY);
    this.counts = new Int32Array(size);
    for (let slot = 0; slot < images.length; slot++) {
      if (images[slot] === EMPTY) continue;
      const to = this.find(windows[slot]!, images[slot]!);
      this.windows[to] = windows[slot]!;
      this.slotImages[to] = images[slot]!;
      this.counts[to] = counts[slot]!;
    }
  }
}
