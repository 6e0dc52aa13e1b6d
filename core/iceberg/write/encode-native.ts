/**
 * One data file through the native codec (parquet-native.ts): encoded on the libuv pool from the
 * partition's batches as they are, with its column metrics taken from the footer the encoder wrote
 * (footer-metrics.ts) rather than from a scan of the rows on the writer's thread.
 */
import type { RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import type { ParquetAddon } from '../parquet-native.ts';
import { encodeFileNative } from '../parquet-native-write.ts';
import type { ParquetEncodeOptions } from '../parquet.ts';
import type { Schema } from '../spec/types.ts';
import type { EncodedDataFile } from './encode-file.ts';
import { noteNativeEncode } from './encode-pool.ts';
import { footerMetrics, footerTruncateBytes } from '../footer-metrics.ts';

/** Encodes batches laid out as `arrow` (the table's Arrow schema, see conform.ts); they must not change until it settles. */
export async function encodeDataFileNative(
  addon: ParquetAddon, schema: Schema, arrow: ArrowSchema, batches: RecordBatch[], options: ParquetEncodeOptions,
): Promise<EncodedDataFile> {
  const started = performance.now();
  const uuidColumns = schema.fields.filter((f) => f.type === 'uuid').map((f) => f.name);
  const { bytes, info, uuidOrdersAgree } = await encodeFileNative(addon, arrow, batches, options, { statisticsTruncateLength: footerTruncateBytes(schema), uuidColumns });
  const byName = new Map<string, number>();
  for (const rg of info.rowGroups) {
    rg.columns.forEach((c, leaf) => {
      const name = info.leaves[leaf]![0]!;
      byName.set(name, (byName.get(name) ?? 0) + c.compressedSize);
    });
  }
  const columnSizes = new Map<number, number>();
  for (const field of schema.fields) {
    const size = byName.get(field.name);
    if (size !== undefined) columnSizes.set(field.id, size);
  }
  const metrics = footerMetrics(schema, info, uuidOrdersAgree);
  noteNativeEncode(performance.now() - started);
  return { bytes, rows: info.numRows, columnSizes, metrics };
}
