/**
 * Reads a query's rows from Postgres with COPY ... TO STDOUT (text format), in batches of column
 * arrays: the fastest way out of Postgres, and memory stays at one batch however big the table.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** One batch: per column, the rows' values as text (COPY's rendering) or null. */
export type TextColumns = (string | null)[][];

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Undoes COPY text escaping: \\t \\n \\\\ ..., octal \\ooo and hex \\xHH. */
function unescape(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

export async function* copyQuery(client: pg.ClientBase, sql: string, columnCount: number, batchRows = 65536, signal?: AbortSignal): AsyncGenerator<TextColumns> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  const onAbort = () => stream.destroy(signal!.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  const newBatch = (): TextColumns => Array.from({ length: columnCount }, () => []);
  let batch = newBatch();
  let rows = 0;
  let rest = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const fields = text.slice(start, nl).split('\t');
        if (fields.length !== columnCount) throw new Error(`COPY of "${sql}" gave a row with ${fields.length} fields, expected ${columnCount}`);
        for (let c = 0; c < columnCount; c++) batch[c]!.push(fields[c] === '\\N' ? null : unescape(fields[c]!));
        start = nl + 1;
        if (++rows === batchRows) { yield batch; batch = newBatch(); rows = 0; }
      }
      rest = text.slice(start);
    }
    if (rest.length > 0) throw new Error(`COPY of "${sql}" ended in the middle of a row`);
    if (rows > 0) yield batch;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
