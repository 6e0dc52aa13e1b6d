/**
 * Seeded random Iceberg values (in the forms of core/iceberg/spec/values.ts) that lean on the
 * edges: negative timestamps, 64-bit extremes, supplementary-plane strings, path-hostile
 * characters. And the JSON "wire" form spec_vs_pyiceberg.py reads and answers in.
 */
import type { Rng } from '../../../core/demo/random.ts';
import type { PrimitiveType } from '../../../core/iceberg/spec/types.ts';
import { parsePrimitive } from '../../../core/iceberg/spec/primitive.ts';
import { uuidFromBytes } from '../../../core/iceberg/spec/values.ts';

export type Wire = null | boolean | number | string;

export interface RandomOptions {
  /** No 0xFF bytes (binary upper bounds are where PyIceberg and Java differ, see bounds.ts). */
  boundSafe?: boolean;
  /** Strings full of characters a partition path must escape. */
  pathy?: boolean;
}

// Python's datetime covers years 1..9999, and PyIceberg's month/year transforms go through it.
const MIN_DAY = -719162;
const MAX_DAY = 2932896;
const MICROS_PER_DAY = 86_400_000_000;

const CODE_POINT_RANGES: [number, number][] = [
  [0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7fe], [0xe000, 0xfffd], [0x10000, 0x10fffe], [0x1f600, 0x1f64f],
];
const PATH_CHARACTERS = [' ', '/', '&', '=', '%', '~', '*', '+', '?', '#', ':', '!', "'", '(', ')', 'é', '😀', '\u00a0'];

function u32(rng: Rng): bigint {
  return BigInt((rng.next() * 4294967296) >>> 0);
}

function bytes(rng: Rng, length: number, max: number): Uint8Array {
  return Uint8Array.from({ length }, () => rng.int(max + 1));
}

function randomString(rng: Rng, options: RandomOptions): string {
  const length = rng.int(40);
  let s = '';
  for (let i = 0; i < length; i++) {
    if (options.pathy && rng.chance(0.3)) { s += rng.pick(PATH_CHARACTERS); continue; }
    const [lo, hi] = rng.pick(CODE_POINT_RANGES);
    s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

function randomDouble(rng: Rng): number {
  if (rng.chance(0.1)) return rng.pick([0, -0, NaN, Infinity, -Infinity, 1, -1.5, 1e16, 5e-324]);
  return (rng.next() - 0.5) * 10 ** (rng.int(40) - 15);
}

export function randomValue(rng: Rng, type: PrimitiveType, options: RandomOptions = {}): unknown {
  const t = parsePrimitive(type);
  const day = (min = MIN_DAY, max = MAX_DAY) => min + rng.int(max - min + 1);
  const micros = (min?: number, max?: number) =>
    (rng.chance(0.05) ? rng.pick([-1n, 0n, 1n]) : BigInt(day(min, max)) * BigInt(MICROS_PER_DAY) + BigInt(rng.int(MICROS_PER_DAY)));
  switch (t.kind) {
    case 'boolean': return rng.chance(0.5);
    // Not -2147483648: truncate[W] of values that close to the minimum leaves the int range.
    case 'int': return rng.chance(0.1) ? rng.pick([0, 1, -1, 10, -10, 2147483647, -2147483640]) : (rng.next() * 4294967296) | 0;
    case 'long':
      return rng.chance(0.1)
        ? rng.pick([0n, 1n, -1n, 4294967296n, -4294967297n, 9223372036854775807n, -9223372036854775800n])
        : BigInt.asIntN(64, (u32(rng) << 32n) | u32(rng));
    case 'float': return Math.fround(randomDouble(rng));
    case 'double': return randomDouble(rng);
    case 'date': return day();
    case 'time': return BigInt(rng.int(MICROS_PER_DAY));
    case 'timestamp': case 'timestamptz': return micros();
    // Nanoseconds in 64 bits reach only 1677..2262.
    case 'timestamp_ns': case 'timestamptz_ns': return micros(-106_000, 106_000) * 1000n + BigInt(rng.int(1000));
    case 'string': return randomString(rng, options);
    case 'uuid': return uuidFromBytes(bytes(rng, 16, 255));
    case 'binary': return bytes(rng, rng.int(40), options.boundSafe ? 254 : 255);
    case 'fixed': return bytes(rng, t.length, 255);
    case 'decimal': {
      const digits = Array.from({ length: 1 + rng.int(t.precision) }, () => rng.int(10)).join('');
      return (rng.chance(0.5) ? -1n : 1n) * BigInt(digits);
    }
  }
}

export function encodeWire(type: PrimitiveType, value: unknown): Wire {
  if (value === null || value === undefined) return null;
  switch (parsePrimitive(type).kind) {
    case 'boolean': case 'int': case 'date': case 'string': case 'uuid':
      return value as Wire;
    case 'float': case 'double': {
      const v = value as number;
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return Object.is(v, -0) ? '-0' : v;
    }
    case 'binary': case 'fixed':
      return Buffer.from(value as Uint8Array).toString('hex');
    default: // 64-bit integers and decimals
      return String(value);
  }
}

export function decodeWire(type: PrimitiveType, wire: Wire): unknown {
  if (wire === null) return null;
  switch (parsePrimitive(type).kind) {
    case 'boolean': case 'int': case 'date': case 'string': case 'uuid':
      return wire;
    case 'float': case 'double':
      return typeof wire === 'number' ? wire : ({ NaN, Infinity, '-Infinity': -Infinity, '-0': -0 } as Record<string, number>)[wire as string];
    case 'binary': case 'fixed':
      return Uint8Array.from(Buffer.from(wire as string, 'hex'));
    default:
      return BigInt(wire as string);
  }
}
