/**
 * Min and max of byte-string columns (string, binary, fixed, uuid) straight from Arrow's offset
 * and value buffers: no string is decoded and nothing is copied until a chunk is done. Byte order
 * is unsigned lexicographic, which for UTF-8 is code point order: the order Iceberg compares
 * strings in.
 */
import { DataType, type Data, makeVector } from 'apache-arrow';
import { bitSet, validityOf } from './arrow-scan.ts';
import { utf8Bytes } from './values.ts';

/**
 * Compares two byte ranges. `signedUuid` is java.util.UUID's order, two signed 64-bit halves:
 * what Iceberg Java before 1.11 used for uuid bounds (bytes 0 and 8 carry the sign bits).
 */
function compareRanges(
  a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number, signedUuid: boolean,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    let x = a[aStart + k]!;
    let y = b[bStart + k]!;
    if (x !== y) {
      if (signedUuid && (k === 0 || k === 8)) { x ^= 0x80; y ^= 0x80; }
      return x - y;
    }
  }
  return (aEnd - aStart) - (bEnd - bStart);
}

export class ByteRangeExtremes {
  min: Uint8Array | null = null;
  max: Uint8Array | null = null;

  constructor(private readonly signedUuid = false) {}

  /** Considers one value; copies it only when it is a new min or max. */
  offer(buf: Uint8Array, start: number, end: number): void {
    if (!this.min || compareRanges(buf, start, end, this.min, 0, this.min.length, this.signedUuid) < 0) {
      this.min = buf.slice(start, end);
    }
    if (!this.max || compareRanges(buf, start, end, this.max, 0, this.max.length, this.signedUuid) > 0) {
      this.max = buf.slice(start, end);
    }
  }

  /**
   * All valid values of a Utf8/Binary/LargeUtf8/LargeBinary/FixedSizeBinary chunk (or, with
   * `used`, only the entries marked in it: a dictionary's referenced values).
   */
  addChunk(data: Data, used?: Uint8Array): void {
    const type = data.type as DataType;
    if (DataType.isUtf8View(type) || DataType.isBinaryView(type)) return this.addViews(data);
    const values = data.values as Uint8Array;
    const bits = used ? null : validityOf(data);
    const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
    const width = DataType.isFixedSizeBinary(type) ? type.byteWidth : 0;
    const large = offsets instanceof BigInt64Array;
    let minStart = -1, minEnd = -1, maxStart = -1, maxEnd = -1;
    for (let i = 0, n = data.length; i < n; i++) {
      if (used ? used[i] === 0 : bits !== null && !bitSet(bits, data.offset + i)) continue;
      let start: number, end: number;
      if (width > 0) { start = i * width; end = start + width; }
      else if (large) { start = Number(offsets[i]); end = Number(offsets[i + 1]); }
      else { start = (offsets as Int32Array)[i]!; end = (offsets as Int32Array)[i + 1]!; }
      if (minStart < 0 || compareRanges(values, start, end, values, minStart, minEnd, this.signedUuid) < 0) {
        minStart = start; minEnd = end;
      }
      if (maxStart < 0 || compareRanges(values, start, end, values, maxStart, maxEnd, this.signedUuid) > 0) {
        maxStart = start; maxEnd = end;
      }
    }
    if (minStart >= 0) {
      this.offer(values, minStart, minEnd);
      this.offer(values, maxStart, maxEnd);
    }
  }

  /** Dictionary-encoded strings: only the dictionary entries that valid rows refer to count. */
  addDictionary(data: Data): void {
    const dictionary = data.dictionary;
    if (!dictionary) return;
    const indices = data.values as ArrayLike<number>;
    const bits = validityOf(data);
    const used = new Uint8Array(dictionary.length);
    for (let i = 0, n = data.length; i < n; i++) {
      if (bits !== null && !bitSet(bits, data.offset + i)) continue;
      used[indices[i]!] = 1;
    }
    let base = 0;
    for (const chunk of dictionary.data) {
      this.addChunk(chunk, used.subarray(base, base + chunk.length));
      base += chunk.length;
    }
  }

  /** View layouts keep short values inline: rare in files Floe reads, so take the slow path. */
  private addViews(data: Data): void {
    const vector = makeVector(data);
    for (let i = 0; i < data.length; i++) {
      const v = vector.get(i) as string | Uint8Array | null;
      if (v === null) continue;
      const bytes = typeof v === 'string' ? utf8Bytes(v) : v;
      this.offer(bytes, 0, bytes.length);
    }
  }
}
