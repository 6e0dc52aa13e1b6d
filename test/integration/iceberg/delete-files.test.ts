/**
 * Merge-on-read deletes written by Apache Iceberg's Java library (1.10.1, the reference
 * implementation; PyIceberg 0.12 writes only copy-on-write deletes) into tables that Floe and
 * PyIceberg also wrote: Floe's scan returns exactly the rows Java's own reader returns, after
 * position deletes, partition-scoped and global equality deletes, deletes committed with data in
 * one snapshot (sequence-number rules), and later appends. PyIceberg, which applies position
 * deletes, agrees where it can read the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { and, greaterThan, greaterThanOrEqual } from '../../../core/iceberg/expressions/expression.ts';
import { emptyPlanStats, planFiles, resolveSnapshot, scanTable, UnsupportedDeletesError, type ScanOptions } from '../../../core/iceberg/read/scan.ts';
import type { TableMetadata } from '../../../core/iceberg/spec/types.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { canonicalBatchRows, canonicalRows, sortedRows, type CanonicalRow } from './canonical-values.ts';
import { postgresS3Catalog, sqliteLocalCatalog, type CatalogUnderTest } from './catalogs.ts';
import { DELETES_DAY_SPEC, DELETES_SCHEMA, javaDeletes } from './delete-files-helpers.ts';
import { python } from './scan-filter-helpers.ts';
import { batchOf, collectBatches } from './table-batches.ts';

const schema = DELETES_SCHEMA;
const daySpec = DELETES_DAY_SPEC;
const DAY = 86_400_000_000n;
const MARCH_1 = BigInt(Date.UTC(2026, 2, 1)) * 1000n;
const row = (id: number, image: string, day: number, count: number | null) => ({
  id: BigInt(id), image_id: image, window_start: MARCH_1 + BigInt(day) * DAY + BigInt(id) * 60_000_000n, event_count: count === null ? null : BigInt(count),
});
const canonical = (rows: ReturnType<typeof row>[]) => canonicalRows(schema, rows);
const sorted = (rows: CanonicalRow[]) => JSON.stringify(sortedRows(rows));

describe('delete files written by Iceberg Java, applied by Floe\'s scan (SQLite catalog + local warehouse)', () => {
  let c: CatalogUnderTest;
  const io = (l: string) => fileIOFor(l, c.io);
  const load = async (name: string) => (await c.catalog.loadTable({ namespace: ['deletes'], name })).metadata;
  const floeRows = async (md: TableMetadata, o: ScanOptions = {}) => canonicalBatchRows(schema, await collectBatches(scanTable(io(md.location), md, o)));
  /** As floeRows, with each batch lent: read inside the loop, given back after it. */
  const lentRows = async (md: TableMetadata, o: ScanOptions = {}) => {
    const rows: CanonicalRow[] = [];
    for await (const batch of scanTable(io(md.location), md, { ...o, lendBatches: true })) rows.push(...canonicalBatchRows(schema, [batch]));
    return rows;
  };

  beforeAll(async () => {
    c = await sqliteLocalCatalog();
    await ensureNamespace(c.catalog, ['deletes']);
  });
  afterAll(() => c?.catalog.close());

  describe('a day-partitioned table written by Floe, PyIceberg and Java', () => {
    const id = { namespace: ['deletes'], name: 'events' };
    let before: CanonicalRow[];
    let firstSnapshot: bigint;

    beforeAll(async () => {
      await c.catalog.createTable(id, { schema, spec: daySpec });
      const floe = Array.from({ length: 30 }, (_, i) => row(i + 1, `img-${(i + 1) % 5}`, (i + 1) % 3, (i + 1) % 7 === 0 ? null : i + 1));
      await writeTable(c.catalog, id, io, [batchOf(schema, floe)], { mode: 'append' });
      const py = Array.from({ length: 20 }, (_, i) => row(101 + i, `img-${(101 + i) % 5}`, 1 + ((101 + i) % 2), i));
      await python('scan_filter.py', c.py, 'append', { table: 'deletes.events', rows: canonical(py) });
      before = (await javaDeletes(c, 'deletes.events', [])).rows!;
      firstSnapshot = (await load('events'))['current-snapshot-id']!;
    });

    it('reads the table as Java does before any delete', async () => {
      expect(before).toHaveLength(50);
      expect(sorted(await floeRows(await load('events')))).toBe(sorted(before));
    });

    it('applies Java position deletes on Floe\'s and PyIceberg\'s files, as Java and PyIceberg read them', async () => {
      const md = await load('events');
      const tasks = await planFiles(io(md.location), md, resolveSnapshot(md));
      const day = (d: number) => Number((MARCH_1 + BigInt(d) * DAY) / DAY);
      const pick = (d: number, seq: bigint) => tasks.find((t) => t.file.partition[1000] === day(d) && t.sequenceNumber === seq)!.file.filePath;
      const positionDeletes = [
        ...[0, 5].map((pos) => ({ file: pick(0, 1n), pos })), // Floe's file of day 0
        { file: pick(1, 2n), pos: 3 }, // PyIceberg's file of day 1
        ...[1, 2, 3, 4].map((pos) => ({ file: pick(2, 1n), pos })),
      ];
      const java = await javaDeletes(c, 'deletes.events', [{ positionDeletes }]);
      expect(java.commits[0]!.deleteFiles.length).toBe(3); // one per partition
      expect(java.rows).toHaveLength(50 - 7);
      const stats = emptyPlanStats();
      const floe = await floeRows(await load('events'), { stats });
      expect(sorted(floe)).toBe(sorted(java.rows!));
      // Days 1 and 2 hold a Floe and a PyIceberg file each: a partition's delete file is checked against both.
      expect(stats).toMatchObject({ deleteFiles: 3, deletesApplied: 5 });
      const py = await python<{ rows: CanonicalRow[] }>('scan_filter.py', c.py, 'rows', { table: 'deletes.events' });
      expect(sorted(py.rows)).toBe(sorted(floe));
    });

    it('applies a partition-scoped equality delete only to older data of its partition, and a same-commit position delete to new data', async () => {
      const day1 = MARCH_1 + DAY;
      const newRows = [201, 202, 203].map((i) => row(i, 'img-3', 1, i)).concat([204, 205, 206].map((i) => row(i, 'img-4', 1, i)));
      const java = await javaDeletes(c, 'deletes.events', [{
        data: canonical(newRows),
        equalityDeletes: { columns: ['image_id'], rows: canonicalRows(schema, [{ image_id: 'img-3', window_start: day1 }]) },
        positionDeletes: [{ file: 'new:0', pos: 1 }],
      }]);
      const floe = await floeRows(await load('events'));
      expect(sorted(floe)).toBe(sorted(java.rows!));
      // What the spec's rules mean here, checked directly on the result.
      const img3 = floe.filter((r) => r.image_id === 'img-3');
      const onDay = (r: CanonicalRow, d: number) => (BigInt(r.window_start as string) - MARCH_1) / DAY === BigInt(d);
      // Java writes the new rows in order, so position 1 of its new file is id 202.
      expect(img3.filter((r) => onDay(r, 1)).map((r) => r.id).sort()).toEqual(['201', '203']); // older day-1 img-3 rows gone
      expect(img3.filter((r) => !onDay(r, 1)).length).toBeGreaterThan(0); // other days untouched
      expect(floe.filter((r) => Number(r.id) > 200).map((r) => r.id).sort()).toEqual(['201', '203', '204', '205', '206']);
    });

    it('keeps rows appended after an equality delete (a higher sequence number), as Java does', async () => {
      await writeTable(c.catalog, id, io, [batchOf(schema, [301, 302, 303].map((i) => row(i, 'img-3', 1, i)))], { mode: 'append' });
      const java = await javaDeletes(c, 'deletes.events', []);
      const floe = await floeRows(await load('events'));
      expect(sorted(floe)).toBe(sorted(java.rows!));
      expect(floe.filter((r) => Number(r.id) > 300)).toHaveLength(3);
    });

    it('combines deletes with a row filter, a projection, a count-only projection, a limit and time travel', async () => {
      const md = await load('events');
      const all = (await javaDeletes(c, 'deletes.events', [])).rows!;
      const filter = and(greaterThanOrEqual('window_start', '2026-03-02T00:00:00Z'), greaterThan('event_count', 3n));
      const expected = all.filter((r) => BigInt(r.window_start as string) >= MARCH_1 + DAY && r.event_count !== null && BigInt(r.event_count as string) > 3n);
      const stats = emptyPlanStats();
      expect(sorted(await floeRows(md, { filter, stats }))).toBe(sorted(expected));
      expect(sorted(await lentRows(md, { filter }))).toBe(sorted(expected));
      expect(sorted(await lentRows(md))).toBe(sorted(all));
      expect(stats.filesSkippedByManifest + stats.filesSkippedByPartition).toBeGreaterThan(0); // day 0 never read
      const images = await collectBatches(scanTable(io(md.location), md, { columns: ['image_id'] }));
      expect(images.flatMap((b) => b.getChild('image_id')!.toArray()).sort()).toEqual(all.map((r) => r.image_id).sort());
      const counted = await collectBatches(scanTable(io(md.location), md, { columns: [] }));
      expect(counted.reduce((n, b) => n + b.numRows, 0)).toBe(all.length);
      const limited = await floeRows(md, { limit: 4 });
      expect(limited).toHaveLength(4);
      const known = new Set(all.map((r) => JSON.stringify(r)));
      for (const r of limited) expect(known.has(JSON.stringify(r)), `limited row ${JSON.stringify(r)} is a live row`).toBe(true);
      expect(sorted(await floeRows(md, { snapshotId: firstSnapshot }))).toBe(sorted(before));
    });
  });

  it('applies global equality deletes on two columns of an unpartitioned table, null matching null', async () => {
    const id = { namespace: ['deletes'], name: 'unpartitioned' };
    await c.catalog.createTable(id, { schema, spec: { 'spec-id': 0, fields: [] } });
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, `img-${(i + 1) % 4}`, i % 3, (i + 1) % 3 === 0 ? null : (i + 1) % 5));
    await writeTable(c.catalog, id, io, [batchOf(schema, rows.slice(0, 10))], { mode: 'append' });
    await writeTable(c.catalog, id, io, [batchOf(schema, rows.slice(10))], { mode: 'append' });
    const java = await javaDeletes(c, 'deletes.unpartitioned', [{
      equalityDeletes: { columns: ['image_id', 'event_count'], rows: [{ image_id: 'img-1', event_count: '1' }, { image_id: 'img-2', event_count: null }] },
    }]);
    const floe = await floeRows(await load('unpartitioned'));
    expect(sorted(floe)).toBe(sorted(java.rows!));
    const gone = (r: CanonicalRow) => (r.image_id === 'img-1' && r.event_count === '1') || (r.image_id === 'img-2' && r.event_count === null);
    const deleted = canonical(rows).filter(gone);
    expect(deleted.length).toBeGreaterThan(1);
    expect(floe).toHaveLength(rows.length - deleted.length);
    expect(floe.some((r) => r.image_id === 'img-2' && r.event_count !== null)).toBe(true);
  });

  it('applies Avro position deletes as Java reads them, and refuses Avro equality deletes naming the file', async () => {
    const id = { namespace: ['deletes'], name: 'avro_deletes' };
    await c.catalog.createTable(id, { schema, spec: { 'spec-id': 0, fields: [] } });
    await writeTable(c.catalog, id, io, [batchOf(schema, [row(1, 'a', 0, 1), row(2, 'b', 0, 2), row(3, 'c', 0, 3)])], { mode: 'append' });
    const md = await load('avro_deletes');
    const [task] = await planFiles(io(md.location), md, resolveSnapshot(md));
    const java = await javaDeletes(c, 'deletes.avro_deletes', [{ positionDeletes: [{ file: task!.file.filePath, pos: 0 }, { file: task!.file.filePath, pos: 2 }], deleteFormat: 'avro' }]);
    expect(java.commits[0]!.deleteFiles.every((f) => f.endsWith('.avro'))).toBe(true);
    expect(java.rows).toHaveLength(1);
    expect(sorted(await floeRows(await load('avro_deletes')))).toBe(sorted(java.rows!));
    await javaDeletes(c, 'deletes.avro_deletes', [{ equalityDeletes: { columns: ['image_id'], rows: [{ image_id: 'b' }] }, deleteFormat: 'avro' }], false);
    const after = await load('avro_deletes');
    await expect(floeRows(after)).rejects.toThrow(UnsupportedDeletesError);
    await expect(floeRows(after)).rejects.toThrow(/AVRO delete file .*\.avro; Floe reads Parquet delete files, Avro position deletes and deletion vectors/);
  });
});

describe('delete files written by Iceberg Java on the test bed\'s S3 (Postgres catalog, S3FileIO)', () => {
  let c: CatalogUnderTest;
  const io = (l: string) => fileIOFor(l, c.io);
  beforeAll(async () => {
    c = await postgresS3Catalog();
    await ensureNamespace(c.catalog, ['deletes']);
  });
  afterAll(() => c?.catalog.close());

  it('applies position and equality deletes Java wrote to S3 on files Floe and PyIceberg wrote there, as Java reads them', async () => {
    const id = { namespace: ['deletes'], name: 'on_s3' };
    await c.catalog.createTable(id, { schema, spec: daySpec });
    await writeTable(c.catalog, id, io, [batchOf(schema, Array.from({ length: 12 }, (_, i) => row(i + 1, `img-${i % 3}`, i % 2, i)))], { mode: 'append' });
    await python('scan_filter.py', c.py, 'append', { table: 'deletes.on_s3', rows: canonical(Array.from({ length: 8 }, (_, i) => row(101 + i, `img-${i % 3}`, 1, i))) });
    const md = (await c.catalog.loadTable(id)).metadata;
    const tasks = await planFiles(io(md.location), md, resolveSnapshot(md));
    expect(tasks.every((t) => t.file.filePath.startsWith('s3://'))).toBe(true);
    const java = await javaDeletes(c, 'deletes.on_s3', [{
      positionDeletes: tasks.map((t) => ({ file: t.file.filePath, pos: 1 })),
      equalityDeletes: { columns: ['image_id', 'window_start'], rows: canonical([row(5, 'img-1', 0, 4), row(104, 'img-0', 1, 3)]).map((r) => ({ image_id: r.image_id!, window_start: r.window_start! })) },
    }]);
    expect(java.commits[0]!.deleteFiles.length).toBeGreaterThanOrEqual(2);
    expect(java.commits[0]!.deleteFiles.every((f) => f.startsWith('s3://'))).toBe(true);
    const after = (await c.catalog.loadTable(id)).metadata;
    const floe = canonicalBatchRows(schema, await collectBatches(scanTable(io(after.location), after)));
    expect(floe.length).toBe(20 - tasks.length - 2);
    expect(sorted(floe)).toBe(sorted(java.rows!));
    const lent: CanonicalRow[] = [];
    for await (const batch of scanTable(io(after.location), after, { lendBatches: true })) lent.push(...canonicalBatchRows(schema, [batch]));
    expect(sorted(lent)).toBe(sorted(java.rows!));
  });
});
