/**
 * Table metadata views for Floe's Iceberg browser and CLI: the metadata tables Java and PyIceberg
 * offer (snapshots, history, refs, manifests, files, partitions) and a table overview, as plain
 * JSON-able objects.
 *
 * Value conventions, the same in every view:
 * - Snapshot ids and sequence numbers are decimal strings: they are 63-bit, and a JS number (and
 *   so JSON.parse) rounds them. Views that take a snapshot accept that string back.
 * - Counts and byte sizes are numbers: exact up to 2^53, beyond any real table.
 * - Times are ms since the epoch (`...Ms`) with the same instant as ISO-8601 UTC text beside it.
 * - Partition values and column bounds are text as Iceberg prints them (PyIceberg's
 *   to_human_string): `2026-03-10` for a day, `2026-03-10T12:00:00+00:00` for a timestamptz,
 *   decimals as digits, binary as base64, null for null. A bound that does not decode as its
 *   column's type, or of a type that is not known, shows as `0x` hex.
 * Nothing here has a bigint, a Map or a Uint8Array: JSON.stringify takes every view as it is.
 *
 * snapshotsView, historyView, refsView and tableSummary read only the metadata. manifestsView
 * reads the manifest list; filesView and partitionsView read manifests too (filesView only those a
 * page needs).
 */
export { snapshotsView, historyView, refsView, type SnapshotView, type HistoryEntryView, type RefView, type RefRetention } from './metadata-views/snapshot-views.ts';
export { tableSummary, redactProperties, REDACTED, type TableSummaryView, type SchemaFieldView, type PartitionSpecView, type SortOrderView, type SnapshotTotals } from './metadata-views/table-summary.ts';
export { manifestsView, type ManifestView, type PartitionSummaryView } from './metadata-views/manifest-views.ts';
export {
  filesView, fileViewStream,
  type FileView, type FilesPage, type FilesViewOptions, type FileStreamOptions, type FileContentFilter, type FileContentView, type ColumnMetricsView,
} from './metadata-views/file-views.ts';
export { partitionsView, type PartitionView } from './metadata-views/partition-views.ts';
export { chooseSnapshot, type SnapshotChoice } from './metadata-views/manifest-reading.ts';
export type { ReadableValue } from './metadata-views/view-values.ts';
