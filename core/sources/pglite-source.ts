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
