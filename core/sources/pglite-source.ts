/**
 * PGlite (in-process Postgres, the embedded demo's source) as a SqlSource. PGlite's COPY TO
 * writes a whole Blob, so tables are read in key-ordered pages to keep memory at one page.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { quoteIdent, type CopyRequest, type SqlSource } from './sql-source.ts';
import { unescapeCopyField } from './postgres-copy.ts';

async function* pages(tx: Transaction, { table, columns, key }: CopyRequest, pageRows: number, signal?: AbortSignal): AsyncGenerator<string> {
  let after: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const where: string = after === null ? '' : `WHERE ${quoteIdent(key)} > '${after.replace(/'/g, "''")}'`;
    const sql = `COPY (SELECT ${columns.join(', ')} FROM ${quoteIdent(table)} ${where} ORDER BY ${quoteIdent(key)} LIMIT ${pageRows}) TO '/dev/blob'`;
    const blob = (await tx.query(sql)).blob;
    const text = blob ? await blob.text() : '';
    if (text.length === 0) return;
    yield text;
    const lastRow = text.slice(text.lastIndexOf('\n', text.length - 2) + 1, -1);
    after = unescapeCopyField(lastRow.slice(0, lastRow.indexOf('\t') === -1 ? undefined : lastRow.indexOf('\t')));
    let rows = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rows++;
    if (rows < pageRows) return;
  }
}

export function pgliteSource(db: PGlite, { description = 'PGlite (in-process)', pageRows = 50_000 } = {}): SqlSource {
  return {
    description,
    readSnapshot: (fn) => db.transaction((tx) => fn({
      count: async (table) => Number((await tx.query<{ n: number | string }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`)).rows[0]!.n),
      copyText: (r, signal) => pages(tx, r, pageRows, signal),
    })),
  };
}

export interface SharedPglite {
  source: SqlSource;
  release(): Promise<void>;
}

// One PGlite per data folder in this process: two instances on one folder would corrupt it.
const open = new Map<string, { db: Promise<PGlite>; users: number }>();

/** The PGlite in `dir` as a source, shared by everyone in this process; closed when the last user releases it. */
export async function sharedPglite(dir: string): Promise<SharedPglite> {
  let entry = open.get(dir);
  if (!entry) {
    const db = import('@electric-sql/pglite').then(({ PGlite: Pg }) => Pg.create(dir));
    entry = { db, users: 0 };
    open.set(dir, entry);
    db.catch(() => open.delete(dir));
  }
  entry.users++;
  const shared = entry;
  let db: PGlite;
  try {
    db = await shared.db;
  } catch (err) {
    shared.users--;
    throw new Error(`Cannot open the embedded PGlite source in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  let released = false;
  return {
    source: pgliteSource(db, { description: `PGlite in ${dir}` }),
    async release() {
      if (released) return;
      released = true;
      if (--shared.users === 0 && open.get(dir) === shared) {
        open.delete(dir);
        await db.close();
      }
    },
  };
}
