/**
 * A writer that dies between writing its data files and committing them, for the orphan-file
 * crash test. It appends through the real writeTable; when the commit is about to be built (the
 * data files are all on storage, no manifest is written yet) it prints "files-written" and
 * freezes until the test kills it with SIGKILL. Run with `node --import tsx` so that the pid
 * the test kills is this process and not a launcher.
 */
import { writeSync } from 'node:fs';
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver, SqliteDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { parseIdentifier } from '../../../core/iceberg/catalog/catalog.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';
import { batchOf } from './table-batches.ts';

const args = JSON.parse(process.argv[2]!) as { uri: string; warehouse: string; io: FileIOConfig; table: string; rows: number };
const io = (l: string) => fileIOFor(l, args.io);
// The PyIceberg catalog URI names the same database: postgresql://... or sqlite:///<absolute path>.
const driver = args.uri.startsWith('sqlite:///') ? new SqliteDriver(args.uri.slice('sqlite:///'.length)) : new PostgresDriver(args.uri);
const catalog = new SqlCatalog({ name: 'gourmetgram', driver, warehouse: args.warehouse, io });
const id = parseIdentifier(args.table);
const schema = (await catalog.loadTable(id)).metadata.schemas[0]!;
const rows = Array.from({ length: args.rows }, (_, i) => ({
  image_id: `crash-${i}`, window_start: 1_773_144_000_000_000n + BigInt(i) * 86_400_000_000n, event_count: BigInt(i),
}));

await writeTable(catalog, id, io, [batchOf(schema, rows)], {
  mode: 'append',
  validate: () => {
    // Synchronous on purpose: nothing after this line may run, not even a pending promise.
    writeSync(1, 'files-written\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
});
writeSync(1, 'committed\n'); // never reached: the test kills the process first
