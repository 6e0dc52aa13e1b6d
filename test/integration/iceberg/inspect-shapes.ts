/**
 * PyIceberg's `table.inspect` rows as pyiceberg_cli.py `inspect` prints them, and Floe's metadata
 * views mapped onto those shapes, so a test compares the two with one toEqual. Only what both
 * have is mapped: PyIceberg lacks sequence numbers and statuses on files, Floe lists metrics only
 * for measured columns (PyIceberg every top-level column, with nulls).
 */
import type { FileView, ManifestView, PartitionView, RefView } from '../../../core/iceberg/read/metadata-views.ts';
import type { NestedField } from '../../../core/iceberg/spec/types.ts';

type Counts = Record<string, number> | null;

export interface PyMetrics {
  column_size: number | null; value_count: number | null; null_value_count: number | null; nan_value_count: number | null;
  lower_bound: string | null; upper_bound: string | null;
}

export interface PyFile {
  content: number; file_path: string; file_format: string; spec_id: number; record_count: number; file_size_in_bytes: number;
  sort_order_id: number | null; split_offsets: number[] | null; partition: Record<string, string | null>;
  column_sizes: Counts; value_counts: Counts; null_value_counts: Counts; nan_value_counts: Counts;
  readable_metrics: Record<string, PyMetrics>;
}

export interface PyInspect {
  properties: Record<string, string>;
  snapshot_meta: { snapshot_id: string; sequence_number: string; schema_id: number | null }[];
  snapshots: { committed_at: number; snapshot_id: string; parent_id: string | null; operation: string; manifest_list: string; summary: Record<string, string> }[];
  history: { made_current_at: number; snapshot_id: string; parent_id: string | null; is_current_ancestor: boolean }[];
  refs: ReturnType<typeof asPyRef>[];
  manifests: ReturnType<typeof asPyManifest>[];
  files: PyFile[];
  partitions: (Omit<ReturnType<typeof asPyPartition>, 'key'>)[];
}

/** Rows keyed by a field, for comparing listings whose order is not part of the contract. */
export function byKey<T extends object>(rows: T[], key: keyof T): Record<string, T> {
  return Object.fromEntries(rows.map((r) => [String(r[key]), r]));
}

/**
 * A PyIceberg file row with absent metric maps as empty ones: the views cannot tell a map a writer
 * left out from an empty one, and neither means anything else to a reader.
 */
export function pyFileNormalized(f: PyFile): PyFile {
  return {
    ...f, column_sizes: f.column_sizes ?? {}, value_counts: f.value_counts ?? {},
    null_value_counts: f.null_value_counts ?? {}, nan_value_counts: f.nan_value_counts ?? {},
  };
}

export function asPyRef(r: RefView) {
  return {
    name: r.name, type: r.type.toUpperCase(), snapshot_id: r.snapshotId,
    max_reference_age_in_ms: r.maxRefAgeMs, min_snapshots_to_keep: r.minSnapshotsToKeep, max_snapshot_age_in_ms: r.maxSnapshotAgeMs,
  };
}

export function asPyManifest(m: ManifestView) {
  const data = m.content === 'data';
  return {
    content: data ? 0 : 1, path: m.path, length: m.length, partition_spec_id: m.partitionSpecId, added_snapshot_id: m.addedSnapshotId,
    added_data_files_count: data ? m.addedFilesCount : 0, existing_data_files_count: data ? m.existingFilesCount : 0,
    deleted_data_files_count: data ? m.deletedFilesCount : 0, added_delete_files_count: data ? 0 : m.addedFilesCount,
    existing_delete_files_count: data ? 0 : m.existingFilesCount, deleted_delete_files_count: data ? 0 : m.deletedFilesCount,
    partition_summaries: m.partitionSummaries.map((s) => ({
      contains_null: s.containsNull, contains_nan: s.containsNaN, lower_bound: s.lowerBound, upper_bound: s.upperBound,
    })),
  };
}

const CONTENT = { data: 0, 'position-deletes': 1, 'equality-deletes': 2 } as const;

/** The file as PyIceberg's files table has it; `topLevel` gives its readable_metrics columns. */
export function asPyFile(f: FileView, topLevel: NestedField[]): PyFile {
  const columns = Object.values(f.columns);
  const counts = (pick: (c: FileView['columns'][string]) => number | null): Record<string, number> =>
    Object.fromEntries(columns.flatMap((c) => (pick(c) === null ? [] : [[String(c.fieldId), pick(c)!]])));
  return {
    content: CONTENT[f.content], file_path: f.path, file_format: f.format, spec_id: f.specId, record_count: f.recordCount,
    file_size_in_bytes: f.fileSizeInBytes, sort_order_id: f.sortOrderId, split_offsets: f.splitOffsets, partition: f.partition,
    column_sizes: counts((c) => c.columnSize), value_counts: counts((c) => c.valueCount),
    null_value_counts: counts((c) => c.nullValueCount), nan_value_counts: counts((c) => c.nanValueCount),
    readable_metrics: Object.fromEntries(topLevel.map((field) => {
      const c = f.columns[field.name];
      return [field.name, {
        column_size: c?.columnSize ?? null, value_count: c?.valueCount ?? null, null_value_count: c?.nullValueCount ?? null,
        nan_value_count: c?.nanValueCount ?? null, lower_bound: c?.lowerBound ?? null, upper_bound: c?.upperBound ?? null,
      }];
    })),
  };
}

export function asPyPartition(p: PartitionView) {
  return {
    key: JSON.stringify(p.partition), partition: p.partition, spec_id: p.specId, record_count: p.recordCount, file_count: p.fileCount,
    total_data_file_size_in_bytes: p.totalDataFileSizeInBytes, position_delete_record_count: p.positionDeleteRecordCount,
    position_delete_file_count: p.positionDeleteFileCount, equality_delete_record_count: p.equalityDeleteRecordCount,
    equality_delete_file_count: p.equalityDeleteFileCount, last_updated_at: p.lastUpdatedAtMs, last_updated_snapshot_id: p.lastUpdatedSnapshotId,
  };
}
