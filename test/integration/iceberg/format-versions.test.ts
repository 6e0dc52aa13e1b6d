/**
 * Tables of a format version Floe does not write. A v1 table (PyIceberg still makes them on request,
 * and older engines made nothing else) is read as PyIceberg reads it, but writes to it stop before
 * anything is written: v2 manifests in a v1 table would break the v1 readers of other engines. A v3
 * table (made by Iceberg Java here: PyIceberg 0.12 does not write v3) is read as Java reads it,
 * equality deletes and deletion vectors applied, and nothing in Floe changes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { expireSnapshots } from '../../../core/iceberg/maintenance/expire-snapshots.ts';
import { planFiles, resolveSnapshot, scanTable } from '../../../core/iceberg/read/scan.ts';
import { rewriteDataFiles } from '../../../core/iceberg/maintenance/rewrite-data-files.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { currentSchema } from '../../../core/iceberg/write/snapshot-producer.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { canonicalBatchRows, canonicalRows, sortedRows } from './canonical-values.ts';
import { sqliteLocalCatalog, type CatalogUnderTest } from './catalogs.ts';
import { DELETES_DAY_SPEC, DELETES_SCHEMA, javaDeletes } from './delete-files-helpers.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, collectBatches, rowsOf } from './table-batches.ts';

describe('a v1 table made by PyIceberg (SQLite catalog + local warehouse)', () => {
  let c: CatalogUnderTest;
  let made: PyTable;
  const id = { namespace: ['legacy'], name: 'v1_events' };
  const io = (l: string) => fileIOFor(l, c.io);
  const files = async (location: string) => {
    const paths: string[] = [];
    for await (const f of io(location).list(`${location}/`)) paths.push(f.path);
    return paths.sort();
  };

  beforeAll(async () => {
    c = await sqliteLocalCatalog();
    made = await pyiceberg<PyTable>(c.py, 'create', { table: 'legacy.v1_events', partitioned: true, formatVersion: 1 });
  });
  afterAll(() => c?.catalog.close());

  it('is read by Floe as PyIceberg reads it', async () => {
    expect(made.format_version).toBe(1);
    const md = (await c.catalog.loadTable(id)).metadata;
    expect(md['format-version']).toBe(1);
    const rows = rowsOf(await collectBatches(scanTable(io(md.location), md)), ['window_start']);
    expect(rows).toHaveLength(3);
    expect(rows).toEqual(made.rows);
  });

  it('refuses an append and a replace, saying how to upgrade, and writes nothing', async () => {
    const before = await c.catalog.loadTable(id);
    const filesBefore = await files(before.metadata.location);
    const batch = batchOf(currentSchema(before.metadata), [{ image_id: 'img-9', window_start: null, event_count: 9n }]);
    for (const mode of ['append', 'replace'] as const) {
      await expect(writeTable(c.catalog, id, io, [batch], { mode })).rejects.toThrow(
        /Writing to legacy\.v1_events: the table is Iceberg format v1, and Floe writes v2 tables only; upgrade it to v2 first .*upgrade_table_version\(2\)/,
      );
    }
    const after = await c.catalog.loadTable(id);
    expect(after.metadataLocation).toBe(before.metadataLocation);
    expect(await files(after.metadata.location)).toEqual(filesBefore);
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'legacy.v1_events' });
    expect(py.rows).toEqual(made.rows);
  });

  it('refuses compaction the same way', async () => {
    await expect(rewriteDataFiles(c.catalog, id, io, { targetFileBytes: 1 << 20 })).rejects.toThrow(/Compacting legacy\.v1_events: the table is Iceberg format v1/);
  });
});

describe('a v3 table made by Iceberg Java (SQLite catalog + local warehouse)', () => {
  const schema = DELETES_SCHEMA;
  const day = DELETES_DAY_SPEC;
  const row = (id: number) => ({ id: BigInt(id), image_id: `img-${id % 3}`, window_start: BigInt(Date.UTC(2026, 2, 1 + (id % 2))) * 1000n + BigInt(id), event_count: id % 4 === 0 ? null : BigInt(id) });
  let c: CatalogUnderTest;
  const id = { namespace: ['modern'], name: 'v3_events' };
  const io = (l: string) => fileIOFor(l, c.io);
  const load = async () => (await c.catalog.loadTable(id)).metadata;
  const floeRows = async () => {
    const md = await load();
    return sortedRows(canonicalBatchRows(schema, await collectBatches(scanTable(io(md.location), md))));
  };

  beforeAll(async () => {
    c = await sqliteLocalCatalog();
    await ensureNamespace(c.catalog, ['modern']);
  });
  afterAll(() => c?.catalog.close());

  it('reads Java\'s rows and applies its equality deletes, as Java reads them', async () => {
    const made = await javaDeletes(c, 'modern.v3_events', [{ data: canonicalRows(schema, Array.from({ length: 12 }, (_, i) => row(i + 1))) }], true, { schema, spec: day, formatVersion: 3 });
    expect((await load())['format-version']).toBe(3);
    expect(await floeRows()).toEqual(sortedRows(made.rows!));
    const deleted = await javaDeletes(c, 'modern.v3_events', [{
      equalityDeletes: { columns: ['image_id', 'window_start'], rows: canonicalRows(schema, [row(4), row(9)]).map((r) => ({ image_id: r.image_id!, window_start: r.window_start! })) },
    }]);
    expect(deleted.rows).toHaveLength(10);
    expect(await floeRows()).toEqual(sortedRows(deleted.rows!));
  });

  it('refuses to change it: an append stops before writing, expiry before committing', async () => {
    const before = await c.catalog.loadTable(id);
    await expect(writeTable(c.catalog, id, io, [batchOf(schema, [row(100)])], { mode: 'append' })).rejects.toThrow(
      /Writing to modern\.v3_events: the table is Iceberg format v3, and Floe writes v2 tables only; write to it with an engine that writes v3/,
    );
    await expect(expireSnapshots(c.catalog, id, io, { olderThanMs: 0, retainLast: 1 })).rejects.toThrow(/is Iceberg format v3: Floe reads it but does not change it/);
    expect((await c.catalog.loadTable(id)).metadataLocation).toBe(before.metadataLocation);
  });

  it('applies Java\'s deletion vectors (Puffin blobs) as Java reads them', async () => {
    const md = await load();
    const [task] = await planFiles(io(md.location), md, resolveSnapshot(md));
    const java = await javaDeletes(c, 'modern.v3_events', [{ positionDeletes: [{ file: task!.file.filePath, pos: 0 }] }]);
    expect(java.commits[0]!.deleteFiles.every((f) => f.endsWith('.puffin'))).toBe(true);
    expect(java.rows).toHaveLength(9);
    expect(await floeRows()).toEqual(sortedRows(java.rows!));
  });

  it('reads every kind of Roaring container: runs, a bitmap and an array, one deletion vector per data file', async () => {
    const big = { namespace: ['modern'], name: 'v3_vectors' };
    const rows = (first: number) => canonicalRows(schema, Array.from({ length: 12_000 }, (_, i) => row(first + i)));
    await javaDeletes(c, 'modern.v3_vectors', [{ data: rows(0) }, { data: rows(100_000) }, { data: rows(200_000) }], false, { schema, formatVersion: 3 });
    const md = (await c.catalog.loadTable(big)).metadata;
    const files = (await planFiles(io(md.location), md, resolveSnapshot(md))).map((t) => t.file.filePath);
    expect(files).toHaveLength(3);
    const deletes = [
      ...Array.from({ length: 3000 }, (_, i) => ({ file: files[0]!, pos: 5000 + i })), // one run
      ...Array.from({ length: 5000 }, (_, i) => ({ file: files[1]!, pos: 2 * i + 1 })), // every other row: a bitmap
      ...[3, 17, 11_999].map((pos) => ({ file: files[2]!, pos })), // a few: an array
    ];
    const java = await javaDeletes(c, 'modern.v3_vectors', [{ positionDeletes: deletes }]);
    expect(java.rows).toHaveLength(36_000 - deletes.length);
    const after = (await c.catalog.loadTable(big)).metadata;
    const floe = sortedRows(canonicalBatchRows(schema, await collectBatches(scanTable(io(after.location), after))));
    expect(floe).toEqual(sortedRows(java.rows!));
  });
});
