/**
 * Per-partition totals of a snapshot's live files (Iceberg's `partitions` metadata table). Reads
 * every manifest of the snapshot, a few at a time, keeping one row per partition in memory.
 */
import type { FileIO } from '../../../io/file-io.ts';
import { comparatorFor } from '../../spec/bounds.ts';
import { EntryStatus, FileContent, type PartitionValues, type TableMetadata } from '../../spec/types.ts';
import type { IcebergValue } from '../../spec/values.ts';
import { chooseSnapshot, manifestEntries, snapshotManifests, type SnapshotChoice } from './manifest-reading.ts';
import { idText, isoTime, PartitionFieldsCache, quantity, readablePartition, type PartitionFieldInfo, type ReadableValue } from './view-values.ts';

export interface PartitionView {
  specId: number;
  /** Values keyed by partition field name; {} for an unpartitioned table's single row. */
  partition: Record<string, ReadableValue>;
  /** Data files only, as in Java's and PyIceberg's partitions table. */
  recordCount: number;
  fileCount: number;
  totalDataFileSizeInBytes: number;
  positionDeleteRecordCount: number;
  positionDeleteFileCount: number;
  equalityDeleteRecordCount: number;
  equalityDeleteFileCount: number;
  /** The newest snapshot that added a live file of the partition (null if all have expired). */
  lastUpdatedAtMs: number | null;
  lastUpdatedAt: string | null;
  lastUpdatedSnapshotId: string | null;
}

interface Totals {
  specId: number;
  fields: PartitionFieldInfo[];
  values: PartitionValues;
  records: bigint; files: number; size: bigint;
  posRecords: bigint; posFiles: number; eqRecords: bigint; eqFiles: number;
  lastMs: number | null; lastSnapshot: bigint | null;
}

/** A key that tells partition tuples apart by value, whatever the value types (bigint, bytes). */
function tupleKey(specId: number, fields: PartitionFieldInfo[], values: PartitionValues): string {
  const text = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v); // NaN too, which JSON would print as null
    return JSON.stringify(v);
  };
  return `${specId}|${fields.map((f) => text(values[f.fieldId])).join('|')}`;
}

/** Spec id, then each field's values in Iceberg's order for its type, nulls first. */
function comparePartitions(a: Totals, b: Totals): number {
  if (a.specId !== b.specId) return a.specId - b.specId;
  for (const f of a.fields) {
    const x = a.values[f.fieldId] as IcebergValue | null | undefined;
    const y = b.values[f.fieldId] as IcebergValue | null | undefined;
    if (x === y) continue;
    if (x === null || x === undefined) return -1;
    if (y === null || y === undefined) return 1;
    const c = f.type ? comparatorFor(f.type)(x, y) : String(x).localeCompare(String(y));
    if (c !== 0) return c;
  }
  return 0;
}

/** One row per partition of the snapshot (default: the current one), ordered by partition values. */
export async function partitionsView(io: FileIO, md: TableMetadata, snapshot?: SnapshotChoice, signal?: AbortSignal): Promise<PartitionView[]> {
  const manifests = await snapshotManifests(io, chooseSnapshot(md, snapshot), signal);
  const committedAt = new Map(md.snapshots.map((s) => [s['snapshot-id'], s['timestamp-ms']]));
  const specs = new PartitionFieldsCache(md);
  const rows = new Map<string, Totals>();
  for await (const { manifest, entries } of manifestEntries(io, manifests, signal)) {
    const specId = manifest.partitionSpecId;
    const fields = specs.get(specId);
    for (const e of entries) {
      if (e.status === EntryStatus.Deleted) continue;
      const f = e.dataFile;
      const key = tupleKey(specId, fields, f.partition);
      let row = rows.get(key);
      if (!row) {
        row = { specId, fields, values: f.partition, records: 0n, files: 0, size: 0n, posRecords: 0n, posFiles: 0, eqRecords: 0n, eqFiles: 0, lastMs: null, lastSnapshot: null };
        rows.set(key, row);
      }
      const at = e.snapshotId === null ? undefined : committedAt.get(e.snapshotId);
      if (at !== undefined && (row.lastMs === null || at > row.lastMs)) {
        row.lastMs = at;
        row.lastSnapshot = e.snapshotId;
      }
      if (f.content === FileContent.Data) {
        row.records += f.recordCount;
        row.files++;
        row.size += f.fileSizeInBytes;
      } else if (f.content === FileContent.PositionDeletes) {
        row.posRecords += f.recordCount;
        row.posFiles++;
      } else {
        row.eqRecords += f.recordCount;
        row.eqFiles++;
      }
    }
  }
  return [...rows.values()].sort(comparePartitions).map((r): PartitionView => ({
    specId: r.specId,
    partition: readablePartition(r.fields, r.values),
    recordCount: quantity(r.records),
    fileCount: r.files,
    totalDataFileSizeInBytes: quantity(r.size),
    positionDeleteRecordCount: quantity(r.posRecords),
    positionDeleteFileCount: r.posFiles,
    equalityDeleteRecordCount: quantity(r.eqRecords),
    equalityDeleteFileCount: r.eqFiles,
    lastUpdatedAtMs: r.lastMs,
    lastUpdatedAt: r.lastMs === null ? null : isoTime(r.lastMs),
    lastUpdatedSnapshotId: r.lastSnapshot === null ? null : idText(r.lastSnapshot),
  }));
}
