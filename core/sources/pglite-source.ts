/**
 * PGlite (in-process Postgres, the embedded demo's source) as a SqlSource. PGlite's COPY TO
 * writes a whole Blob, so tables are read in key-ordered pages to keep memory at one page.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { quoteIdent, RENDERING, type CopyRequest, type SqlSource } from './sql-source.ts';
import { unescapeCopyBytes } from './copy-columns.ts';

const TAB = 9, NL = 10;
const decoder = new TextDecoder();

/** The first field of the last row of a page of COPY text: the key to read the next page after. */
function lastKey(page: Uint8Array): string {
  const rowStart = page.lastIndexOf(NL, page.length - 2) + 1;
  const tab = page.indexOf(TAB, rowStart);
  return decoder.decode(unescapeCopyBytes(page.subarray(rowStart, tab === -1 ? page.length - 1 : tab)));
}

async function* pages(tx: Transaction, { table, columns, key }: CopyRequest, pageRows: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let after: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const where: string = after === null ? '' : `WHERE ${quoteIdent(key)} > '${after.replace(/'/g, "''")}'`;
    const sql = `COPY (SELECT ${columns.join(', ')} FROM ${quoteIdent(table)} ${where} ORDER BY ${quoteIdent(key)} LIMIT ${pageRows}) TO '/dev/blob'`;
    const blob = (await tx.query(sql)).blob;
    const page = blob ? new Uint8Array(await blob.arrayBuffer()) : new Uint8Array(0);
    if (page.length === 0) return;
    after = lastKey(page);
    let rows = 0;
    for (let i = page.indexOf(NL); i !== -1; i = page.indexOf(NL, i + 1)) rows++;
    yield page;
    if (rows < pageRows) return;
  }
}

export function pgliteSource(db: PGlite, { description = 'PGlite (in-process)', pageRows = 50_000 } = {}): SqlSource {
  return {
    description,
    readSnapshot: (fn) => db.transaction(async (tx) => {
      await tx.exec(RENDERING);
      return fn({
        count: async (table) => Number((await tx.query<{ n: number | string }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`)).rows[0]!.n),
        copyText: (r, signal) => pages(tx, r, pageRows, signal),
      });
    }),
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
