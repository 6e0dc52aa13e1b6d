/**
 * The addresses of the running test bed, as test/services/up.sh wrote them. Integration tests
 * get every service from here; a missing test bed is an error that says how to start it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { createServer } from 'node:net';

export interface TestBed {
  pgUrl: string;
  pgBin: string;
  kafkaBrokers: string[];
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  /** Iceberg REST catalog server (test/services/iceberg-rest.sh); its warehouse is on `s3`. */
  rest: { uri: string; warehouse: string };
  python: string;
  chromium: string;
}

let cached: TestBed | undefined;

export function testBed(): TestBed {
  if (cached) return cached;
  const dir = process.env.FLOE_SERVICES_DIR ?? resolve(import.meta.dirname, '../../.floe-services');
  let env: Record<string, string>;
  try {
    env = JSON.parse(readFileSync(resolve(dir, 'services.json'), 'utf8')) as Record<string, string>;
  } catch {
    throw new Error(`The test bed is not running (no ${dir}/services.json). Start it with "npm run services:up", or run everything with "npm test".`);
  }
  const need = (key: string): string => {
    const v = env[key];
    if (!v) throw new Error(`The test bed's services.json has no ${key}: restart it with "npm run services:up".`);
    return v;
  };
  cached = {
    pgUrl: need('FLOE_TEST_PG_URL'),
    pgBin: need('FLOE_TEST_PG_BIN'),
    kafkaBrokers: need('FLOE_TEST_KAFKA_BROKERS').split(','),
    s3: {
      endpoint: need('FLOE_TEST_S3_ENDPOINT'), region: need('FLOE_TEST_S3_REGION'),
      accessKeyId: need('FLOE_TEST_S3_ACCESS_KEY'), secretAccessKey: need('FLOE_TEST_S3_SECRET_KEY'),
      bucket: need('FLOE_TEST_S3_BUCKET'),
    },
    rest: { uri: need('FLOE_TEST_ICEBERG_REST_URI'), warehouse: need('FLOE_TEST_ICEBERG_REST_WAREHOUSE') },
    python: need('FLOE_TEST_PYTHON'),
    chromium: need('FLOE_TEST_CHROMIUM'),
  };
  return cached;
}

/** A new, empty database on the test Postgres; its connection string. Test files never share one. */
export async function freshDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: testBed().pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testBed().pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A name unique to this test process, for topics, prefixes and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A loopback port nothing listens on right now (for "connection refused" cases and private servers). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
