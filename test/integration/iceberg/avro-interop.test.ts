/**
 * Interop of Floe's Avro manifests with PyIceberg 0.12, both ways: Floe reads what PyIceberg
 * writes for real tables (v2 by day, v2 unpartitioned with zstd manifests, v1), and PyIceberg's
 * own Avro reader reads what Floe writes. Compared field by field through one JSON shape in
 * which integers are strings and bytes are hex (avro_interop.py prints the same shape).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readAvroContainer } from '../../../core/iceberg/avro/container.ts';
import { inheritFromManifest, readManifest, writeManifest } from '../../../core/iceberg/avro/manifest.ts';
import { readManifestList, writeManifestList } from '../../../core/iceberg/avro/manifest-list.ts';
import {
  EntryStatus, FileContent, ManifestContent,
  type ManifestEntry, type ManifestFile, type PartitionSpec, type Schema,
} from '../../../core/iceberg/spec/types.ts';
import { testBed } from '../../services/testbed.ts';
import { entryView, manifestFileView, plain, type Json, type ListView, type TableView } from './avro-views.ts';

const run = promisify(execFile);
const helper = resolve(import.meta.dirname, 'avro_interop.py');

async function pyiceberg<T>(...args: string[]): Promise<T> {
  const { stdout } = await run(testBed().python, [helper, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

const withoutSchemaKey = (meta: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'avro.schema'));

const read = (location: string): Promise<Buffer> => readFile(fileURLToPath(location));

/** Little-endian 8-byte bound of a timestamptz, as spec Appendix D serializes it. */
function micros(iso: string): string {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(BigInt(Date.parse(iso)) * 1000n);
  return buf.toString('hex');
}

describe('Avro manifests: interop with PyIceberg 0.12', () => {
  let tables: Record<string, TableView>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-avro-interop-'));
    tables = await pyiceberg<Record<string, TableView>>('tables', dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('Floe reads what PyIceberg writes', () => {
    for (const name of ['by_day', 'flat_zstd', 'v1_by_day']) {
      it(`reads every manifest list and manifest of table ${name} exactly as PyIceberg does`, async () => {
        const table = tables[name]!;
        expect(table.snapshots).toHaveLength(2);
        for (const snapshot of table.snapshots) {
          const listBytes = await read(snapshot.manifest_list);
          expect(withoutSchemaKey(readAvroContainer(listBytes).metadata)).toEqual(snapshot.list.metadata);
          const manifests = readManifestList(listBytes);
          expect(manifests.map(manifestFileView)).toEqual(snapshot.list.manifests.map((m) => m.file));
          for (const [i, manifest] of manifests.entries()) {
            const py = snapshot.list.manifests[i]!;
            const { entries, metadata } = readManifest(await read(manifest.manifestPath));
            expect(metadata.spec).toEqual(table.spec);
            expect(metadata.formatVersion).toBe(Number(table.format_version));
            // v1 stores no sequence numbers: PyIceberg's raw read says None, Floe's 0 (the
            // spec's default for v1); after inheritance both say 0.
            const stored = metadata.formatVersion === 1
              ? entries.map((e) => ({ ...e, sequenceNumber: null, fileSequenceNumber: null }))
              : entries;
            expect(stored.map((e) => entryView(e, metadata.spec))).toEqual(py.raw_entries);
            expect(entries.map((e) => entryView(inheritFromManifest(e, manifest), metadata.spec))).toEqual(py.entries);
          }
        }
      });
    }

    it('sees day partitions as day numbers (null and before 1970 included), the right counts, paths and bounds', async () => {
      const [first, second] = tables.by_day!.snapshots;
      const [manifest] = readManifestList(await read(first!.manifest_list));
      expect(manifest).toMatchObject({
        content: ManifestContent.Data, sequenceNumber: 1n, addedSnapshotId: BigInt(first!.snapshot_id),
        addedFilesCount: 4, existingFilesCount: 0, addedRowsCount: 5n,
      });
      const { entries } = readManifest(await read(manifest!.manifestPath));
      const byDay = new Map(entries.map((e) => [e.dataFile.partition[1000], e.dataFile]));
      expect([...byDay.keys()].sort()).toEqual([-1, 19844, 19845, null]); // 1969-12-31, 2024-05-01, 2024-05-02
      expect(byDay.get(19844)!.recordCount).toBe(2n);
      expect(byDay.get(19844)!.filePath).toMatch(/\/data\/window_start_day=2024-05-01\/[^/]+\.parquet$/);
      expect(plain(byDay.get(19844)!.lowerBounds!.get(2))).toBe(micros('2024-05-01T12:00:00Z'));
      expect(plain(byDay.get(19844)!.upperBounds!.get(2))).toBe(micros('2024-05-01T12:05:00Z'));
      expect(plain(byDay.get(-1)!.lowerBounds!.get(2))).toBe(micros('1969-12-31T23:59:00Z'));
      expect(byDay.get(null)!.nullValueCounts!.get(2)).toBe(1n);
      for (const e of entries) expect(existsSync(fileURLToPath(e.dataFile.filePath))).toBe(true);
      expect(manifest!.partitions).toEqual([{
        containsNull: true, containsNaN: false, lowerBound: Uint8Array.from([0xff, 0xff, 0xff, 0xff]), upperBound: Uint8Array.from([0x85, 0x4d, 0, 0]),
      }]);

      const list = readAvroContainer(await read(second!.manifest_list));
      expect(list.metadata['parent-snapshot-id']).toBe(first!.snapshot_id);
      expect(readManifestList(await read(second!.manifest_list)).map((m) => m.sequenceNumber)).toEqual([2n, 1n]);
    });

    it('reads zstandard manifests (PyIceberg with write.avro.compression-codec=zstd) and v1 manifests', async () => {
      const flat = tables.flat_zstd!.snapshots[1]!;
      expect(readAvroContainer(await read(flat.manifest_list)).codec).toBe('zstandard');
      for (const m of readManifestList(await read(flat.manifest_list))) {
        const { entries, metadata } = readManifest(await read(m.manifestPath));
        expect(metadata.spec.fields).toEqual([]);
        expect(entries[0]!.dataFile.partition).toEqual({});
      }
      const v1 = tables.v1_by_day!.snapshots[1]!;
      for (const m of readManifestList(await read(v1.manifest_list))) {
        expect(m).toMatchObject({ content: ManifestContent.Data, sequenceNumber: 0n, minSequenceNumber: 0n });
        const { entries, metadata } = readManifest(await read(m.manifestPath));
        expect(metadata.formatVersion).toBe(1);
        for (const e of entries) expect(e).toMatchObject({ sequenceNumber: 0n, fileSequenceNumber: 0n, snapshotId: m.addedSnapshotId });
      }
    });
  });

  describe('PyIceberg reads what Floe writes', () => {
    const schema: Schema = {
      type: 'struct', 'schema-id': 0, fields: [
        { id: 1, name: 'image_id', required: true, type: 'string' },
        { id: 2, name: 'window_start', required: false, type: 'timestamptz' },
        { id: 3, name: 'event_count', required: false, type: 'long' },
      ],
    };
    const spec: PartitionSpec = {
      'spec-id': 0, fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' },
        { 'source-id': 1, 'field-id': 1001, name: 'image_id', transform: 'identity' },
      ],
    };
    const SNAP_MAX = 9223372036854775807n;
    const SNAP_BIG = 8333333333333333333n;
    const dataFile = (path: string, partition: Record<number, unknown>, content: FileContent = FileContent.Data) => ({
      content, filePath: path, fileFormat: 'PARQUET' as const, partition, recordCount: 3n, fileSizeInBytes: 4096n,
      columnSizes: new Map([[1, 10n], [2, 20n]]), valueCounts: new Map([[1, 3n], [2, 3n]]),
      nullValueCounts: new Map([[1, 0n], [2, 1n]]), nanValueCounts: new Map<number, bigint>(),
      lowerBounds: new Map([[2, Buffer.from(micros('2024-05-01T00:00:00Z'), 'hex')]]),
      upperBounds: new Map([[2, Buffer.from(micros('2024-05-01T23:59:59Z'), 'hex')]]),
      keyMetadata: null, splitOffsets: [4n], equalityIds: content === FileContent.EqualityDeletes ? [1] : null,
      sortOrderId: content === FileContent.Data ? 0 : null,
    });
    const dataEntries: ManifestEntry[] = [
      { status: EntryStatus.Added, snapshotId: SNAP_MAX, sequenceNumber: null, fileSequenceNumber: null, dataFile: dataFile('s3://b/t/data/a.parquet', { 1000: 19844, 1001: 'img-1' }) },
      { status: EntryStatus.Existing, snapshotId: SNAP_BIG, sequenceNumber: 3n, fileSequenceNumber: 3n, dataFile: dataFile('s3://b/t/data/b.parquet', { 1000: null, 1001: null }) },
      { status: EntryStatus.Deleted, snapshotId: SNAP_MAX, sequenceNumber: 2n, fileSequenceNumber: 2n, dataFile: dataFile('s3://b/t/data/c.parquet', { 1000: -1, 1001: 'ü' }) },
    ];
    const deleteEntries: ManifestEntry[] = [
      { status: EntryStatus.Added, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, dataFile: dataFile('s3://b/t/data/d-eq.parquet', { 1000: 19844, 1001: 'img-1' }, FileContent.EqualityDeletes) },
    ];
    const manifestFile = (path: string, bytes: Uint8Array, entries: ManifestEntry[], content: ManifestContent): ManifestFile => ({
      manifestPath: path, manifestLength: BigInt(bytes.length), partitionSpecId: 0, content,
      sequenceNumber: 4n, minSequenceNumber: 2n, addedSnapshotId: SNAP_MAX,
      addedFilesCount: entries.filter((e) => e.status === EntryStatus.Added).length,
      existingFilesCount: entries.filter((e) => e.status === EntryStatus.Existing).length,
      deletedFilesCount: entries.filter((e) => e.status === EntryStatus.Deleted).length,
      addedRowsCount: 3n, existingRowsCount: 3n, deletedRowsCount: 3n,
      partitions: [
        { containsNull: true, containsNaN: null, lowerBound: Uint8Array.from([0xff, 0xff, 0xff, 0xff]), upperBound: Uint8Array.from([0x84, 0x4d, 0, 0]) },
        { containsNull: true, containsNaN: false, lowerBound: new TextEncoder().encode('img-1'), upperBound: new TextEncoder().encode('ü') },
      ],
      keyMetadata: content === ManifestContent.Deletes ? Uint8Array.from([7]) : null,
    });

    async function writeFiles(formatVersion: 1 | 2): Promise<{ listPath: string; manifests: ManifestFile[]; entries: ManifestEntry[][] }> {
      const sets: [ManifestEntry[], ManifestContent][] = formatVersion === 2
        ? [[dataEntries, ManifestContent.Data], [deleteEntries, ManifestContent.Deletes]]
        : [[dataEntries.map((e) => ({ ...e, snapshotId: e.snapshotId ?? SNAP_MAX })), ManifestContent.Data]];
      const manifests: ManifestFile[] = [];
      for (const [i, [entries, content]] of sets.entries()) {
        const bytes = writeManifest({ schema, spec, formatVersion, content, snapshotId: SNAP_MAX, entries, codec: i === 0 ? 'deflate' : 'null' });
        const path = pathToFileURL(join(dir, `floe-v${formatVersion}-m${i}.avro`)).href;
        await writeFile(fileURLToPath(path), bytes);
        const mf = manifestFile(path, bytes, entries, content);
        manifests.push(formatVersion === 1 ? { ...mf, sequenceNumber: 0n, minSequenceNumber: 0n } : mf);
      }
      const listPath = join(dir, `snap-${SNAP_MAX}-v${formatVersion}.avro`);
      await writeFile(listPath, writeManifestList({ snapshotId: SNAP_MAX, parentSnapshotId: SNAP_BIG, sequenceNumber: 4n, formatVersion, manifests }));
      return { listPath: pathToFileURL(listPath).href, manifests, entries: sets.map(([e]) => e) };
    }

    for (const formatVersion of [2, 1] as const) {
      it(`reads a v${formatVersion} manifest list and its manifests field by field as Floe wrote them`, async () => {
        const { listPath, manifests, entries } = await writeFiles(formatVersion);
        const [py] = await pyiceberg<ListView[]>('read', listPath);
        expect(py!.metadata).toEqual({
          'snapshot-id': String(SNAP_MAX), 'parent-snapshot-id': String(SNAP_BIG), 'format-version': String(formatVersion),
          ...(formatVersion === 2 ? { 'sequence-number': '4' } : {}), 'avro.codec': 'deflate',
        });
        expect(py!.manifests.map((m) => m.file)).toEqual(manifests.map(manifestFileView));
        for (const [i, m] of py!.manifests.entries()) {
          const written = formatVersion === 1
            ? entries[i]!.map((e) => ({ ...e, sequenceNumber: null, fileSequenceNumber: null })) // v1 stores none
            : entries[i]!;
          expect(m.raw_entries).toEqual(written.map((e) => entryView({ ...e, snapshotId: e.snapshotId ?? SNAP_MAX }, spec)));
          const inherited = written.map((e) => inheritFromManifest({ ...e, snapshotId: e.snapshotId ?? SNAP_MAX }, manifests[i]!));
          expect(m.entries).toEqual(inherited.map((e) => entryView(e, spec)));
          expect(m.metadata).toMatchObject({
            'schema-id': '0', 'partition-spec-id': '0', 'format-version': String(formatVersion),
            ...(formatVersion === 2 ? { content: i === 0 ? 'data' : 'deletes' } : {}),
          });
        }
      });
    }

    it('reads uuid, decimal, binary, fixed, timestamp and bucket partition values as Floe wrote them', async () => {
      const typed: Schema = {
        type: 'struct', 'schema-id': 0, fields: [
          { id: 1, name: 'u', required: false, type: 'uuid' },
          { id: 2, name: 'price', required: false, type: 'decimal(9, 2)' },
          { id: 3, name: 'blob', required: false, type: 'binary' },
          { id: 4, name: 'ts', required: false, type: 'timestamp' },
          { id: 5, name: 'code', required: false, type: 'fixed[3]' },
          { id: 6, name: 'big', required: false, type: 'decimal(38, 10)' },
        ],
      };
      const typedSpec: PartitionSpec = {
        'spec-id': 0, fields: [
          ...[1, 2, 3, 4, 5, 6].map((id) => ({ 'source-id': id, 'field-id': 999 + id, name: `p${id}`, transform: 'identity' })),
          { 'source-id': 1, 'field-id': 1006, name: 'u_bucket', transform: 'bucket[16]' },
        ],
      };
      const partition = {
        1000: '0f8fad5b-d9cb-469f-a165-70867728950e', 1001: -12345n, 1002: Uint8Array.from([0, 255]),
        1003: -1n, 1004: Uint8Array.from([1, 2, 3]), 1005: -(10n ** 37n) + 1n, 1006: 15,
      };
      const entry: ManifestEntry = { ...dataEntries[0]!, dataFile: { ...dataEntries[0]!.dataFile, partition } };
      const bytes = writeManifest({ schema: typed, spec: typedSpec, formatVersion: 2, content: ManifestContent.Data, snapshotId: SNAP_MAX, entries: [entry] });
      const path = pathToFileURL(join(dir, 'typed-m0.avro')).href;
      await writeFile(fileURLToPath(path), bytes);
      const listPath = join(dir, 'typed-list.avro');
      const mf = { ...manifestFile(path, bytes, [entry], ManifestContent.Data), partitions: null };
      await writeFile(listPath, writeManifestList({ snapshotId: SNAP_MAX, parentSnapshotId: null, sequenceNumber: 1n, formatVersion: 2, manifests: [mf] }));
      const [py] = await pyiceberg<ListView[]>('read', pathToFileURL(listPath).href);
      const [raw] = py!.manifests[0]!.raw_entries as { data_file: { partition: Json[] } }[];
      expect(raw!.data_file.partition).toEqual([
        '0f8fad5b-d9cb-469f-a165-70867728950e', '-123.45', '00ff', '-1', '010203', '-999999999999999999999999999.9999999999', '15',
      ]);
    });

    it('reads manifests that Floe rewrote from PyIceberg\'s own exactly as it reads the originals', async () => {
      const table = tables.by_day!;
      const original = table.snapshots[1]!;
      const rewritten: ManifestFile[] = [];
      for (const [i, m] of readManifestList(await read(original.manifest_list)).entries()) {
        const { entries, metadata } = readManifest(await read(m.manifestPath));
        const bytes = writeManifest({ ...metadata, formatVersion: 2, snapshotId: m.addedSnapshotId, entries });
        const path = pathToFileURL(join(dir, `rewritten-m${i}.avro`)).href;
        await writeFile(fileURLToPath(path), bytes);
        rewritten.push({ ...m, manifestPath: path, manifestLength: BigInt(bytes.length) });
      }
      const listPath = join(dir, 'rewritten-list.avro');
      await writeFile(listPath, writeManifestList({
        snapshotId: BigInt(original.snapshot_id), parentSnapshotId: BigInt(original.parent_snapshot_id!),
        sequenceNumber: BigInt(original.sequence_number), formatVersion: 2, manifests: rewritten,
      }));
      const [py] = await pyiceberg<ListView[]>('read', pathToFileURL(listPath).href);
      expect(py!.metadata).toEqual(original.list.metadata);
      const pathless = (file: Json) => ({ ...(file as Record<string, Json>), manifest_path: null, manifest_length: null });
      expect(py!.manifests.map((m) => pathless(m.file))).toEqual(original.list.manifests.map((m) => pathless(m.file)));
      expect(py!.manifests.map((m) => m.raw_entries)).toEqual(original.list.manifests.map((m) => m.raw_entries));
      expect(py!.manifests.map((m) => m.entries)).toEqual(original.list.manifests.map((m) => m.entries));
      // PyIceberg writes no schema-id into manifests; Floe does (the v2 spec requires it).
      expect(py!.manifests.map((m) => withoutKeys(m.metadata, ['schema-id'])))
        .toEqual(original.list.manifests.map((m) => withoutKeys(m.metadata, ['schema-id'])));
    });
  });
});

function withoutKeys(meta: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(meta).filter(([k]) => !keys.includes(k)));
}
