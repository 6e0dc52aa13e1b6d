/** One process of the concurrent-append test: appends 50 rows of its own to the shared table. */
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';
import { batchOf } from './table-batches.ts';

const { db, warehouse, io, worker, startAt } = JSON.parse(process.argv[2]!) as { db: string; warehouse: string; io: FileIOConfig; worker: number; startAt: number };
const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(db), warehouse, io: (l) => fileIOFor(l, io) });
const id = { namespace: ['event_aggregations'], name: 'contended' };
const schema = (await catalog.loadTable(id)).metadata.schemas[0]!;
const rows = Array.from({ length: 50 }, (_, i) => ({ image_id: `w${worker}-${i}`, window_start: 1_773_144_000_000_000n + BigInt(i) * 300_000_000n, event_count: BigInt(i) }));
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const result = await writeTable(catalog, id, (l) => fileIOFor(l, io), [batchOf(schema, rows)], { mode: 'append' });
await catalog.close();
process.stdout.write(JSON.stringify({ attempts: result.attempts, snapshotId: String(result.snapshotId) }));
