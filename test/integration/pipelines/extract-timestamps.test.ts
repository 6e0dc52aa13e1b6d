import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { copyOutChunks } from '../../../core/sources/postgres-copy.ts';
import { copyColumnBatches, type CopyBatch } from '../../../core/sources/copy-columns.ts';
import { parsedBatches } from '../../../core/sources/copy-batches.ts';
import { CopyBinaryParser } from '../../../core/sources/copy-binary.ts';
import { testBed } from '../../services/testbed.ts';

// extract reads timestamptz columns as Postgres's ISO text (PGlite) or binary (Postgres) and computes
// microseconds itself; here Postgres's own exact arithmetic (numeric epoch) says what they must be,
// over a wide spread of times.
let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: testBed().pgUrl });
  await client.connect();
});
afterAll(() => client.end());

const TIMES = `
  SELECT t FROM generate_series('0001-01-01 00:00:00+00'::timestamptz, '9999-12-31 00:00:00+00', interval '3 days 7 hours 11 minutes 13.123457 seconds') t
  UNION ALL SELECT unnest(ARRAY['1970-01-01 00:00:00+00', '1969-12-31 23:59:59.999999+00', '2000-02-29 12:00:00.5+00', '2026-03-02 09:30:27.390348+00',
    '0044-03-15 12:00:00+00 BC', '4713-11-24 00:00:00+00 BC', '12345-06-07 08:09:10.111213+00', '1900-01-01 00:00:00+00']::timestamptz[])`;

async function parsedAndExact(timeZone: string, format: 'text' | 'binary' = 'text'): Promise<{ parsed: bigint[]; exact: bigint[] }> {
  await client.query(`SET TimeZone = '${timeZone}'; SET DateStyle = 'ISO'`);
  const sql = `SELECT t, (extract(epoch from t) * 1000000)::bigint FROM (${TIMES}) times`;
  const parsed: bigint[] = [];
  const exact: bigint[] = [];
  const specs = [{ name: 't', kind: 'timestamptz' as const }, { name: 'exact', kind: 'int64' as const }];
  const batches = format === 'text'
    ? copyColumnBatches(copyOutChunks(client, sql), specs, 50_000, 'times')
    : parsedBatches(copyOutChunks(client, sql, { format: 'binary' }), new CopyBinaryParser(specs, 50_000, 'times'));
  for await (const b of batches as AsyncIterable<CopyBatch>) {
    const [t, e] = b.columns;
    if (t!.kind !== 'int64' || e!.kind !== 'int64') throw new Error('both columns should be int64');
    parsed.push(...t!.values);
    exact.push(...e!.values);
  }
  return { parsed, exact };
}

describe('timestamptz text from Postgres, parsed to microseconds', () => {
  // UTC is what extract asks for; the others check offsets with minutes (+05:30, -03:30) and the
  // seconds of local mean time (Amsterdam was +00:19:32 until 1937).
  it.each(['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam'])('equals Postgres\'s own epoch microseconds with TimeZone %s', async (zone) => {
    const { parsed, exact } = await parsedAndExact(zone);
    expect(parsed.length).toBeGreaterThan(1_100_000);
    const wrong = parsed.findIndex((v, i) => v !== exact[i]);
    expect(wrong, wrong < 0 ? '' : `row ${wrong}: parsed ${parsed[wrong]}, Postgres says ${exact[wrong]}`).toBe(-1);
  });

  it('equals Postgres\'s own epoch microseconds read as COPY binary', async () => {
    const { parsed, exact } = await parsedAndExact('America/St_Johns', 'binary');
    expect(parsed.length).toBeGreaterThan(1_100_000);
    const wrong = parsed.findIndex((v, i) => v !== exact[i]);
    expect(wrong, wrong < 0 ? '' : `row ${wrong}: parsed ${parsed[wrong]}, Postgres says ${exact[wrong]}`).toBe(-1);
  });
});

describe('COPY binary and text of the same rows', () => {
  it('give the same columns: uuids as canonical text, any text, integers of every width, nulls', async () => {
    await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    const sql = `SELECT gen_random_uuid() AS id, u::uuid AS fixed, txt, i2, i4, i8 FROM (VALUES
        ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', E'tab\\there\\nnew\\\\line', '-32768'::int2, '-2147483648'::int4, '-9223372036854775808'::int8),
        ('00000000-0000-0000-0000-000000000000', '🍜 ラーメン 𝄞 émoji', 32767::int2, 2147483647::int4, 9223372036854775807::int8),
        (NULL, '', NULL, NULL, NULL),
        ('ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, 0::int2, 0::int4, 0::int8)
      ) v(u, txt, i2, i4, i8), generate_series(1, 5000)`;
    const specs = [
      { name: 'id', kind: 'uuid' as const }, { name: 'fixed', kind: 'uuid' as const }, { name: 'txt', kind: 'utf8' as const },
      { name: 'i2', kind: 'int32' as const }, { name: 'i4', kind: 'int32' as const }, { name: 'i8', kind: 'int64' as const },
    ];
    // One snapshot of random uuids for both formats.
    await client.query(`CREATE TEMP TABLE same_rows AS ${sql}`);
    const read = async (format: 'text' | 'binary') => {
      const chunks = copyOutChunks(client, 'SELECT * FROM same_rows', { format });
      const batches = format === 'text' ? copyColumnBatches(chunks, specs, 7_000, 'same_rows') : parsedBatches(chunks, new CopyBinaryParser(specs, 7_000, 'same_rows'));
      const out: CopyBatch[] = [];
      for await (const b of batches) out.push(b);
      return out;
    };
    const [text, binary] = [await read('text'), await read('binary')];
    expect(binary.map((b) => b.rows)).toEqual([7_000, 7_000, 6_000]);
    expect(binary).toEqual(text);
    const first = binary[0]!.columns[1]!;
    expect(first.kind === 'utf8' && new TextDecoder().decode(first.bytes.subarray(0, 36))).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });
});
