/**
 * Apache Iceberg's Java library (java-deletes/DeleteWriter.java, run by java-deletes.sh) as the
 * independent writer of merge-on-read deletes and as the reference reader of their effect.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PartitionSpec, Schema } from '../../../core/iceberg/spec/types.ts';
import type { CanonicalRow } from './canonical-values.ts';
import type { CatalogUnderTest } from './catalogs.ts';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, 'java-deletes/java-deletes.sh');

/** The table the delete tests write: window rows with an id, partitioned by day or not. */
export const DELETES_SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'image_id', required: false, type: 'string' },
    { id: 3, name: 'window_start', required: false, type: 'timestamptz' },
    { id: 4, name: 'event_count', required: false, type: 'long' },
  ],
};
export const DELETES_DAY_SPEC: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 3, 'field-id': 1000, name: 'window_start_day', transform: 'day' }] };

/** Rows in canonical JSON (canonical-values.ts), with the columns they need. */
export interface JavaCommit {
  data?: CanonicalRow[];
  /** `file` is a live data file's path, or "new:<i>" for the i-th data file of this commit. */
  positionDeletes?: { file: string; pos: number }[];
  /** Rows carry the equality columns and, for a partitioned table, the partition source columns. */
  equalityDeletes?: { columns: string[]; rows: CanonicalRow[] };
  deleteFormat?: 'parquet' | 'avro';
}

export interface JavaResult {
  commits: { dataFiles: string[]; deleteFiles: string[]; snapshotId: string; sequenceNumber: number }[];
  /** The table's rows as Java's generic reader returns them, deletes applied (when asked). */
  rows?: CanonicalRow[];
}

/** Java's JdbcCatalog properties for the catalog PyIceberg opens as `c.py` (SQLite file, or Postgres with S3FileIO). */
function javaCatalog(c: CatalogUnderTest): { uri: string; warehouse: string; properties: Record<string, string> } {
  if (c.py.uri.startsWith('sqlite:///')) return { uri: `jdbc:sqlite:file:${c.py.uri.slice('sqlite:///'.length)}`, warehouse: c.py.warehouse, properties: {} };
  const url = new URL(c.py.uri);
  const s3 = c.io.s3;
  if (!url.protocol.startsWith('postgres') || !s3?.endpoint || !s3.accessKeyId || !s3.secretAccessKey) {
    throw new Error(`the Java delete writer opens SQLite catalogs or Postgres ones with an S3 warehouse, not ${url.protocol}`);
  }
  return {
    uri: `jdbc:postgresql://${url.host}${url.pathname}`,
    warehouse: c.py.warehouse,
    properties: {
      'jdbc.user': decodeURIComponent(url.username), 'jdbc.password': decodeURIComponent(url.password),
      'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint': s3.endpoint, 's3.path-style-access': 'true',
      's3.access-key-id': s3.accessKeyId, 's3.secret-access-key': s3.secretAccessKey, 'client.region': s3.region ?? 'us-east-1',
    },
  };
}

/** A table for Java to create first (of a format version Floe and PyIceberg do not write, say). */
export interface JavaCreate { schema: Schema; spec?: PartitionSpec; formatVersion: number }

/**
 * Commits each entry as one Java RowDelta on the table of catalog `c` (creating it first when
 * `create` is given), then reads the table if asked.
 */
export async function javaDeletes(c: CatalogUnderTest, table: string, commits: JavaCommit[], read = true, create?: JavaCreate): Promise<JavaResult> {
  const args = { catalog: javaCatalog(c), table, commits, read, ...(create ? { create } : {}) };
  // Through a file: thousands of deletes would pass the argument list's size limit.
  const dir = await mkdtemp(join(tmpdir(), 'floe-java-deletes-'));
  try {
    await writeFile(join(dir, 'input.json'), JSON.stringify(args));
    const { stdout } = await run(script, [`@${join(dir, 'input.json')}`], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    return JSON.parse(stdout) as JavaResult;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`Iceberg Java (java-deletes.sh) failed on ${table}: ${e.stderr?.split('\n').filter((l) => l.trim()).slice(-12).join('\n') ?? e.message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
