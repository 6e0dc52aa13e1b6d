/**
 * Loads the synthetic world into a real Postgres with COPY: five COPY streams fed from one pass
 * over the generator, so millions of rows stream through with bounded memory.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { SOURCE_TABLES, type SourceTableName } from './model.ts';
import type { World } from './generator.ts';
import { addSourceKeysSql, copyFromStdinSql, copyTextLine, createSourceTablesSql } from './source-schema.ts';

export type RowCounts = Record<SourceTableName, number>;
export type Progress = (done: RowCounts) => void;

export async function loadWorldIntoPostgres(world: World, connectionString: string, onProgress?: Progress): Promise<RowCounts> {
  const clients = await Promise.all(SOURCE_TABLES.map(async () => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    return c;
  }));
  const counts = Object.fromEntries(SOURCE_TABLES.map((t) => [t, 0])) as RowCounts;
  try {
    await clients[0]!.query(createSourceTablesSql());
    const streams = new Map<SourceTableName, Writable>(
      SOURCE_TABLES.map((t, i) => [t, clients[i]!.query(copyFrom(copyFromStdinSql(t)))]),
    );
    let rows = 0;
    for (const r of world.tableRows()) {
      const stream = streams.get(r.table)!;
      if (!stream.write(copyTextLine(r))) await once(stream, 'drain');
      counts[r.table]++;
      if (onProgress && ++rows % 100_000 === 0) onProgress(counts);
    }
    await Promise.all([...streams.values()].map((s) => { s.end(); return finished(s); }));
    await clients[0]!.query(addSourceKeysSql());
    onProgress?.(counts);
    return counts;
  } catch (err) {
    throw new Error(`Loading the synthetic data into Postgres failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
