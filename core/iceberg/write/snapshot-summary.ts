/**
 * Snapshot summaries as Java and PyIceberg write them: what this snapshot added and removed, and
 * table totals carried forward from the parent (omitted when the parent has none to carry).
 */
import type { DataFile, Snapshot, SnapshotOperation, SnapshotSummary } from '../spec/types.ts';

export interface SummaryInput {
  operation: SnapshotOperation;
  added: DataFile[];
  removed: DataFile[];
  parent: Snapshot | undefined;
  /** Exact totals when the producer knows them (replace-all); otherwise carried from the parent. */
  exactTotals?: { records: bigint; filesSize: bigint; dataFiles: bigint; deleteFiles: bigint; positionDeletes: bigint; equalityDeletes: bigint };
  extra?: Record<string, string>;
}

const sum = (files: DataFile[], f: (d: DataFile) => bigint) => files.reduce((s, d) => s + f(d), 0n);

export function buildSummary(i: SummaryInput): SnapshotSummary {
  const addedData = i.added.filter((f) => f.content === 0);
  const removedData = i.removed.filter((f) => f.content === 0);
  const partitions = new Set([...i.added, ...i.removed].map((f) => JSON.stringify(f.partition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
  const s: SnapshotSummary = { operation: i.operation };
  const put = (key: string, v: bigint, skipZero = true) => { if (!skipZero || v !== 0n) s[key] = v.toString(); };
  put('added-data-files', BigInt(addedData.length));
  put('added-records', sum(addedData, (f) => f.recordCount));
  put('added-files-size', sum(i.added, (f) => f.fileSizeInBytes));
  put('deleted-data-files', BigInt(removedData.length));
  put('deleted-records', sum(removedData, (f) => f.recordCount));
  put('removed-files-size', sum(i.removed, (f) => f.fileSizeInBytes));
  put('changed-partition-count', BigInt(partitions.size), false);

  const deltas: [string, bigint][] = [
    ['total-records', sum(addedData, (f) => f.recordCount) - sum(removedData, (f) => f.recordCount)],
    ['total-files-size', sum(i.added, (f) => f.fileSizeInBytes) - sum(i.removed, (f) => f.fileSizeInBytes)],
    ['total-data-files', BigInt(addedData.length - removedData.length)],
    ['total-delete-files', BigInt((i.added.length - addedData.length) - (i.removed.length - removedData.length))],
    ['total-position-deletes', 0n],
    ['total-equality-deletes', 0n],
  ];
  if (i.exactTotals) {
    const t = i.exactTotals;
    const exact: Record<string, bigint> = {
      'total-records': t.records, 'total-files-size': t.filesSize, 'total-data-files': t.dataFiles,
      'total-delete-files': t.deleteFiles, 'total-position-deletes': t.positionDeletes, 'total-equality-deletes': t.equalityDeletes,
    };
    for (const [key, value] of Object.entries(exact)) s[key] = value.toString();
  } else {
    for (const [key, delta] of deltas) {
      const before = i.parent ? i.parent.summary[key] : '0';
      if (before !== undefined && /^-?\d+$/.test(before)) s[key] = (BigInt(before) + delta).toString();
    }
  }
  return { ...s, ...i.extra, operation: i.operation };
}
