/**
 * One data file's Parquet bytes, from a partition's batches, with what the manifest entry needs
 * from the file itself (row count and compressed column sizes; the value metrics come from the
 * rows as the writer buffers them). The same function runs in an encoder worker (encode-worker.ts)
 * and, for small files or when no worker can run, in the writer's own thread; its result is plain
 * data a worker can post. It imports little, so that a worker starts quickly. With the native
 * codec, the writer uses encode-native.ts instead.
 */
import type { RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import { encodeParquet, type ParquetEncodeOptions } from '../parquet.ts';
import type { ColumnMetrics } from '../spec/column-stats.ts';
import type { Schema } from '../spec/types.ts';

export interface EncodedDataFile {
  bytes: Uint8Array;
  /** Rows in the file, from its footer. */
  rows: number;
  /** Compressed bytes per top-level field id. */
  columnSizes: Map<number, number>;
  /** Metrics of the top-level primitive columns by field id, when the encoder's footer gave them (encode-native.ts). */
  metrics?: Map<number, ColumnMetrics>;
}

/** Encodes batches laid out as `arrow` (the table's Arrow schema, see conform.ts) into one Parquet file. */
export async function encodeDataFile(
  schema: Schema, arrow: ArrowSchema, batches: RecordBatch[], options: ParquetEncodeOptions,
): Promise<EncodedDataFile> {
  const { bytes, footer } = await encodeParquet(arrow, batches, options);
  const sizes = footer.columnSizes();
  const columnSizes = new Map<number, number>();
  for (const field of schema.fields) {
    const size = sizes.get(field.name);
    if (size !== undefined) columnSizes.set(field.id, size);
  }
  return { bytes, rows: footer.numRows, columnSizes };
}
