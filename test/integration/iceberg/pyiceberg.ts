/** Runs PyIceberg (test/integration/iceberg/pyiceberg_cli.py) against a catalog, for interop tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { testBed } from '../../services/testbed.ts';

const run = promisify(execFile);

export interface PyTable {
  metadata_location: string;
  format_version: number;
  schema: { fields: { id: number; name: string; type: unknown; required: boolean }[] };
  spec: { 'spec-id': number; fields: { 'source-id': number; 'field-id': number; transform: string; name: string }[] };
  properties: Record<string, string>;
  current_snapshot_id: string | null;
  snapshots: { snapshot_id: string; parent_snapshot_id: string | null; sequence_number: number; summary: Record<string, string> }[];
  row_count: number;
  rows: Record<string, unknown>[];
}

/** A SQL catalog (uri: SQLAlchemy URL) unless `type` is 'rest' (uri: the REST service root). */
export interface PyCatalog { uri: string; warehouse: string; type?: 'sql' | 'rest' }

/** Runs a Python script of this folder against a catalog: its command and JSON arguments in, JSON out. */
export async function python<T>(scriptName: string, catalog: PyCatalog, command: string, args: object): Promise<T> {
  const bed = testBed();
  try {
    const { stdout } = await run(bed.python, [resolve(import.meta.dirname, scriptName), command, JSON.stringify(args)], {
      maxBuffer: 256 * 1024 * 1024,
      env: {
        PATH: process.env.PATH, FLOE_ICEBERG_CATALOG_TYPE: catalog.type ?? 'sql',
        FLOE_ICEBERG_CATALOG_URI: catalog.uri, FLOE_ICEBERG_WAREHOUSE: catalog.warehouse,
        FLOE_TEST_S3_ENDPOINT: bed.s3.endpoint, FLOE_TEST_S3_ACCESS_KEY: bed.s3.accessKeyId,
        FLOE_TEST_S3_SECRET_KEY: bed.s3.secretAccessKey, FLOE_TEST_S3_REGION: bed.s3.region,
      },
    });
    return JSON.parse(stdout) as T;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${scriptName} ${command} failed: ${e.stderr?.split('\n').slice(-8).join('\n') ?? e.message}`);
  }
}

export function pyiceberg<T = PyTable>(catalog: PyCatalog, command: string, args: object = {}): Promise<T> {
  return python<T>('pyiceberg_cli.py', catalog, command, args);
}
