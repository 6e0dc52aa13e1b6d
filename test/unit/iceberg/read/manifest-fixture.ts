/**
 * A snapshot's manifest tree in memory for the metadata view tests: a manifest list and manifests
 * of every kind a view must handle (added, existing and deleted entries, a manifest with no live
 * file, a delete manifest, an older unpartitioned spec), behind a FileIO that logs its reads.
 */
import { writeManifest } from '../../../../core/iceberg/avro/manifest.ts';
import { writeManifestList } from '../../../../core/iceberg/avro/manifest-list.ts';
import { toBytes } from '../../../../core/iceberg/spec/bounds.ts';
import {
  EntryStatus, FileContent, ManifestContent,
  type DataFile, type ManifestEntry, type ManifestFile, type PartitionSpec, type Schema, type TableMetadata,
} from '../../../../core/iceberg/spec/types.ts';
import { manifestFileFor } from '../../../../core/iceberg/write/snapshot-producer.ts';
import { NotFoundError, type FileIO } from '../../../../core/io/file-io.ts';

export const S1 = 9007199254740993n;
export const S2 = 9007199254740995n;
export const S3 = 9223372036854775807n;
export const T0 = Date.parse('2026-03-12T08:00:00Z');
export const DAY10 = 20522; // 2026-03-10
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

export const schema: Schema = {
  type: 'struct', 'schema-id': 1, fields: [
    { id: 1, name: 'image_id', required: true, type: 'string' },
    { id: 2, name: 'window_start', required: false, type: 'timestamptz' },
    { id: 3, name: 'event_count', required: false, type: 'long' },
    { id: 4, name: 'score', required: false, type: 'double' },
  ],
};
/** The schema before `score` was renamed from `rating` and `legacy` (id 9) was dropped. */
const oldSchema: Schema = { type: 'struct', 'schema-id': 0, fields: [
  ...schema.fields.slice(0, 3), { id: 4, name: 'rating', required: false, type: 'double' }, { id: 9, name: 'legacy', required: false, type: 'int' },
] };
export const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
export const byDay: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' }] };

export function file(name: string, day: number | null | undefined, records: bigint, o: Partial<DataFile> = {}): DataFile {
  return {
    content: FileContent.Data, filePath: `mem://t/data/${name}.parquet`, fileFormat: 'PARQUET',
    partition: day === undefined ? {} : { 1000: day }, recordCount: records, fileSizeInBytes: records * 100n,
    columnSizes: new Map([[1, 40n], [2, 30n]]), valueCounts: new Map([[1, records], [2, records], [4, records]]),
    nullValueCounts: new Map([[1, 0n], [2, 1n], [4, 0n]]), nanValueCounts: new Map([[4, 2n]]),
    lowerBounds: new Map([[1, toBytes('string', `${name}-a`)], [2, toBytes('timestamptz', micros('2026-03-10T00:00:00Z'))], [4, toBytes('double', 0.5)]]),
    upperBounds: new Map([[1, toBytes('string', `${name}-z`)], [2, toBytes('timestamptz', micros('2026-03-10T23:59:59Z') + 1n)], [4, toBytes('double', 2.25)]]),
    splitOffsets: [4n], sortOrderId: 0, ...o,
  };
}

const added = (f: DataFile): ManifestEntry => ({ status: EntryStatus.Added, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, dataFile: f });
const existing = (f: DataFile, snapshotId: bigint, seq: bigint): ManifestEntry => ({ status: EntryStatus.Existing, snapshotId, sequenceNumber: seq, fileSequenceNumber: seq, dataFile: f });
const deleted = (f: DataFile, seq: bigint): ManifestEntry => ({ status: EntryStatus.Deleted, snapshotId: S3, sequenceNumber: seq, fileSequenceNumber: seq, dataFile: f });

export interface Fixture {
  io: FileIO;
  reads: string[];
  md: TableMetadata;
  /** Manifest paths in list order: m0 added, m1 existing+deleted, m2 deleted only, m3 deletes, m4 unpartitioned. */
  manifests: string[];
}

export function fixture(): Fixture {
  const store = new Map<string, Uint8Array>();
  const reads: string[] = [];
  const io = {
    read: (path: string) => {
      reads.push(path);
      const bytes = store.get(path);
      return bytes ? Promise.resolve(bytes) : Promise.reject(new NotFoundError(path));
    },
  } as FileIO; // the views only read
  const rows: ManifestFile[] = [];
  const manifest = (i: number, spec: PartitionSpec, content: ManifestContent, addedBy: bigint, seq: bigint, entries: ManifestEntry[]) => {
    const path = `mem://t/metadata/m${i}.avro`;
    const bytes = writeManifest({ schema, spec, formatVersion: 2, content, snapshotId: addedBy, entries });
    store.set(path, bytes);
    rows.push(manifestFileFor(path, bytes.length, spec, schema, content, addedBy, seq, entries));
  };
  // b's event_count bound is 3 bytes, which no long is: a writer bug the views must survive.
  const bad = file('b', DAY10 + 1, 5n);
  bad.lowerBounds!.set(3, Uint8Array.of(1, 2, 3));
  manifest(0, byDay, ManifestContent.Data, S3, 3n, [added(file('a', DAY10, 10n)), added(bad)]);
  manifest(1, byDay, ManifestContent.Data, S2, 2n, [
    existing(file('c', DAY10, 3n, { columnSizes: new Map([[9, 7n]]) }), S1, 1n),
    deleted(file('d', DAY10, 4n), 2n),
    existing(file('g', null, 2n), S2, 2n),
  ]);
  manifest(2, byDay, ManifestContent.Data, S3, 3n, [deleted(file('e', DAY10 + 1, 8n), 1n)]);
  manifest(3, byDay, ManifestContent.Deletes, S3, 3n, [added(file('pos', DAY10, 7n, { content: FileContent.PositionDeletes }))]);
  manifest(4, unpartitioned, ManifestContent.Data, S1, 1n, [existing(file('f', undefined, 1n), S1, 1n)]);
  const listPath = 'mem://t/metadata/snap-3.avro';
  store.set(listPath, writeManifestList({ snapshotId: S3, parentSnapshotId: S2, sequenceNumber: 3n, formatVersion: 2, manifests: rows }));
  const snapshot = (id: bigint, at: number, parent?: bigint) => ({
    'snapshot-id': id, ...(parent ? { 'parent-snapshot-id': parent } : {}), 'sequence-number': BigInt(at), 'timestamp-ms': T0 + at,
    'manifest-list': id === S3 ? listPath : `mem://t/metadata/snap-${at}.avro`, summary: { operation: 'append' as const }, 'schema-id': 1,
  });
  const md: TableMetadata = {
    'format-version': 2, 'table-uuid': 'u', location: 'mem://t', 'last-sequence-number': 3n, 'last-updated-ms': T0, 'last-column-id': 9,
    schemas: [oldSchema, schema], 'current-schema-id': 1, 'partition-specs': [unpartitioned, byDay], 'default-spec-id': 1, 'last-partition-id': 1000,
    properties: {}, 'current-snapshot-id': S3, snapshots: [snapshot(S1, 1), snapshot(S2, 2, S1), snapshot(S3, 3, S2)],
    'snapshot-log': [], 'metadata-log': [], 'sort-orders': [{ 'order-id': 0, fields: [] }], 'default-sort-order-id': 0,
    refs: { main: { 'snapshot-id': S3, type: 'branch' }, old: { 'snapshot-id': S1, type: 'tag' } },
  };
  return { io, reads, md, manifests: rows.map((r) => r.manifestPath) };
}
