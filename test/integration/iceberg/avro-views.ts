/**
 * The JSON shape in which avro-interop.test.ts compares Floe's reading of manifests with
 * PyIceberg's: avro_interop.py prints PyIceberg's side in it (integers as strings, because
 * snapshot ids are 63-bit, and bytes as hex); these functions put Floe's side in it.
 */
import type { ManifestEntry, ManifestFile, PartitionSpec } from '../../../core/iceberg/spec/types.ts';

export type Json = null | boolean | string | Json[] | { [key: string]: Json };
export interface ListView { path: string; metadata: Record<string, string>; manifests: ManifestView[] }
export interface ManifestView { file: Json; metadata: Record<string, string>; raw_entries: Json[]; entries: Json[] }
export interface TableView {
  format_version: string;
  location: string;
  spec: PartitionSpec;
  snapshots: { snapshot_id: string; parent_snapshot_id: string | null; sequence_number: string; manifest_list: string; list: ListView }[];
}

/** Python's `plain()`: integers as strings, bytes as hex, maps as objects. */
export function plain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  throw new Error(`cannot convert ${typeof value}`);
}

export function manifestFileView(m: ManifestFile): Json {
  return {
    manifest_path: m.manifestPath, manifest_length: plain(m.manifestLength), partition_spec_id: plain(m.partitionSpecId),
    content: plain(m.content), sequence_number: plain(m.sequenceNumber), min_sequence_number: plain(m.minSequenceNumber),
    added_snapshot_id: plain(m.addedSnapshotId), added_files_count: plain(m.addedFilesCount),
    existing_files_count: plain(m.existingFilesCount), deleted_files_count: plain(m.deletedFilesCount),
    added_rows_count: plain(m.addedRowsCount), existing_rows_count: plain(m.existingRowsCount),
    deleted_rows_count: plain(m.deletedRowsCount),
    partitions: m.partitions?.map((p) => ({
      contains_null: p.containsNull, contains_nan: p.containsNaN ?? null, lower_bound: plain(p.lowerBound), upper_bound: plain(p.upperBound),
    })) ?? null,
    key_metadata: plain(m.keyMetadata),
  };
}

export function entryView(e: ManifestEntry, spec: PartitionSpec): Json {
  const df = e.dataFile;
  return {
    status: plain(e.status), snapshot_id: plain(e.snapshotId), sequence_number: plain(e.sequenceNumber),
    file_sequence_number: plain(e.fileSequenceNumber),
    data_file: {
      content: plain(df.content), file_path: df.filePath, file_format: df.fileFormat,
      partition: spec.fields.map((f) => plain(df.partition[f['field-id']])),
      record_count: plain(df.recordCount), file_size_in_bytes: plain(df.fileSizeInBytes),
      column_sizes: plain(df.columnSizes), value_counts: plain(df.valueCounts), null_value_counts: plain(df.nullValueCounts),
      nan_value_counts: plain(df.nanValueCounts), lower_bounds: plain(df.lowerBounds), upper_bounds: plain(df.upperBounds),
      key_metadata: plain(df.keyMetadata), split_offsets: plain(df.splitOffsets), equality_ids: plain(df.equalityIds),
      sort_order_id: plain(df.sortOrderId),
    },
  };
}
