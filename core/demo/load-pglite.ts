/**
 * Fills an in-process PGlite database (the embedded default's source) with the synthetic world.
 * PGlite takes COPY from a Blob, so rows go in per table in chunks of bounded size.
 */
import { PGlite } from '@electric-sql/pglite';
import { SOURCE_TABLES, type SourceTableName } from './model.ts';
import type { World } from './generator.ts';
import { addSourceKeysSql, copyTextLine, createSourceTablesSql, SOURCE_COLUMNS } from './source-schema.ts';
import type { RowCounts } from './load-postgres.ts';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** `dataDir` undefined keeps the database in memory. The caller closes the returned PGlite. */
export async function loadWorldIntoPglite(world: World, dataDir?: string): Promise<{ db: PGlite; counts: RowCounts }> {
  const db = new PGlite(dataDir);
  await db.exec(createSourceTablesSql());
  const counts = Object.fromEntries(SOURCE_TABLES.map((t) => [t, 0])) as RowCounts;
  const pending = new Map<SourceTableName, string[]>(SOURCE_TABLES.map((t) => [t, []]));
  const sizes = new Map<SourceTableName, number>(SOURCE_TABLES.map((t) => [t, 0]));

  const flush = async (table: SourceTableName) => {
    const lines = pending.get(table)!;
    if (lines.length === 0) return;
    const sql = `COPY ${table} (${SOURCE_COLUMNS[table].join(', ')}) FROM '/dev/blob'`;
    await db.query(sql, [], { blob: new Blob([lines.join('')]) });
    pending.set(table, []);
    sizes.set(table, 0);
  };

  for (const r of world.tableRows()) {
    const line = copyTextLine(r);
    pending.get(r.table)!.push(line);
    counts[r.table]++;
    const size = sizes.get(r.table)! + line.length;
    sizes.set(r.table, size);
    if (size >= CHUNK_BYTES) await flush(r.table);
  }
  for (const t of SOURCE_TABLES) await flush(t);
  await db.exec(addSourceKeysSql());
  return { db, counts };
}
