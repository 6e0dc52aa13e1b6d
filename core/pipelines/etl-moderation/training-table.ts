/**
 * `moderation.training_data`: the FEATURES.md schema (the names and types the seed's PyIceberg
 * load produced, plus label_window_complete), and the load that replaces its contents in one
 * snapshot. A table the seed made keeps its field ids; the one missing column is added by schema
 * evolution.
 */
import type { RecordBatch } from 'apache-arrow';
import type { Catalog, TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import { ensureTable } from '../../iceberg/catalog/ensure.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { arrowSchemaFromIceberg } from '../../iceberg/spec/arrow-schema.ts';
import type { NestedField, Schema } from '../../iceberg/spec/types.ts';
import { batchFromColumns, type ColumnValues } from '../../iceberg/arrow-build.ts';
import { addMissingColumns } from '../../iceberg/write/evolve-schema.ts';
import { writeTable, type WriteResult } from '../../iceberg/write/commit.ts';
import { currentSchema } from '../../iceberg/write/snapshot-producer.ts';
import type { TrainingRows } from '../../features/training-features.ts';
import { DOUBLE_COLUMNS, LONG_COLUMNS, type TrainingChunk, type Utf8Values } from '../../features/training-chunk.ts';

const LONGS = [
  'decision_point_minutes', 'time_since_upload_seconds', 'hour_of_day', 'day_of_week', 'is_weekend',
  'views_5min', 'views_1hr', 'comments_5min', 'comments_1hr',
] as const;
const DOUBLES = ['view_velocity_per_min', 'comment_to_view_ratio', 'recent_engagement_score'] as const;
const MORE_LONGS = ['caption_length', 'has_caption', 'user_image_count', 'user_age_days'] as const;

// Optional columns, as the seed's pandas -> PyIceberg load created them: a table made by either
// accepts the other's data.
const fields: Omit<NestedField, 'id'>[] = [
  { name: 'image_id', required: false, type: 'string' },
  ...LONGS.map((name) => ({ name, required: false, type: 'long' as const })),
  ...DOUBLES.map((name) => ({ name, required: false, type: 'double' as const })),
  ...MORE_LONGS.map((name) => ({ name, required: false, type: 'long' as const })),
  { name: 'category', required: false, type: 'string' },
  { name: 'label_needs_moderation_24h', required: false, type: 'long' },
  { name: 'label_window_complete', required: false, type: 'boolean' },
];

export const TRAINING_SCHEMA: Schema = { type: 'struct', 'schema-id': 0, fields: fields.map((f, i) => ({ ...f, id: i + 1 })) };

export const TRAINING_TABLE: TableIdentifier = { namespace: ['moderation'], name: 'training_data' };

/** A string column in Arrow's layout, or plain strings. */
type Strings = string[] | Utf8Values;

/** One batch of `schema` (the table's own: its field ids and column order) from named columns. */
function batchOf(arrow: ReturnType<typeof arrowSchemaFromIceberg>, schema: Schema, n: number, value: (name: string) => unknown, kind: (name: string) => 'long' | 'double' | 'boolean' | 'string' | undefined): RecordBatch {
  const columns = schema.fields.map((f): ColumnValues => {
    const have = kind(f.name);
    if (!have) throw new Error(`moderation.training_data has a column "${f.name}" that the features do not produce`);
    const v = value(f.name);
    // pandas turns an integer column with a missing value into floats, so a seed-made table may
    // hold a count as double: whole numbers are exact there.
    if (have === 'long' && f.type === 'double') return { kind: 'float64', values: longsAsDoubles(v as BigInt64Array) };
    if (f.type !== have) throw new Error(`moderation.training_data column "${f.name}" is ${JSON.stringify(f.type)}; the features give ${have}`);
    switch (have) {
      case 'long': return { kind: 'int64', values: v as BigInt64Array };
      case 'double': return { kind: 'float64', values: v as Float64Array };
      case 'boolean': return { kind: 'bool', values: v as boolean[] };
      case 'string': return { kind: 'utf8', values: v as Strings };
    }
  });
  return batchFromColumns(arrow, columns, n);
}

function longsAsDoubles(longs: BigInt64Array): Float64Array {
  const words = new Int32Array(longs.buffer, longs.byteOffset, longs.length * 2);
  return Float64Array.from({ length: longs.length }, (_, i) => words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0));
}

const KIND = new Map<string, 'long' | 'double' | 'boolean' | 'string'>([
  ...LONG_COLUMNS.map((c) => [c, 'long'] as const), ...DOUBLE_COLUMNS.map((c) => [c, 'double'] as const),
  ['image_id', 'string'], ['category', 'string'], ['label_window_complete', 'boolean'],
]);

/** The feature computation's chunks as record batches of `schema`. */
export function* chunkBatches(chunks: Iterable<TrainingChunk>, schema: Schema): Generator<RecordBatch> {
  const arrow = arrowSchemaFromIceberg(schema);
  for (const c of chunks) {
    const value = (name: string): unknown => (c.longs as Record<string, unknown>)[name] ?? (c.doubles as Record<string, unknown>)[name]
      ?? (c.strings as Record<string, unknown>)[name] ?? (c.booleans as Record<string, unknown>)[name];
    yield batchOf(arrow, schema, c.length, value, (name) => KIND.get(name));
  }
}

/** Feature rows held as plain arrays (tests, small inputs) as record batches of `schema`. */
export function* trainingBatches(rows: TrainingRows, schema: Schema, batchRows = 65536): Generator<RecordBatch> {
  const arrow = arrowSchemaFromIceberg(schema);
  const n = rows.image_id.length;
  for (let start = 0; start < n || (start === 0 && n === 0); start += batchRows) {
    const end = Math.min(n, start + batchRows);
    const value = (name: string): unknown => {
      const part = (rows as unknown as Record<string, unknown[]>)[name]!.slice(start, end);
      const k = KIND.get(name);
      return k === 'long' ? BigInt64Array.from(part as number[], (v) => BigInt(v)) : k === 'double' ? Float64Array.from(part as number[]) : part;
    };
    yield batchOf(arrow, schema, end - start, value, (name) => KIND.get(name));
    if (n === 0) return;
  }
}

/** Replaces the table's contents with `rows` in one snapshot, creating or evolving the table first. */
export async function loadTrainingData(
  catalog: Catalog, io: FileIOFor, rows: TrainingRows | Iterable<TrainingChunk>, summary: Record<string, string>, id = TRAINING_TABLE,
  signal?: AbortSignal, onDataFilesWritten?: (files: number, bytes: bigint) => void,
): Promise<WriteResult & { createdTable: boolean; addedColumns: string[] }> {
  const { created } = await ensureTable(catalog, id, { schema: TRAINING_SCHEMA });
  const { table, added } = await addMissingColumns(catalog, id, TRAINING_SCHEMA.fields.map(({ id: _id, ...f }) => f));
  const schema = currentSchema(table.metadata);
  const batches = Symbol.iterator in rows ? chunkBatches(rows, schema) : trainingBatches(rows, schema);
  const result = await writeTable(catalog, id, io, batches, { mode: 'replace', summary, signal, onDataFilesWritten });
  return { ...result, createdTable: created, addedColumns: added };
}
