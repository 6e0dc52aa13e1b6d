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

/** The feature rows as record batches of `schema` (the table's own, so its field ids are used). */
export function* trainingBatches(rows: TrainingRows, schema: Schema, batchRows = 65536): Generator<RecordBatch> {
  const arrow = arrowSchemaFromIceberg(schema);
  const n = rows.image_id.length;
  for (let start = 0; start < n || (start === 0 && n === 0); start += batchRows) {
    const end = Math.min(n, start + batchRows);
    const columns = schema.fields.map((f): ColumnValues => {
      const values = (rows as unknown as Record<string, unknown[]>)[f.name];
      if (!values) throw new Error(`moderation.training_data has a column "${f.name}" that the features do not produce`);
      const part = values.slice(start, end);
      switch (f.type) {
        case 'long': return { kind: 'int64', values: BigInt64Array.from(part as number[], (v) => BigInt(v)) };
        case 'double': return { kind: 'float64', values: Float64Array.from(part as number[]) };
        case 'boolean': return { kind: 'bool', values: part as boolean[] };
        case 'string': return { kind: 'utf8', values: part as string[] };
        default: throw new Error(`moderation.training_data column "${f.name}" is ${JSON.stringify(f.type)}; the features need long, double, boolean or string`);
      }
    });
    yield batchFromColumns(arrow, columns, end - start);
    if (n === 0) return;
  }
}

/** Replaces the table's contents with `rows` in one snapshot, creating or evolving the table first. */
export async function loadTrainingData(
  catalog: Catalog, io: FileIOFor, rows: TrainingRows, summary: Record<string, string>, id = TRAINING_TABLE, signal?: AbortSignal,
): Promise<WriteResult & { createdTable: boolean; addedColumns: string[] }> {
  const { created } = await ensureTable(catalog, id, { schema: TRAINING_SCHEMA });
  const { table, added } = await addMissingColumns(catalog, id, TRAINING_SCHEMA.fields.map(({ id: _id, ...f }) => f));
  const result = await writeTable(catalog, id, io, trainingBatches(rows, currentSchema(table.metadata)), { mode: 'replace', summary, signal });
  return { ...result, createdTable: created, addedColumns: added };
}
