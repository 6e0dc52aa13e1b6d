/**
 * The two catalog set-ups every Iceberg interop test runs on: a SQL catalog in the test Postgres
 * with its warehouse on the test S3 server, and a SQLite catalog file with a local warehouse.
 * Each call makes a fresh, empty catalog; PyIceberg gets the same catalog through `py`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver, SqliteDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import type { PyCatalog } from './pyiceberg.ts';

export interface CatalogUnderTest {
  kind: 'postgres+s3' | 'sqlite+local';
  catalog: SqlCatalog;
  py: PyCatalog;
  io: FileIOConfig;
  /** Opens another SqlCatalog on the same database, as a second process would. */
  reopen(): SqlCatalog;
}

export function s3Config(): FileIOConfig {
  const s3 = testBed().s3;
  return { s3: { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true } };
}

export async function postgresS3Catalog(): Promise<CatalogUnderTest> {
  const db = await freshDatabase('iceberg');
  const warehouse = `s3://${testBed().s3.bucket}/${uniqueName('warehouse')}`;
  const io = s3Config();
  const open = () => new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(db), warehouse, io: (l) => fileIOFor(l, io) });
  return { kind: 'postgres+s3', catalog: open(), py: { uri: db, warehouse }, io, reopen: open };
}

export async function sqliteLocalCatalog(): Promise<CatalogUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-iceberg-'));
  const file = join(dir, 'catalog.db');
  const warehouse = `file://${dir}/warehouse`;
  const io: FileIOConfig = {};
  const open = () => new SqlCatalog({ name: 'gourmetgram', driver: new SqliteDriver(file), warehouse, io: (l) => fileIOFor(l, io) });
  return { kind: 'sqlite+local', catalog: open(), py: { uri: `sqlite:///${file}`, warehouse }, io, reopen: open };
}

export const catalogSetups = [
  ['Postgres + S3', postgresS3Catalog],
  ['SQLite + local folder', sqliteLocalCatalog],
] as const;
