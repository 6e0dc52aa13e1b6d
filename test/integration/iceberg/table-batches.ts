/** Record batches for a table schema from plain rows (values in core/iceberg/spec/values.ts forms). */
import { makeData, RecordBatch, Struct } from 'apache-arrow';
import { arrowSchemaFromIceberg } from '../../../core/iceberg/spec/arrow-schema.ts';
import type { PrimitiveType, Schema } from '../../../core/iceberg/spec/types.ts';
import { arrowColumnOf } from './arrow-columns.ts';

export function batchOf(schema: Schema, rows: Record<string, unknown>[]): RecordBatch {
  const arrow = arrowSchemaFromIceberg(schema);
  const children = schema.fields.map((f) => arrowColumnOf(f.type as PrimitiveType, rows.map((r) => r[f.name] ?? null)));
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: rows.length, nullCount: 0, children }));
}

/** Rows of record batches as plain objects, bigints as strings and timestamps as ISO text (PyIceberg's form). */
export function rowsOf(batches: RecordBatch[], timestampColumns: string[] = []): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const f of b.schema.fields) {
        const column = b.getChild(f.name)!;
        let v: unknown = column.get(i);
        if (timestampColumns.includes(f.name) && v !== null) {
          const micros = (column.data[0]!.values as BigInt64Array)[i]!;
          v = isoMicros(micros);
        } else if (typeof v === 'bigint') v = Number(v);
        row[f.name] = v;
      }
      out.push(row);
    }
  }
  return out.sort((a, b) => JSON.stringify(a, Object.keys(a).sort()).localeCompare(JSON.stringify(b, Object.keys(b).sort())));
}

/** 2024-05-01T12:00:00+00:00, as Python's isoformat prints a UTC datetime. */
export function isoMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  return new Date(ms - (ms % 1000)).toISOString().slice(0, 19) + (frac ? `.${String(frac).padStart(6, '0')}` : '') + '+00:00';
}

/** The small table most Iceberg tests use: PyIceberg's smoke schema, partitioned by day. */
export const smallSchema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'image_id', required: true, type: 'string' },
    { id: 2, name: 'window_start', required: false, type: 'timestamptz' },
    { id: 3, name: 'event_count', required: false, type: 'long' },
  ],
};
export const daySpec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' }] };

/** Microseconds since the epoch of an ISO time, as a bigint (a timestamptz value). */
export const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

export async function collectBatches(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}
