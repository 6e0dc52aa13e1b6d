/**
 * Apache Iceberg's Java library (java-deletes/DeleteWriter.java, run by java-deletes.sh) as the
 * independent writer of merge-on-read deletes and as the reference reader of their effect.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CanonicalRow } from './canonical-values.ts';
import type { CatalogUnderTest } from './catalogs.ts';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, 'java-deletes/java-deletes.sh');

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

/** Commits each entry as one Java RowDelta on the table of the SQLite catalog `c`, then reads the table if asked. */
export async function javaDeletes(c: CatalogUnderTest, table: string, commits: JavaCommit[], read = true): Promise<JavaResult> {
  if (!c.py.uri.startsWith('sqlite:///')) throw new Error('the Java delete writer opens SQLite catalogs only (it has no S3 FileIO)');
  const args = {
    catalog: { uri: `jdbc:sqlite:file:${c.py.uri.slice('sqlite:///'.length)}`, warehouse: c.py.warehouse },
    table, commits, read,
  };
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
