/**
 * How Floe holds a single Iceberg value in JavaScript. Every module under core/iceberg/spec
 * (bounds, hashes, transforms, partition paths, column statistics) takes and returns values in
 * exactly this form, so a value can move between them without conversion:
 *
 * | Iceberg type                          | JS value                                              |
 * |---------------------------------------|-------------------------------------------------------|
 * | boolean                               | boolean                                               |
 * | int, date                             | number (date: days since 1970-01-01)                  |
 * | float, double                         | number                                                |
 * | long                                  | bigint                                                |
 * | time                                  | bigint, microseconds since midnight                   |
 * | timestamp, timestamptz                | bigint, microseconds since 1970-01-01T00:00 (UTC)     |
 * | timestamp_ns, timestamptz_ns          | bigint, nanoseconds since 1970-01-01T00:00 (UTC)      |
 * | string                                | string                                                |
 * | uuid                                  | string, canonical lower-case 8-4-4-4-12 hex form      |
 * | binary, fixed[L]                      | Uint8Array                                            |
 * | decimal(P, S)                         | bigint, the unscaled value (the scale is in the type) |
 *
 * Null is `null`. bigint for every 64-bit type because a JS number silently rounds above 2^53
 * (timestamps in nanoseconds are already past that). Partition values use the same forms: a
 * day(ts) partition value is a date, so a number.
 */

export type IcebergValue = boolean | number | bigint | string | Uint8Array;

const utf8Encoder = new TextEncoder();
// fatal: a string bound or hash over bytes that are not UTF-8 would silently differ from Java's.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

export function utf8String(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 16 big-endian bytes of a UUID (spec Appendix B note 4), from its canonical string. */
export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_PATTERN.test(uuid)) throw new Error(`not a UUID: "${uuid}"`);
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error(`a UUID is 16 bytes, got ${bytes.length}`);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The shortest two's-complement big-endian bytes that hold `unscaled` (spec Appendix B note 2 and
 * Appendix D): 127 is 7f, 128 is 00 80, -128 is 80, -129 is ff 7f, 0 is 00.
 */
export function minimalTwosComplement(unscaled: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = unscaled;
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.push(byte);
    v >>= 8n; // arithmetic shift: a negative value converges to -1
    const signBitSet = (byte & 0x80) !== 0;
    if ((v === 0n && !signBitSet) || (v === -1n && signBitSet)) break;
  }
  return Uint8Array.from(bytes.reverse());
}

/** The value of two's-complement big-endian bytes of any length (an empty array is 0). */
export function fromTwosComplement(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

/**
 * A decimal as Java's BigDecimal.toString and Python's str(Decimal) print it: "14.20" for unscaled
 * 1420 at scale 2, and exponent form once the exponent passes -6 ("5E-9") or the scale is
 * negative ("2E+20").
 */
export function decimalToString(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  const adjusted = digits.length - 1 - scale;
  if (scale === 0) return sign + digits;
  if (scale > 0 && adjusted >= -6) {
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** Floor division for bigints: BigInt `/` truncates toward zero, which is wrong before 1970. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Floor modulo for bigints, always in [0, b) for positive b. */
export function floorMod(a: bigint, b: bigint): bigint {
  return ((a % b) + b) % b;
}

/** The UTF-16 index just past the first `n` code points of `s` (s.length if it has fewer). */
export function codePointPrefixEnd(s: string, n: number): number {
  let index = 0;
  for (let count = 0; count < n && index < s.length; count++) {
    const unit = s.charCodeAt(index);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && index + 1 < s.length
      && (s.charCodeAt(index + 1) & 0xfc00) === 0xdc00;
    index += isPair ? 2 : 1;
  }
  return index;
}

/**
 * The proleptic Gregorian date of a day count since 1970-01-01 (month and day from 1). Plain
 * arithmetic rather than Date: a JS Date stops at ±100,000,000 days, and timestamps reach further.
 */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  // Count from 0000-03-01 so that the leap day is the last day of a year, in 400-year eras.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524)
    - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
