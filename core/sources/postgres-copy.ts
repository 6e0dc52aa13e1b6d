/**
 * A query's rows as COPY text or binary (the fastest ways out of Postgres), as raw chunks of
 * bytes; copy-columns.ts and copy-binary.ts parse them.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** COPY (sql) TO STDOUT on a pg client, as raw chunks; aborting the signal stops the stream. */
export async function* copyOutChunks(
  client: pg.ClientBase, sql: string, signal?: AbortSignal, format: 'text' | 'binary' = 'text',
): AsyncGenerator<Uint8Array> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`));
  const onAbort = () => stream.destroy(signal!.reason as Error);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* stream as AsyncIterable<Buffer>;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
