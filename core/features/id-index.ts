/**
 * The ids of one table (images, users) numbered 0, 1, 2... in insertion order, and the lookup of
 * a whole column chunk of ids at once: the hash join of the feature computation.
 *
 * Why not a Map of strings: decoding ~20M ids into JS strings costs seconds and gigabytes. Why
 * not only BytesIndex: on a table of 1M ids, every probe of it and every byte comparison misses
 * the CPU cache (and, in a VM, the TLB), one after the other. Ids in canonical lower-case UUID
 * form (what extract writes for a uuid column) are kept here as 128-bit numbers instead, probed in
 * stages over the whole chunk (parse all, then probe all), so the cache misses of different rows
 * overlap. Any other id goes through a BytesIndex: exact either way, since a canonical UUID string
 * never equals a string of another form.
 */
import { BytesIndex } from './bytes-index.ts';
import { grown, isValid, type StringChunk } from './columns.ts';

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = 10 + c;

/** The number of 4 hex digits at bytes[p, p + 4), negative if any is not a lower-case hex digit. */
function hex4(bytes: Uint8Array, p: number): number {
  const a = HEX[bytes[p]!]!, b = HEX[bytes[p + 1]!]!, c = HEX[bytes[p + 2]!]!, d = HEX[bytes[p + 3]!]!;
  return (a | b | c | d) < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/** Writes the 128 bits of a canonical lower-case UUID at bytes[start, start + 36) to out[at..at + 3]; false if it is not one. */
function parseUuid(bytes: Uint8Array, start: number, out: Int32Array, at: number): boolean {
  const p = start;
  if (bytes[p + 8] !== 45 || bytes[p + 13] !== 45 || bytes[p + 18] !== 45 || bytes[p + 23] !== 45) return false; // '-'
  const a = hex4(bytes, p), b = hex4(bytes, p + 4), c = hex4(bytes, p + 9), d = hex4(bytes, p + 14);
  const e = hex4(bytes, p + 19), f = hex4(bytes, p + 24), g = hex4(bytes, p + 28), h = hex4(bytes, p + 32);
  if ((a | b | c | d | e | f | g | h) < 0) return false;
  out[at] = (a << 16) | b;
  out[at + 1] = (c << 16) | d;
  out[at + 2] = (e << 16) | f;
  out[at + 3] = (g << 16) | h;
  return true;
}

function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(c ^ (d >>> 7) ^ (d << 11), 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  return h ^ (h >>> 13);
}

export class IdIndex {
  /** Every id's bytes, in number order (the output's id column is copied from here). */
  private bytes = new Uint8Array(1 << 16);
  private offsets = new Int32Array(1024 + 1);
  private count = 0;
  /**
   * UUID ids: an open-addressing table whose slots hold [number + 1, the id's 128 bits, padding]
   * (8 words: a probe reads one cache line, where a separate array of bits would cost a second miss).
   */
  private slots = new Int32Array(8 * 4096);
  private mask = 4095;
  private uuids = 0;
  /** Other ids: BytesIndex number -> id number. */
  private readonly others = new BytesIndex(16);
  private otherIds = new Int32Array(16);
  // Scratch for a chunk's lookup: parsed words and first slots.
  private scratchWords = new Int32Array(0);
  private scratchSlots = new Int32Array(0);
  private readonly probe = new Int32Array(4);

  get size(): number { return this.count; }
  keyBytes(): Uint8Array { return this.bytes; }
  keyStart(k: number): number { return this.offsets[k]!; }
  keyEnd(k: number): number { return this.offsets[k + 1]!; }

  /** The number of the id bytes[start, end), added when new. */
  add(bytes: Uint8Array, start: number, end: number): number {
    const probe = this.probe;
    if (end - start === 36 && parseUuid(bytes, start, probe, 0)) {
      let s = mix(probe[0]!, probe[1]!, probe[2]!, probe[3]!) & this.mask;
      for (; ; s = (s + 1) & this.mask) {
        const k = this.slots[8 * s]! - 1;
        if (k < 0) break;
        if (this.sameWords(8 * s + 1, probe)) return k;
      }
      const k = this.append(bytes, start, end);
      this.slots[8 * s] = k + 1;
      this.slots.set(probe, 8 * s + 1);
      if (++this.uuids * 2 > this.mask + 1) this.rehash();
      return k;
    }
    const before = this.others.size;
    const o = this.others.add(bytes, start, end);
    if (o < before) return this.otherIds[o]!;
    const k = this.append(bytes, start, end);
    if (o >= this.otherIds.length) this.otherIds = grown(this.otherIds, this.otherIds.length * 2);
    this.otherIds[o] = k;
    return k;
  }

  /** The numbers of a chunk's ids: out[i] = number, or -1 for an unknown or null id. */
  lookup(c: StringChunk, out: Int32Array): void {
    const n = c.length;
    if (this.scratchSlots.length < n) { this.scratchSlots = new Int32Array(n); this.scratchWords = new Int32Array(4 * n); }
    const first = this.scratchSlots, w = this.scratchWords, mask = this.mask, bytes = c.bytes, offsets = c.offsets;
    // Stage 1, no random access: parse each id and hash it (-1: null, -2: not a UUID).
    for (let i = 0; i < n; i++) {
      const start = offsets[i]!;
      if (c.valid !== null && !isValid(c, i)) first[i] = -1;
      else if (offsets[i + 1]! - start === 36 && parseUuid(bytes, start, w, 4 * i)) first[i] = mix(w[4 * i]!, w[4 * i + 1]!, w[4 * i + 2]!, w[4 * i + 3]!) & mask;
      else first[i] = -2;
    }
    // Stage 2: probe. Rows are independent, so the CPU overlaps their cache misses.
    const slots = this.slots;
    for (let i = 0; i < n; i++) {
      let s = first[i]!;
      if (s < 0) {
        out[i] = s === -1 ? -1 : this.findOther(bytes, offsets[i]!, offsets[i + 1]!);
        continue;
      }
      const p = 4 * i;
      for (; ; s = (s + 1) & mask) {
        const q = 8 * s, k = slots[q]! - 1;
        if (k < 0) { out[i] = -1; break; }
        if (slots[q + 1] === w[p] && slots[q + 2] === w[p + 1] && slots[q + 3] === w[p + 2] && slots[q + 4] === w[p + 3]) { out[i] = k; break; }
      }
    }
  }

  private findOther(bytes: Uint8Array, start: number, end: number): number {
    const o = this.others.find(bytes, start, end);
    return o < 0 ? -1 : this.otherIds[o]!;
  }

  private sameWords(q: number, probe: Int32Array): boolean {
    const t = this.slots;
    return t[q] === probe[0] && t[q + 1] === probe[1] && t[q + 2] === probe[2] && t[q + 3] === probe[3];
  }

  private append(bytes: Uint8Array, start: number, end: number): number {
    const k = this.count++;
    if (k + 1 >= this.offsets.length) this.offsets = grown(this.offsets, this.offsets.length * 2);
    const at = this.offsets[k]!, need = at + (end - start);
    if (need > this.bytes.length) this.bytes = grown(this.bytes, Math.max(need, this.bytes.length * 2));
    this.bytes.set(bytes.subarray(start, end), at);
    this.offsets[k + 1] = need;
    return k;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length / 8 - 1;
    for (let q = 0; q < old.length; q += 8) {
      if (old[q] === 0) continue;
      let s = mix(old[q + 1]!, old[q + 2]!, old[q + 3]!, old[q + 4]!) & this.mask;
      while (this.slots[8 * s] !== 0) s = (s + 1) & this.mask;
      this.slots.set(old.subarray(q, q + 8), 8 * s);
    }
  }
}
