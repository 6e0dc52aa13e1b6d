/**
 * Column chunks as the feature computation reads them: strings in Arrow's own layout (UTF-8 bytes
 * and offsets, never decoded into JS strings: millions of ids would cost gigabytes and most of
 * the time) and numbers as doubles. Record batches from Parquet map onto these without copying
 * the strings; plain arrays (tests, small inputs) are converted once.
 */

/** Strings of one chunk: row i is bytes[offsets[i], offsets[i + 1]); null where its validity bit is 0. */
export interface StringChunk {
  length: number;
  offsets: Int32Array;
  bytes: Uint8Array;
  /** Validity bits (Arrow's: bit `validOffset + i`), or null when no row is null. */
  valid: Uint8Array | null;
  validOffset: number;
}

/**
 * Numbers of one chunk. Times are microseconds since the epoch (UTC): exact as doubles far
 * beyond any real date. `valid` as in StringChunk.
 */
export interface NumberChunk {
  values: Float64Array;
  valid: Uint8Array | null;
  validOffset: number;
}

export function isValid(c: { valid: Uint8Array | null; validOffset: number }, i: number): boolean {
  if (c.valid === null) return true;
  const bit = c.validOffset + i;
  return (c.valid[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

const encoder = new TextEncoder();

function validityOf<T>(values: readonly (T | null)[]): Uint8Array | null {
  if (!values.includes(null)) return null;
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => { if (v !== null) bits[i >> 3]! |= 1 << (i & 7); });
  return bits;
}

export function stringChunk(values: readonly (string | null)[]): StringChunk {
  const encoded = values.map((v) => encoder.encode(v ?? ''));
  const offsets = new Int32Array(values.length + 1);
  encoded.forEach((b, i) => { offsets[i + 1] = offsets[i]! + b.length; });
  const bytes = new Uint8Array(offsets[values.length]!);
  encoded.forEach((b, i) => bytes.set(b, offsets[i]!));
  return { length: values.length, offsets, bytes, valid: validityOf(values), validOffset: 0 };
}

export function numberChunk(values: readonly (number | null)[]): NumberChunk {
  return { values: Float64Array.from(values, (v) => v ?? 0), valid: validityOf(values), validOffset: 0 };
}

/** Unicode code points of valid UTF-8: every byte that does not continue a sequence starts one. */
export function codePointsOf(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((bytes[i]! & 0xc0) !== 0x80) n++;
  return n;
}

/** A copy of a typed array in a longer one: columns grow as rows arrive. */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
