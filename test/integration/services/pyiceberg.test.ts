import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';

const run = promisify(execFile);
const bed = testBed();
const smoke = resolve(import.meta.dirname, '../../services/pyiceberg/smoke.py');

interface SmokeResult {
  row_count: number;
  rows: { image_id: string; window_start: string; event_count: number }[];
  metadata_location: string;
  snapshot_summary: Record<string, string>;
  field_ids: Record<string, number>;
  files: { path: string; record_count: number; parquet_field_ids: Record<string, number> }[];
}

async function pyiceberg(catalogUri: string, warehouse: string): Promise<SmokeResult> {
  const { stdout } = await run(bed.python, [smoke], {
    env: {
      PATH: process.env.PATH, FLOE_ICEBERG_CATALOG_URI: catalogUri, FLOE_ICEBERG_WAREHOUSE: warehouse,
      FLOE_TEST_S3_ENDPOINT: bed.s3.endpoint, FLOE_TEST_S3_ACCESS_KEY: bed.s3.accessKeyId,
      FLOE_TEST_S3_SECRET_KEY: bed.s3.secretAccessKey, FLOE_TEST_S3_REGION: bed.s3.region,
    },
  });
  return JSON.parse(stdout) as SmokeResult;
}

const expectedRows = [
  { image_id: 'img-1', window_start: '2024-05-01T12:00:00+00:00', event_count: 3 },
  { image_id: 'img-2', window_start: '2024-05-01T12:05:00+00:00', event_count: 0 },
  { image_id: 'img-3', window_start: '2024-05-02T00:00:00+00:00', event_count: 42 },
];

describe('test bed: PyIceberg', () => {
  it('creates, appends to and reads a partitioned table in a SQL catalog on Postgres with its warehouse on S3', async () => {
    const db = await freshDatabase('pyiceberg');
    const prefix = `warehouse-${uniqueName('py')}`;
    const result = await pyiceberg(db, `s3://${bed.s3.bucket}/${prefix}`);
    expect(result.rows).toEqual(expectedRows);
    expect(result.field_ids).toEqual({ image_id: 1, window_start: 2, event_count: 3 });
    expect(result.snapshot_summary).toMatchObject({ operation: 'append', 'added-records': '3' });
    for (const f of result.files) expect(f.parquet_field_ids).toEqual(result.field_ids);

    // Checked from outside PyIceberg: the catalog row in Postgres and the objects on S3.
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    const rows = (await client.query('SELECT catalog_name, table_namespace, table_name, metadata_location FROM iceberg_tables')).rows;
    await client.end();
    expect(rows).toEqual([{ catalog_name: 'gourmetgram', table_namespace: 'smoke', table_name: 'image_events', metadata_location: result.metadata_location }]);
    const s3 = new S3Client({
      endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true,
      credentials: { accessKeyId: bed.s3.accessKeyId, secretAccessKey: bed.s3.secretAccessKey },
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bed.s3.bucket, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => `s3://${bed.s3.bucket}/${o.Key}`);
    expect(keys).toContain(result.metadata_location);
    for (const f of result.files) expect(keys).toContain(f.path);
    expect(result.files.map((f) => f.record_count).sort()).toEqual([1, 2]); // two day partitions
  });

  it('does the same with a SQLite catalog file and a local warehouse folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-pyiceberg-'));
    const result = await pyiceberg(`sqlite:///${dir}/catalog.db`, `file://${dir}/warehouse`);
    expect(result.rows).toEqual(expectedRows);
    expect(existsSync(new URL(result.metadata_location).pathname)).toBe(true);
  });
});
