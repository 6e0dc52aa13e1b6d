/**
 * The live data and delete files of a snapshot (Iceberg's `files` metadata table), streamed one
 * manifest at a time and paged by offset, so a table of 100k files never sits in memory: a page
 * reads only the manifests it needs, and in v2 tables skips whole manifests before the offset by
 * the manifest list's file counts without reading them.
 */
import type { FileIO } from '../../../io/file-io.ts';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type ManifestEntry, type ManifestFile, type TableMetadata } from '../../spec/types.ts';
import { chooseSnapshot, manifestEntries, snapshotManifests, type SnapshotChoice } from './manifest-reading.ts';
import {
  columnIndex, idText, optionalIdText, PartitionFieldsCache, quantity, readableBound, readablePartition,
  type ColumnInfo, type PartitionFieldInfo, type ReadableValue,
} from './view-values.ts';

export type FileContentView = 'data' | 'position-deletes' | 'equality-deletes';

export interface ColumnMetricsView {
  fieldId: number;
  columnSize: number | null;
  valueCount: number | null;
  nullValueCount: number | null;
  nanValueCount: number | null;
  lowerBound: ReadableValue;
  upperBound: ReadableValue;
}

export interface FileView {
  content: FileContentView;
  path: string;
  format: string;
  specId: number;
  /** Partition values keyed by partition field name. */
  partition: Record<string, ReadableValue>;
  recordCount: number;
  fileSizeInBytes: number;
  status: 'added' | 'existing';
  /** The snapshot that added the file. */
  snapshotId: string | null;
  sequenceNumber: string | null;
  fileSequenceNumber: string | null;
  sortOrderId: number | null;
  equalityIds: number[] | null;
  splitOffsets: number[] | null;
  /**
   * Metrics of each column the file has any for, keyed by full column name (current names; a
   * column dropped since keeps its old name), in schema order.
   */
  columns: Record<string, ColumnMetricsView>;
}

/** Which files: all (default), data files only, or delete files (position and equality) only. */
export type FileContentFilter = 'data' | 'deletes';

export interface FileStreamOptions {
  snapshot?: SnapshotChoice;
  content?: FileContentFilter;
  /** Live files to skip first, counted in manifest-list then manifest order. */
  offset?: number;
  signal?: AbortSignal;
}

export interface FilesViewOptions extends FileStreamOptions {
  /** Files per page (at least 1); default 100. */
  limit?: number;
}

export interface FilesPage {
  /** The snapshot listed: ask for the next page with this one, so pages come from one snapshot. */
  snapshotId: string | null;
  offset: number;
  files: FileView[];
  /** Offset of the next page; null after the last. */
  nextOffset: number | null;
  /** Live files in all (exact from v2 manifest lists; null for v1, whose counts may be missing). */
  total: number | null;
}

const CONTENT: Record<number, FileContentView> = {
  [FileContent.Data]: 'data', [FileContent.PositionDeletes]: 'position-deletes', [FileContent.EqualityDeletes]: 'equality-deletes',
};

function columnMetrics(columns: Map<number, ColumnInfo>, f: DataFile): Record<string, ColumnMetricsView> {
  const ids = new Set<number>();
  for (const map of [f.columnSizes, f.valueCounts, f.nullValueCounts, f.nanValueCounts, f.lowerBounds, f.upperBounds]) {
    for (const id of map?.keys() ?? []) ids.add(id);
  }
  const order = (id: number) => columns.get(id)?.order ?? Number.MAX_SAFE_INTEGER;
  const count = (map: Map<number, bigint> | undefined, id: number) => {
    const v = map?.get(id);
    return v === undefined ? null : quantity(v);
  };
  const out: Record<string, ColumnMetricsView> = {};
  for (const id of [...ids].sort((a, b) => order(a) - order(b) || a - b)) {
    const column = columns.get(id);
    const type = column?.type ?? null;
    out[column?.name ?? `#${id}`] = {
      fieldId: id,
      columnSize: count(f.columnSizes, id),
      valueCount: count(f.valueCounts, id),
      nullValueCount: count(f.nullValueCounts, id),
      nanValueCount: count(f.nanValueCounts, id),
      lowerBound: readableBound(type, f.lowerBounds?.get(id)),
      upperBound: readableBound(type, f.upperBounds?.get(id)),
    };
  }
  return out;
}

export function fileView(columns: Map<number, ColumnInfo>, fields: PartitionFieldInfo[], specId: number, e: ManifestEntry): FileView {
  const f = e.dataFile;
  return {
    content: CONTENT[f.content] ?? 'data',
    path: f.filePath,
    format: f.fileFormat,
    specId,
    partition: readablePartition(fields, f.partition),
    recordCount: quantity(f.recordCount),
    fileSizeInBytes: quantity(f.fileSizeInBytes),
    status: e.status === EntryStatus.Added ? 'added' : 'existing',
    snapshotId: optionalIdText(e.snapshotId),
    sequenceNumber: optionalIdText(e.sequenceNumber),
    fileSequenceNumber: optionalIdText(e.fileSequenceNumber),
    sortOrderId: f.sortOrderId ?? null,
    equalityIds: f.equalityIds ?? null,
    splitOffsets: f.splitOffsets?.map(quantity) ?? null,
    columns: columnMetrics(columns, f),
  };
}

const wanted = (filter: FileContentFilter | undefined, m: ManifestFile) =>
  filter === undefined || (filter === 'data') === (m.content === ManifestContent.Data);

/** v2 manifest lists count live files exactly (required fields); v1 lists may leave them out. */
const exactCounts = (md: TableMetadata) => md['format-version'] >= 2;
const liveFiles = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount;

/** The manifests to read for files from `offset` on, and how many live files to skip in them. */
function manifestsFrom(md: TableMetadata, manifests: ManifestFile[], offset: number): { read: ManifestFile[]; skip: number } {
  if (!exactCounts(md)) return { read: manifests, skip: offset };
  const read: ManifestFile[] = [];
  let skip = offset;
  for (const m of manifests) {
    const live = liveFiles(m);
    if (live === 0) continue;
    if (read.length === 0 && skip >= live) skip -= live;
    else read.push(m);
  }
  return { read, skip };
}

/** Every live file of the snapshot from `offset` on, one manifest's worth in memory at a time. */
export async function* fileViewStream(io: FileIO, md: TableMetadata, o: FileStreamOptions = {}): AsyncGenerator<FileView> {
  const manifests = (await snapshotManifests(io, chooseSnapshot(md, o.snapshot), o.signal)).filter((m) => wanted(o.content, m));
  yield* filesOf(io, md, manifests, Math.max(0, o.offset ?? 0), o.signal);
}

async function* filesOf(io: FileIO, md: TableMetadata, manifests: ManifestFile[], offset: number, signal?: AbortSignal): AsyncGenerator<FileView> {
  const { read, skip: toSkip } = manifestsFrom(md, manifests, offset);
  let skip = toSkip;
  const columns = columnIndex(md);
  const specs = new PartitionFieldsCache(md);
  for await (const { manifest, entries } of manifestEntries(io, read, signal)) {
    const fields = specs.get(manifest.partitionSpecId);
    for (const e of entries) {
      if (e.status === EntryStatus.Deleted) continue;
      if (skip > 0) { skip--; continue; }
      yield fileView(columns, fields, manifest.partitionSpecId, e);
    }
  }
}

/** One page of the snapshot's live files (default: the current snapshot, 100 files from offset 0). */
export async function filesView(io: FileIO, md: TableMetadata, o: FilesViewOptions = {}): Promise<FilesPage> {
  const snapshot = chooseSnapshot(md, o.snapshot);
  const offset = Math.max(0, o.offset ?? 0);
  const limit = Math.max(1, Math.floor(o.limit ?? 100));
  const manifests = (await snapshotManifests(io, snapshot, o.signal)).filter((m) => wanted(o.content, m));
  const total = exactCounts(md) ? manifests.reduce((n, m) => n + liveFiles(m), 0) : null;
  // Without a total, one file beyond the page tells whether there is a next page.
  const want = total === null ? limit + 1 : Math.min(limit, Math.max(0, total - offset));
  const files: FileView[] = [];
  if (want > 0) {
    for await (const f of filesOf(io, md, manifests, offset, o.signal)) {
      files.push(f);
      if (files.length >= want) break;
    }
  }
  const more = total === null ? files.length > limit : files.length === want && offset + want < total;
  return {
    snapshotId: snapshot ? idText(snapshot['snapshot-id']) : null,
    offset,
    files: files.slice(0, limit),
    nextOffset: more ? offset + limit : null,
    total,
  };
}
