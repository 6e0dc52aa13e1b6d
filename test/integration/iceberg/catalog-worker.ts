/**
 * One process of the catalog concurrency test: bootstrap the catalog, then make sure the
 * namespace and table exist. Prints { created, metadataLocation }.
 */
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { ensureTable } from '../../../core/iceberg/catalog/ensure.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';

const { db, warehouse, io, startAt } = JSON.parse(process.argv[2]!) as { db: string; warehouse: string; io: FileIOConfig; startAt: number };
// All workers start their first catalog call at the same instant, so they really race.
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(db), warehouse, io: (l) => fileIOFor(l, io) });
const { table, created } = await ensureTable(catalog, { namespace: ['moderation'], name: 'training_data' }, {
  schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'image_id', required: true, type: 'string' }] },
});
await catalog.close();
process.stdout.write(JSON.stringify({ created, metadataLocation: table.metadataLocation }));
