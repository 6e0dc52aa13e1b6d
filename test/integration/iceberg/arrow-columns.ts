/**
 * Arrow column chunks built straight from values in the forms of core/iceberg/spec/values.ts,
 * buffers and all (vectorFromArray cannot take bigint timestamps, and the point is to feed
 * ColumnStats the layouts a writer produces).
 */
import { type Data, makeData } from 'apache-arrow';
import { arrowTypeFor } from '../../../core/iceberg/spec/arrow-schema.ts';
import { parsePrimitive } from '../../../core/iceberg/spec/primitive.ts';
import type { PrimitiveType } from '../../../core/iceberg/spec/types.ts';
import { utf8Bytes, uuidToBytes } from '../../../core/iceberg/spec/values.ts';

/** A validity (or boolean) bitmap: bit i is flags[i]. */
export function bits(flags: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((f, i) => { if (f) out[i >> 3]! |= 1 << (i & 7); });
  return out;
}

function variableWidth(chunks: Uint8Array[]): { valueOffsets: Int32Array; data: Uint8Array } {
  const valueOffsets = new Int32Array(chunks.length + 1);
  chunks.forEach((c, i) => { valueOffsets[i + 1] = valueOffsets[i]! + c.length; });
  const data = new Uint8Array(valueOffsets[chunks.length]!);
  chunks.forEach((c, i) => data.set(c, valueOffsets[i]!));
  return { valueOffsets, data };
}

/** One Arrow chunk of a primitive Iceberg type; null values become nulls. */
export function arrowColumnOf(type: PrimitiveType, values: unknown[]): Data {
  const valid = values.map((v) => v !== null && v !== undefined);
  const common = { type: arrowTypeFor(type), length: values.length, nullCount: valid.filter((v) => !v).length, nullBitmap: bits(valid) };
  const t = parsePrimitive(type);
  // `as never` below: makeData's overloads are per Arrow type, and this type is only known at run time.
  const or = <T>(v: unknown, fallback: T): T => (v === null || v === undefined ? fallback : v as T);
  switch (t.kind) {
    case 'boolean': return makeData({ ...common, data: bits(values.map((v) => v === true)) } as never);
    case 'int': case 'date': return makeData({ ...common, data: Int32Array.from(values, (v) => or(v, 0)) } as never);
    case 'float': return makeData({ ...common, data: Float32Array.from(values, (v) => or(v, 0)) } as never);
    case 'double': return makeData({ ...common, data: Float64Array.from(values, (v) => or(v, 0)) } as never);
    case 'string': case 'binary': {
      const chunks = values.map((v) => (t.kind === 'string' ? utf8Bytes(or(v, '')) : or(v, new Uint8Array(0))));
      return makeData({ ...common, ...variableWidth(chunks) } as never);
    }
    case 'uuid': case 'fixed': {
      const width = t.kind === 'fixed' ? t.length : 16;
      const data = new Uint8Array(width * values.length);
      values.forEach((v, i) => {
        if (v !== null && v !== undefined) data.set(t.kind === 'uuid' ? uuidToBytes(v as string) : v as Uint8Array, i * width);
      });
      return makeData({ ...common, data } as never);
    }
    case 'decimal': {
      const words = new Uint32Array(4 * values.length);
      const view = new DataView(words.buffer);
      values.forEach((v, i) => {
        const n = or(v, 0n);
        view.setBigUint64(16 * i, BigInt.asUintN(64, n), true);
        view.setBigUint64(16 * i + 8, BigInt.asUintN(64, n >> 64n), true);
      });
      return makeData({ ...common, data: words } as never);
    }
    default: // 64-bit integers: long, time, timestamps
      return makeData({ ...common, data: BigInt64Array.from(values, (v) => or(v, 0n)) } as never);
  }
}
