import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { copyOutChunks } from '../../../core/sources/postgres-copy.ts';
import { copyColumnBatches, type CopyBatch } from '../../../core/sources/copy-columns.ts';
import { testBed } from '../../services/testbed.ts';

// extract reads timestamptz columns as Postgres's ISO text and computes microseconds itself; here
// Postgres's own exact arithmetic (numeric epoch) says what they must be, over a wide spread of times.
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

async function parsedAndExact(timeZone: string): Promise<{ parsed: bigint[]; exact: bigint[] }> {
  await client.query(`SET TimeZone = '${timeZone}'; SET DateStyle = 'ISO'`);
  const sql = `SELECT t, (extract(epoch from t) * 1000000)::bigint FROM (${TIMES}) times`;
  const parsed: bigint[] = [];
  const exact: bigint[] = [];
  const batches = copyColumnBatches(copyOutChunks(client, sql), [{ name: 't', kind: 'timestamptz' }, { name: 'exact', kind: 'int64' }], 50_000, 'times');
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
});
