/**
 * A hash index of byte strings (UTF-8): key -> dense number 0, 1, 2... in insertion order. Keys
 * are hashed and compared as bytes straight from the column buffers, so no JS string is made; the
 * keys are copied once into one buffer. Used for categories and for ids that are not UUIDs
 * (IdIndex keeps UUIDs in a faster form).
 */
import { grown } from './columns.ts';

export class BytesIndex {
  private keyBytes: Uint8Array;
  private keyOffsets: Int32Array;
  private hashes: Int32Array;
  /** Open addressing, linear probing: key number + 1, 0 for an empty slot. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expectedKeys = 1024) {
    let capacity = 1024;
    while (capacity < expectedKeys * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.hashes = new Int32Array(Math.max(16, expectedKeys));
    this.keyOffsets = new Int32Array(Math.max(16, expectedKeys) + 1);
    this.keyBytes = new Uint8Array(Math.max(256, expectedKeys * 36));
  }

  get size(): number {
    return this.count;
  }

  /** The number of the key bytes[start, end), or -1. */
  find(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const k = this.slots[s]! - 1;
      if (k < 0) return -1;
      if (this.hashes[k] === h && this.equals(k, bytes, start, end)) return k;
    }
  }

  /** The number of the key, added when new. */
  add(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    let s = h & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const k = this.slots[s]! - 1;
      if (k < 0) break;
      if (this.hashes[k] === h && this.equals(k, bytes, start, end)) return k;
    }
    const k = this.count++;
    this.ensureKeyRoom(end - start);
    const at = this.keyOffsets[k]!;
    this.keyBytes.set(bytes.subarray(start, end), at);
    this.keyOffsets[k + 1] = at + (end - start);
    this.hashes[k] = h;
    this.slots[s] = k + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return k;
  }

  /** Key k's bytes are keyBytesOf()[keyStart(k), keyEnd(k)). */
  keyStart(k: number): number { return this.keyOffsets[k]!; }
  keyEnd(k: number): number { return this.keyOffsets[k + 1]!; }
  keyBytesOf(): Uint8Array { return this.keyBytes; }

  private equals(k: number, bytes: Uint8Array, start: number, end: number): boolean {
    const a = this.keyOffsets[k]!;
    if (this.keyOffsets[k + 1]! - a !== end - start) return false;
    const keys = this.keyBytes;
    for (let i = 0; i < end - start; i++) if (keys[a + i] !== bytes[start + i]) return false;
    return true;
  }

  private ensureKeyRoom(bytes: number): void {
    if (this.count + 1 >= this.keyOffsets.length) {
      this.keyOffsets = grown(this.keyOffsets, this.keyOffsets.length * 2);
      this.hashes = grown(this.hashes, this.keyOffsets.length);
    }
    const need = this.keyOffsets[this.count - 1]! + bytes;
    if (need > this.keyBytes.length) this.keyBytes = grown(this.keyBytes, Math.max(need, this.keyBytes.length * 2));
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let s = this.hashes[k]! & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = k + 1;
    }
  }
}

/** FNV-1a over the bytes, then a final mix so that linear probing sees well spread low bits. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
