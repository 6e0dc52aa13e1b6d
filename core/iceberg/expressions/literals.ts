/**
 * Literals of a filter converted to the value form of their column's Iceberg type (spec/values.ts),
 * so that comparing them with file bounds, partition values and Arrow data needs no further
 * conversion. Each type takes the forms a caller naturally has for it, and nothing that would need
 * a guess:
 *
 * | column type                  | accepted literals                                                   |
 * |------------------------------|---------------------------------------------------------------------|
 * | boolean                      | boolean                                                             |
 * | int                          | integer number or bigint in the 32-bit range                        |
 * | long                         | bigint, or an integer number up to 2^53                             |
 * | float, double                | number (not NaN: use isNaN)                                         |
 * | decimal(P, S)                | text "12.34", a number, or a bigint (a whole number, not unscaled)  |
 * | date                         | "2026-03-10", a Date (its UTC day), or days since 1970 (number)     |
 * | time                         | "12:30:00.123456", or microseconds since midnight (bigint)          |
 * | timestamp[tz][_ns]           | ISO text (no offset = UTC), a Date, or micros (nanos for _ns) bigint |
 * | string                       | string                                                              |
 * | uuid                         | canonical UUID text                                                 |
 * | binary, fixed[L]             | Uint8Array (fixed: exactly L bytes)                                 |
 */
import { parsePrimitive } from '../spec/primitive.ts';
import type { PrimitiveType } from '../spec/types.ts';
import { uuidFromBytes, uuidToBytes, type IcebergValue } from '../spec/values.ts';
import { literalToString, type LiteralInput } from './expression.ts';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const MICROS_PER_DAY = 86_400_000_000n;

export class LiteralError extends Error {
  constructor(readonly literal: unknown, readonly type: PrimitiveType, why: string) {
    super(`${literalToString(literal)} is not a ${type} literal: ${why}`);
    this.name = 'LiteralError';
  }
}

export function toLiteral(type: PrimitiveType, v: LiteralInput): IcebergValue {
  const fail = (why: string): never => { throw new LiteralError(v, type, why); };
  if (v === null || v === undefined) fail('compare with null through isNull/notNull');
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? v : fail('give true or false');
    case 'int': {
      const n = typeof v === 'bigint' && v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX) ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? n : fail('give an integer in the 32-bit range');
    }
    case 'long':
      if (typeof v === 'bigint') return BigInt.asIntN(64, v) === v ? v : fail('outside the 64-bit range');
      return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : fail('give a bigint (or an integer number below 2^53)');
    case 'float': case 'double':
      if (typeof v !== 'number') return fail('give a number');
      if (Number.isNaN(v)) return fail('NaN equals nothing; filter with isNaN/notNaN');
      // A float column holds 32-bit values: compare with the literal as the column would store it.
      return t.kind === 'float' ? Math.fround(v) : v;
    case 'decimal':
      return decimalLiteral(v, t.precision, t.scale, fail);
    case 'date':
      if (typeof v === 'number') return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? v : fail('give whole days since 1970-01-01');
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? fail('an invalid Date') : Math.floor(v.getTime() / 86_400_000);
      if (typeof v === 'string') {
        const m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(v.trim()) ?? fail('give a date as YYYY-MM-DD');
        return civilDays(Number(m[1]), Number(m[2]), Number(m[3]), fail);
      }
      return fail('give a date as YYYY-MM-DD, a Date, or days since 1970-01-01');
    case 'time':
      if (typeof v === 'bigint') return v >= 0n && v < MICROS_PER_DAY ? v : fail('microseconds since midnight, below 24 h');
      if (typeof v === 'string') {
        const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(v.trim()) ?? fail('give HH:MM[:SS[.ffffff]]');
        return timeOfDay(m[1]!, m[2]!, m[3], m[4], fail) / 1000n;
      }
      return fail('give HH:MM:SS text or microseconds since midnight as a bigint');
    case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const perMicro = t.kind.endsWith('_ns') ? 1000n : 1n;
      if (typeof v === 'bigint') return BigInt.asIntN(64, v) === v ? v : fail('outside the 64-bit range');
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? fail('an invalid Date') : BigInt(v.getTime()) * 1000n * perMicro;
      if (typeof v === 'string') return parseTimestamp(v, perMicro, fail);
      return fail(`give ISO text, a Date, or ${perMicro === 1n ? 'microseconds' : 'nanoseconds'} since 1970 as a bigint`);
    }
    case 'string':
      return typeof v === 'string' ? v : fail('give a string');
    case 'uuid':
      if (typeof v !== 'string') return fail('give the UUID as text');
      try {
        return uuidFromBytes(uuidToBytes(v));
      } catch {
        return fail('not a UUID (8-4-4-4-12 hex digits)');
      }
    case 'binary':
      return v instanceof Uint8Array ? v.slice() : fail('give a Uint8Array');
    case 'fixed':
      if (!(v instanceof Uint8Array)) return fail('give a Uint8Array');
      return v.length === t.length ? v.slice() : fail(`a fixed[${t.length}] value is ${t.length} bytes, got ${v.length}`);
  }
}

/** The unscaled value of a decimal literal at the column's scale; more places than the scale is an error, not a rounding. */
function decimalLiteral(v: LiteralInput, precision: number, scale: number, fail: (why: string) => never): bigint {
  let text: string;
  if (typeof v === 'bigint') text = v.toString();
  else if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : fail('give a finite number');
  else if (typeof v === 'string') text = v.trim();
  else return fail('give decimal text such as "12.34", a number, or a bigint');
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return fail('not a decimal number');
  let digits = (m[2] ?? '') + (m[3] ?? '');
  // The number is digits x 10^exponent; bring it to the column's scale.
  const exponent = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const shift = exponent + scale;
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    const dropped = digits.slice(digits.length + shift);
    if (/[1-9]/.test(dropped)) return fail(`more than ${scale} decimal place(s); the column cannot hold it exactly`);
    digits = digits.slice(0, digits.length + shift);
  }
  const unscaled = BigInt(digits === '' ? '0' : digits) * (m[1] === '-' ? -1n : 1n);
  if ((unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(precision)) return fail(`more than ${precision} digits`);
  return unscaled;
}

/** Days since 1970-01-01 of a proleptic Gregorian date, checked to be a real day. */
export function civilDays(year: number, month: number, day: number, fail: (why: string) => never): number {
  const monthDays = [31, (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1]!) return fail('no such day');
  // Count from 0000-03-01 so that the leap day ends the year, in 400-year eras (inverse of civilFromDays).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Nanoseconds since midnight of a time of day. */
function timeOfDay(h: string, m: string, s: string | undefined, fraction: string | undefined, fail: (why: string) => never): bigint {
  const hours = Number(h);
  const minutes = Number(m);
  const seconds = Number(s ?? 0);
  if (hours > 23 || minutes > 59 || seconds > 59) return fail('no such time of day');
  const frac = BigInt((fraction ?? '').padEnd(9, '0').slice(0, 9));
  return BigInt((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000n + frac;
}

/**
 * ISO 8601 text to micros (or nanos) since the epoch, without Date.parse (milliseconds only, and
 * only years 0..9999 everywhere). An offset or Z is honoured; without one the time is UTC, which
 * is what a `timestamp` column's wall-clock value means in Iceberg.
 */
function parseTimestamp(text: string, perMicro: bigint, fail: (why: string) => never): bigint {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim())
    ?? fail('give ISO text such as 2026-03-10T12:00:00.123456Z');
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]), fail);
  const fraction = m[7] ?? '';
  if (perMicro === 1n && /[1-9]/.test(fraction.slice(6))) fail('finer than a microsecond');
  const nanosOfDay = m[4] === undefined ? 0n : timeOfDay(m[4], m[5]!, m[6], fraction, fail);
  let offsetMinutes = 0;
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  const nanos = BigInt(days) * MICROS_PER_DAY * 1000n + nanosOfDay - BigInt(offsetMinutes) * 60_000_000_000n;
  return perMicro === 1n ? nanos / 1000n : nanos;
}
