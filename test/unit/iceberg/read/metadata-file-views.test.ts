import { describe, expect, it } from 'vitest';
import { fileViewStream, filesView, manifestsView, partitionsView, type FileView } from '../../../../core/iceberg/read/metadata-views.ts';
import { fixture, S1, S2, S3, T0 } from './manifest-fixture.ts';

async function all(gen: AsyncIterable<FileView>): Promise<FileView[]> {
  const out: FileView[] = [];
  for await (const f of gen) out.push(f);
  return out;
}
const names = (files: FileView[]) => files.map((f) => f.path.replace(/^.*\/(\w+)\.parquet$/, '$1'));

describe('manifestsView', () => {
  it('reads only the manifest list, and decodes partition summaries to readable values', async () => {
    const { io, md, reads, manifests } = fixture();
    const views = await manifestsView(io, md);
    expect(reads).toEqual(['mem://t/metadata/snap-3.avro']);
    expect(views.map((m) => m.path)).toEqual(manifests);
    expect(views[0]).toEqual({
      path: manifests[0], length: expect.any(Number), partitionSpecId: 1, content: 'data',
      sequenceNumber: '3', minSequenceNumber: '3', addedSnapshotId: String(S3),
      addedFilesCount: 2, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: 15, existingRowsCount: 0, deletedRowsCount: 0,
      partitionSummaries: [{ field: 'window_start_day', transform: 'day', containsNull: false, containsNaN: false, lowerBound: '2026-03-10', upperBound: '2026-03-11' }],
    });
    expect(views[1]).toMatchObject({
      addedSnapshotId: String(S2), existingFilesCount: 2, deletedFilesCount: 1, existingRowsCount: 5, deletedRowsCount: 4, minSequenceNumber: '1',
      partitionSummaries: [expect.objectContaining({ containsNull: true, lowerBound: '2026-03-10', upperBound: '2026-03-10' })],
    });
    expect(views[3]).toMatchObject({ content: 'deletes', addedFilesCount: 1 });
    expect(views[4]).toMatchObject({ partitionSpecId: 0, partitionSummaries: [] });
    expect(JSON.parse(JSON.stringify(views))).toEqual(views);
  });

  it('takes a snapshot by id, id string or ref name, and is empty for a table with no snapshot', async () => {
    const { io, md } = fixture();
    for (const choice of [S3, String(S3), 'main']) expect(await manifestsView(io, md, choice)).toHaveLength(5);
    await expect(manifestsView(io, md, '42')).rejects.toThrow(/no snapshot 42/);
    await expect(manifestsView(io, md, 'nope')).rejects.toThrow(/no branch or tag "nope"/);
    expect(await manifestsView(io, { ...md, 'current-snapshot-id': null, refs: {}, snapshots: [] })).toEqual([]);
  });
});

describe('files', () => {
  it('streams the live files of every manifest, data and delete, with readable partitions and metrics', async () => {
    const { io, md, reads, manifests } = fixture();
    const files = await all(fileViewStream(io, md));
    expect(names(files)).toEqual(['a', 'b', 'c', 'g', 'pos', 'f']);
    expect(reads).not.toContain(manifests[2]); // no live file in it: never read
    expect(files[0]).toEqual({
      content: 'data', path: 'mem://t/data/a.parquet', format: 'PARQUET', specId: 1, partition: { window_start_day: '2026-03-10' },
      recordCount: 10, fileSizeInBytes: 1000, status: 'added', snapshotId: String(S3), sequenceNumber: '3', fileSequenceNumber: '3',
      sortOrderId: 0, equalityIds: null, splitOffsets: [4],
      columns: {
        image_id: { fieldId: 1, columnSize: 40, valueCount: 10, nullValueCount: 0, nanValueCount: null, lowerBound: 'a-a', upperBound: 'a-z' },
        window_start: {
          fieldId: 2, columnSize: 30, valueCount: 10, nullValueCount: 1, nanValueCount: null,
          lowerBound: '2026-03-10T00:00:00+00:00', upperBound: '2026-03-10T23:59:59.000001+00:00',
        },
        score: { fieldId: 4, columnSize: null, valueCount: 10, nullValueCount: 0, nanValueCount: 2, lowerBound: '0.5', upperBound: '2.25' },
      },
    });
    expect(Object.keys(files[0]!.columns)).toEqual(['image_id', 'window_start', 'score']);
    // A bound that does not decode as its column's type shows as hex instead of failing the listing.
    expect(files[1]!.columns.event_count).toEqual({
      fieldId: 3, columnSize: null, valueCount: null, nullValueCount: null, nanValueCount: null, lowerBound: '0x010203', upperBound: null,
    });
    // A column dropped since keeps the name an older schema gave it, after the current columns.
    expect(Object.keys(files[2]!.columns).at(-1)).toBe('legacy');
    expect(files[2]).toMatchObject({ status: 'existing', snapshotId: String(S1), sequenceNumber: '1', columns: { legacy: { fieldId: 9, columnSize: 7 } } });
    expect(files[3]!.partition).toEqual({ window_start_day: null });
    expect(files[4]).toMatchObject({ content: 'position-deletes', recordCount: 7 });
    expect(files[5]).toMatchObject({ specId: 0, partition: {} });
    expect(JSON.parse(JSON.stringify(files))).toEqual(files);
  });

  it('pages by offset, skipping whole manifests before the offset unread', async () => {
    const { io, md, reads, manifests } = fixture();
    const first = await filesView(io, md, { limit: 2 });
    expect(first).toMatchObject({ snapshotId: String(S3), offset: 0, nextOffset: 2, total: 6 });
    expect(names(first.files)).toEqual(['a', 'b']);
    reads.length = 0;
    const second = await filesView(io, md, { limit: 2, offset: 2, snapshot: first.snapshotId! });
    expect(names(second.files)).toEqual(['c', 'g']);
    expect(second.nextOffset).toBe(4);
    expect(reads).not.toContain(manifests[0]);
    const last = await filesView(io, md, { limit: 2, offset: 4 });
    expect(names(last.files)).toEqual(['pos', 'f']);
    expect(last.nextOffset).toBeNull();
    expect(names((await filesView(io, md, { limit: 2, offset: 3 })).files)).toEqual(['g', 'pos']);
    reads.length = 0;
    expect(await filesView(io, md, { offset: 6 })).toMatchObject({ files: [], nextOffset: null, total: 6 });
    expect(reads).toEqual(['mem://t/metadata/snap-3.avro']);
  });

  it('filters data or delete files', async () => {
    const { io, md } = fixture();
    const data = await filesView(io, md, { content: 'data' });
    expect(names(data.files)).toEqual(['a', 'b', 'c', 'g', 'f']);
    expect(data.total).toBe(5);
    const deletes = await filesView(io, md, { content: 'deletes' });
    expect(names(deletes.files)).toEqual(['pos']);
    expect(deletes.total).toBe(1);
  });

  it('pages v1 tables, whose manifest lists may lack counts, by reading ahead one file', async () => {
    const { io, md } = fixture();
    const v1 = { ...md, 'format-version': 1 as const };
    const first = await filesView(io, v1, { limit: 4 });
    expect(first).toMatchObject({ total: null, nextOffset: 4 });
    expect(names(first.files)).toEqual(['a', 'b', 'c', 'g']);
    const last = await filesView(io, v1, { limit: 4, offset: 4 });
    expect(names(last.files)).toEqual(['pos', 'f']);
    expect(last.nextOffset).toBeNull();
  });
});

describe('partitionsView', () => {
  it('totals live files per partition, delete files apart, with the snapshot that last added to it', async () => {
    const { io, md } = fixture();
    const at = (n: number) => ({ lastUpdatedAtMs: T0 + n, lastUpdatedAt: new Date(T0 + n).toISOString() });
    const zeros = { positionDeleteRecordCount: 0, positionDeleteFileCount: 0, equalityDeleteRecordCount: 0, equalityDeleteFileCount: 0 };
    expect(await partitionsView(io, md)).toEqual([
      { specId: 0, partition: {}, recordCount: 1, fileCount: 1, totalDataFileSizeInBytes: 100, ...zeros, ...at(1), lastUpdatedSnapshotId: String(S1) },
      { specId: 1, partition: { window_start_day: null }, recordCount: 2, fileCount: 1, totalDataFileSizeInBytes: 200, ...zeros, ...at(2), lastUpdatedSnapshotId: String(S2) },
      {
        specId: 1, partition: { window_start_day: '2026-03-10' }, recordCount: 13, fileCount: 2, totalDataFileSizeInBytes: 1300,
        ...zeros, positionDeleteRecordCount: 7, positionDeleteFileCount: 1, ...at(3), lastUpdatedSnapshotId: String(S3),
      },
      { specId: 1, partition: { window_start_day: '2026-03-11' }, recordCount: 5, fileCount: 1, totalDataFileSizeInBytes: 500, ...zeros, ...at(3), lastUpdatedSnapshotId: String(S3) },
    ]);
  });

  it('leaves the last update empty when the snapshots that added the files have expired', async () => {
    const { io, md } = fixture();
    const rows = await partitionsView(io, { ...md, snapshots: md.snapshots.filter((s) => s['snapshot-id'] === S3) }, S3);
    expect(rows[0]).toMatchObject({ specId: 0, lastUpdatedAtMs: null, lastUpdatedAt: null, lastUpdatedSnapshotId: null });
  });
});
