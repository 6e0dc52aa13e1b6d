/**
 * The `event_aggregations.*_windows_5min` tables: the seed's schema, partitioned by the day of
 * window_start when Floe creates them. Tables that exist already (e.g. made unpartitioned by
 * PyIceberg) are written as they are.
 */
import type { RecordBatch } from 'apache-arrow';
import { arrowSchemaFromIceberg } from '../../iceberg/spec/arrow-schema.ts';
import type { PartitionSpec, Schema } from '../../iceberg/spec/types.ts';
import { batchFromColumns, type ColumnValues } from '../../iceberg/arrow-build.ts';
import type { WindowChunk } from './window-counter.ts';

export const WINDOW_SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'image_id', required: true, type: 'string' },
    { id: 2, name: 'window_start', required: true, type: 'timestamptz' },
    { id: 3, name: 'window_end', required: true, type: 'timestamptz' },
    { id: 4, name: 'event_count', required: true, type: 'long' },
    { id: 5, name: 'processed_at', required: true, type: 'timestamptz' },
  ],
};

export const WINDOW_SPEC: PartitionSpec = {
  'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' }],
};

const EXPECTED_TYPES: Record<string, string[]> = {
  image_id: ['string'], window_start: ['timestamptz', 'timestamp'], window_end: ['timestamptz', 'timestamp'],
  event_count: ['long'], processed_at: ['timestamptz', 'timestamp'],
};

/** Checks that an existing table can hold window rows; the message names what does not fit. */
export function checkWindowTable(schema: Schema, table: string): void {
  const problems: string[] = [];
  for (const [name, types] of Object.entries(EXPECTED_TYPES)) {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) problems.push(`it has no column "${name}"`);
    else if (!types.includes(f.type as string)) problems.push(`column "${name}" is ${JSON.stringify(f.type)}, expected ${types.join(' or ')}`);
  }
  for (const f of schema.fields) {
    if (!(f.name in EXPECTED_TYPES)) problems.push(`it has a column "${f.name}" that window rows do not fill`);
  }
  if (problems.length > 0) throw new Error(`Table ${table} cannot hold event windows: ${problems.join('; ')}`);
}

/** Window rows as record batches of the table's schema, one per chunk. */
export function* windowBatches(chunks: Iterable<WindowChunk>, schema: Schema, windowMicros: number, processedAtMicros: number): Generator<RecordBatch> {
  const arrow = arrowSchemaFromIceberg(schema);
  for (const c of chunks) {
    const n = c.length;
    const columns: Record<string, ColumnValues> = {
      image_id: { kind: 'utf8', values: { offsets: c.idOffsets, bytes: c.idBytes } },
      window_start: { kind: 'int64', values: int64s(c.windowStarts, n, 0) },
      window_end: { kind: 'int64', values: int64s(c.windowStarts, n, windowMicros) },
      event_count: { kind: 'int64', values: int64s(c.counts, n, 0) },
      processed_at: { kind: 'int64', values: new BigInt64Array(n).fill(BigInt(processedAtMicros)) },
    };
    // Columns in the table's order (checkWindowTable made sure there are no others).
    yield batchFromColumns(arrow, schema.fields.map((f) => columns[f.name]!), n);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whole numbers (|v| < 2^53) as int64s, written as two 32-bit words: no BigInt per value. */
export function int64s(values: Float64Array, n: number, add: number): BigInt64Array {
  const out = new BigInt64Array(n);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) out[i] = BigInt(values[i]! + add);
    return out;
  }
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]! + add;
    const high = Math.floor(v / 4294967296);
    words[2 * i] = v - high * 4294967296; // the low word's bits (Int32Array keeps them modulo 2^32)
    words[2 * i + 1] = high;
  }
  return out;
}
