/**
 * Tables of a format version Floe does not write. A v1 table (PyIceberg still makes them on request,
 * and older engines made nothing else) is read as PyIceberg reads it, but writes to it stop before
 * anything is written: v2 manifests in a v1 table would break the v1 readers of other engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { rewriteDataFiles } from '../../../core/iceberg/maintenance/rewrite-data-files.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { currentSchema } from '../../../core/iceberg/write/snapshot-producer.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { sqliteLocalCatalog, type CatalogUnderTest } from './catalogs.ts';
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
