import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freshDatabase } from '../../services/testbed.ts';

describe('test bed: PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: await freshDatabase('pg_smoke') });
    await client.connect();
  });
  afterAll(() => client.end());

  it('answers queries on a private cluster over loopback TCP', async () => {
    const r = await client.query<{ v: string; addr: string }>('SELECT version() AS v, inet_server_addr()::text AS addr');
    expect(r.rows[0]!.v).toMatch(/^PostgreSQL \d+/);
    expect(r.rows[0]!.addr).toBe('127.0.0.1/32');
  });

  it('takes COPY FROM STDIN and gives the rows back with COPY TO STDOUT', async () => {
    await client.query('CREATE TABLE t (id int, name text, at timestamptz)');
    const lines = Array.from({ length: 10_000 }, (_, i) => `${i}\tname ${i}\t2026-03-10 12:00:00.${String(i).padStart(6, '0')}+00\n`);
    await pipeline(Readable.from(lines), client.query(copyFrom('COPY t FROM STDIN')));
    const r = await client.query<{ n: string; s: string }>('SELECT count(*) AS n, sum(id) AS s FROM t');
    expect(r.rows[0]).toEqual({ n: '10000', s: String((9999 * 10000) / 2) });

    const chunks: Buffer[] = [];
    const out = client.query(copyTo("COPY (SELECT id, name FROM t WHERE id < 3 ORDER BY id) TO STDOUT"));
    for await (const chunk of out) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('0\tname 0\n1\tname 1\n2\tname 2\n');
  });
});
