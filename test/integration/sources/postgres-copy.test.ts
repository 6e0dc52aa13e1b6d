import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { copyOutChunks } from '../../../core/sources/postgres-copy.ts';
import { freshDatabase } from '../../services/testbed.ts';

let url: string;
const clients: pg.Client[] = [];
beforeAll(async () => {
  url = await freshDatabase('pgcopy');
  const c = await connect();
  // Rows of every size, fields far bigger than a socket read among them.
  await c.query(`CREATE TABLE t AS SELECT i, md5(i::text) AS h, CASE WHEN i % 997 = 0 THEN repeat('🍜' || i, 40000) ELSE 'row ' || i END AS body,
    now() - i * interval '1 minute' AS at FROM generate_series(1, 60000) i`);
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
});

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** pg-copy-streams' reading of the same COPY: the reference. */
async function reference(c: pg.Client, sql: string): Promise<Buffer> {
  return collect(c.query(copyTo(sql)) as AsyncIterable<Buffer>);
}

describe('COPY read off the socket', () => {
  it.each(['text', 'binary'] as const)('gives the same bytes as pg-copy-streams (%s), and leaves the connection ready', async (format) => {
    const c = await connect();
    const sql = 'SELECT * FROM t ORDER BY i';
    const ours = await collect(copyOutChunks(c, sql, { format }));
    const theirs = await reference(c, `COPY (${sql}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`);
    expect(ours.length).toBeGreaterThan(20_000_000);
    expect(ours.equals(theirs)).toBe(true);
    expect((await c.query('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
  });

  it('reads through notices the server sends between rows', async () => {
    const c = await connect();
    await c.query(`CREATE FUNCTION noisy(i int) RETURNS int AS $$ BEGIN IF i % 1000 = 0 THEN RAISE NOTICE 'at %', i; END IF; RETURN i; END $$ LANGUAGE plpgsql`);
    const text = (await collect(copyOutChunks(c, 'SELECT noisy(i) FROM generate_series(1, 5000) i'))).toString();
    expect(text).toBe(Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join(''));
  });

  it('fails with the server\'s error when a row fails mid-COPY, and the connection still answers', async () => {
    const c = await connect();
    const chunks = copyOutChunks(c, 'SELECT 1 / (50000 - i) FROM generate_series(1, 100000) i');
    await expect(collect(chunks)).rejects.toThrow(/division by zero/);
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('fails with the server\'s error for a query that cannot start', async () => {
    const c = await connect();
    await expect(collect(copyOutChunks(c, 'SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('closes the connection when the reading stops early, so nothing waits on it forever', async () => {
    const c = await connect();
    for await (const chunk of copyOutChunks(c, 'SELECT * FROM t')) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await expect(c.query('COMMIT')).rejects.toThrow();
  });

  it('stops at once when its signal is aborted, with the abort reason', async () => {
    const c = await connect();
    const abort = new AbortController();
    let seen = 0;
    const reading = (async () => {
      for await (const chunk of copyOutChunks(c, 'SELECT * FROM t, generate_series(1, 50)', { signal: abort.signal })) {
        seen += chunk.length;
        if (seen > 1_000_000) abort.abort(new Error('cancelled by the test'));
      }
    })();
    await expect(reading).rejects.toThrow('cancelled by the test');
    expect(seen).toBeLessThan(50_000_000);
  });
});
