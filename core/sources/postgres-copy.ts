/**
 * Reads a query's rows as COPY text (the fastest way out of Postgres) in batches of column
 * arrays: memory stays at one batch however big the table.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** One batch: per column, the rows' values as text (COPY's rendering) or null. */
export type TextColumns = (string | null)[][];

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Undoes COPY text escaping: \\t \\n \\\\ ..., octal \\ooo and hex \\xHH. */
export function unescapeCopyField(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

/**
 * Splits a stream of COPY text (rows end in \n, fields split by \t, \N is null) into batches.
 * `what` names the query in errors.
 */
export async function* copyTextBatches(chunks: AsyncIterable<Uint8Array | string>, columnCount: number, batchRows: number, what: string): AsyncGenerator<TextColumns> {
  const newBatch = (): TextColumns => Array.from({ length: columnCount }, () => []);
  let batch = newBatch();
  let rows = 0;
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const fields = text.slice(start, nl).split('\t');
      if (fields.length !== columnCount) throw new Error(`COPY of ${what} gave a row with ${fields.length} fields, expected ${columnCount}`);
      for (let c = 0; c < columnCount; c++) batch[c]!.push(fields[c] === '\\N' ? null : unescapeCopyField(fields[c]!));
      start = nl + 1;
      if (++rows === batchRows) { yield batch; batch = newBatch(); rows = 0; }
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) throw new Error(`COPY of ${what} ended in the middle of a row`);
  if (rows > 0) yield batch;
}

/** COPY (sql) TO STDOUT on a pg client, as raw chunks; aborting the signal stops the stream. */
export async function* copyOutChunks(client: pg.ClientBase, sql: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  const onAbort = () => stream.destroy(signal!.reason as Error);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* stream as AsyncIterable<Buffer>;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export function copyQuery(client: pg.ClientBase, sql: string, columnCount: number, batchRows = 65536, signal?: AbortSignal): AsyncGenerator<TextColumns> {
  return copyTextBatches(copyOutChunks(client, sql, signal), columnCount, batchRows, `"${sql}"`);
}
