import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMissingColumns } from '../../../core/iceberg/write/evolve-schema.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { currentSchema } from '../../../core/iceberg/write/snapshot-producer.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { catalogSetups, type CatalogUnderTest } from './catalogs.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, rowsOf, collectBatches } from './table-batches.ts';

const collect = collectBatches;

describe.each(catalogSetups)('schema evolution on a PyIceberg-made table (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  const id = { namespace: ['moderation'], name: 'seed_made' };
  beforeAll(async () => {
    c = await setup();
    await pyiceberg<PyTable>(c.py, 'create', { table: 'moderation.seed_made', partitioned: false });
  });
  afterAll(() => c.catalog.close());

  it('adds a column with the next field id, keeps existing ids, and is a no-op the second time', async () => {
    const { table, added } = await addMissingColumns(c.catalog, id, [{ name: 'label_window_complete', required: false, type: 'boolean' }]);
    expect(added).toEqual(['label_window_complete']);
    const schema = currentSchema(table.metadata);
    expect(schema.fields.map((f) => [f.id, f.name])).toEqual([[1, 'image_id'], [2, 'window_start'], [3, 'event_count'], [4, 'label_window_complete']]);
    expect(table.metadata['last-column-id']).toBe(4);
    const again = await addMissingColumns(c.catalog, id, [{ name: 'label_window_complete', required: false, type: 'boolean' }]);
    expect(again.added).toEqual([]);
    expect(again.table.metadataLocation).toBe(table.metadataLocation);
  });

  it('writes with the new column; old rows read as null in Floe and in PyIceberg', async () => {
    const md = (await c.catalog.loadTable(id)).metadata;
    const schema = currentSchema(md);
    await writeTable(c.catalog, id, (l) => fileIOFor(l, c.io), [batchOf(schema, [{ image_id: 'new', window_start: null, event_count: 5n, label_window_complete: true }])], { mode: 'append' });
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.seed_made' });
    expect(py.schema.fields.map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(py.rows.map((r) => [r.image_id, r.label_window_complete]).sort()).toEqual([['img-1', null], ['img-2', null], ['img-3', null], ['new', true]]);

    const now = (await c.catalog.loadTable(id)).metadata;
    const rows = rowsOf(await collect(scanTable(fileIOFor(now.location, c.io), now)), ['window_start']);
    expect(rows.map((r) => [r.image_id, r.label_window_complete]).sort()).toEqual([['img-1', null], ['img-2', null], ['img-3', null], ['new', true]]);
  });
});
