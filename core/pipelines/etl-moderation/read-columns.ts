/**
 * Arrow record batch columns as the feature computation's chunks, without copying or decoding
 * strings: a string column is handed over as its UTF-8 bytes and offsets, a time or integer
 * column as doubles (times in microseconds, whatever unit the file stores them in).
 */
import { DataType, TimeUnit, type Data, type RecordBatch } from 'apache-arrow';
import type { NumberChunk, StringChunk } from '../../features/columns.ts';

function column(batch: RecordBatch, name: string, what: string): Data {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`${what} has no column "${name}" (it has ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  return batch.data.children[i]!;
}

const validity = (d: Data) => (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : null);

export function stringsOf(batch: RecordBatch, name: string, what: string): StringChunk {
  const d = column(batch, name, what);
  if (!DataType.isUtf8(d.type)) throw new Error(`${what}: column "${name}" is ${String(d.type)}, expected a string`);
  // Arrow slices a string column's offsets (relative rows) but not its bytes or validity bits.
  return { length: d.length, offsets: d.valueOffsets as Int32Array, bytes: d.values as Uint8Array, valid: validity(d), validOffset: d.offset };
}

const MICROS_PER: Record<number, number> = { [TimeUnit.SECOND]: 1_000_000, [TimeUnit.MILLISECOND]: 1000, [TimeUnit.MICROSECOND]: 1, [TimeUnit.NANOSECOND]: 0.001 };

/**
 * Integers, floats and timestamps (as microseconds) as doubles. With `reuse` (per column, e.g. a
 * Map), the doubles go into a buffer kept for the next batch: valid until then, and no garbage.
 */
export function numbersOf(batch: RecordBatch, name: string, what: string, reuse?: Map<string, Float64Array>): NumberChunk {
  const d = column(batch, name, what);
  let buffer = reuse?.get(name);
  if (!buffer || buffer.length < d.length) {
    buffer = new Float64Array(d.length);
    reuse?.set(name, buffer);
  }
  const out = buffer.length === d.length ? buffer : buffer.subarray(0, d.length);
  const values = d.values as unknown;
  if (values instanceof BigInt64Array) {
    // Two 32-bit words per value, not a BigInt each: exact below 2^53, which any time in micros is.
    const words = new Int32Array(values.buffer, values.byteOffset, d.length * 2);
    const scale = DataType.isTimestamp(d.type) ? MICROS_PER[d.type.unit]! : 1;
    for (let i = 0; i < d.length; i++) out[i] = (words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0)) * scale;
    if (scale === 0.001) for (let i = 0; i < d.length; i++) out[i] = Math.floor(out[i]!);
  } else if (values instanceof Int32Array || values instanceof Float64Array || values instanceof Float32Array || values instanceof Int16Array || values instanceof Int8Array) {
    out.set(values.subarray(0, d.length));
  } else {
    throw new Error(`${what}: column "${name}" is ${String(d.type)}, expected an integer, float or timestamp`);
  }
  return { values: out, valid: validity(d), validOffset: d.offset };
}
