/**
 * extract: each source table streamed from Postgres to `raw/{table}/latest.parquet` in bounded
 * memory (COPY binary, or text from PGlite, parsed straight into Arrow column buffers -> Parquet
 * row groups -> multipart upload). The object appears whole or not at all (S3 completes a
 * multipart upload atomically; locally a rename), and its row count is checked against the
 * source, read in the same snapshot.
 *
 * Three things run at once: Postgres producing the COPY (its own process), this thread parsing it,
 * and the native codec encoding the previous batch on the libuv pool (or, without the codec,
 * parquet-wasm on a worker thread: wasm-encoder-thread.ts).
 */
import type { FileIO } from '../../io/file-io.ts';
import { arrowSchemaFromIceberg } from '../../iceberg/spec/arrow-schema.ts';
import type { PrimitiveType, Schema } from '../../iceberg/spec/types.ts';
import { batchFromColumns, type ColumnValues } from '../../iceberg/arrow-build.ts';
import { parquetBackend, ParquetReader, streamParquet, type ParquetCompression, type ParquetEncodeOptions } from '../../iceberg/parquet.ts';
import { encodeParquetStream } from './wasm-encoder-thread.ts';
import { parsedBatches } from '../../sources/copy-batches.ts';
import { CopyBinaryParser } from '../../sources/copy-binary.ts';
import { copyColumnBatches, type CopyColumn, type CopyColumnKind } from '../../sources/copy-columns.ts';
import { quoteIdent, type CopyRequest, type SqlSource } from '../../sources/sql-source.ts';
import type { TaskContext } from '../task-context.ts';

type PgType = 'uuid' | 'text' | 'timestamptz' | 'int';

/** The production tables (DESIGN.md), column by column. */
export const SOURCE_TABLES: Record<string, [string, PgType][]> = {
  users: [['id', 'uuid'], ['username', 'text'], ['created_at', 'timestamptz']],
  images: [['id', 'uuid'], ['user_id', 'uuid'], ['s3_url', 'text'], ['caption', 'text'], ['category', 'text'], ['uploaded_at', 'timestamptz'], ['views', 'int']],
  comments: [['id', 'uuid'], ['image_id', 'uuid'], ['user_id', 'uuid'], ['content', 'text'], ['created_at', 'timestamptz']],
  flags: [['id', 'uuid'], ['user_id', 'uuid'], ['image_id', 'uuid'], ['comment_id', 'uuid'], ['reason', 'text'], ['created_at', 'timestamptz']],
  image_milestones: [['id', 'uuid'], ['image_id', 'uuid'], ['milestone_type', 'text'], ['milestone_value', 'int'], ['reached_at', 'timestamptz']],
};

const ICEBERG_TYPE: Record<PgType, PrimitiveType> = { uuid: 'string', text: 'string', timestamptz: 'timestamptz', int: 'int' };
const COPY_KIND: Record<PgType, CopyColumnKind> = { uuid: 'uuid', text: 'utf8', timestamptz: 'timestamptz', int: 'int32' };
/** Casts that pin each column's binary form (free when the column already has the type; a clear error when it cannot be one). */
const SQL_TYPE: Record<PgType, string> = { uuid: 'uuid', text: 'text', timestamptz: 'timestamptz', int: 'int4' };

/**
 * Rows per COPY batch and per Parquet row group. A row group is what the encoder holds in memory
 * (the 1M-row groups of before took extract's RSS to ~840 MB) and what a reader decodes at once.
 */
export const EXTRACT_BATCH_ROWS = 131_072;

/**
 * The columns as they are: COPY renders uuids as canonical lower-case text, and times as ISO text
 * in UTC that the parser turns into microseconds. Cheaper for the server than computing them:
 * `extract(epoch ...)` is numeric arithmetic, a quarter of its CPU time for W2's comments.
 */
function copyRequest(table: string, columns: [string, PgType][], format: 'text' | 'binary' = 'text'): CopyRequest {
  return {
    table, key: columns[0]![0],
    columns: columns.map(([name, type]) => (format === 'binary' ? `${quoteIdent(name)}::${SQL_TYPE[type]}` : quoteIdent(name))),
  };
}

/** The query whose COPY extract reads (benchmarks compare `psql \copy` of it). */
export function extractQuery(table: string): string {
  const r = copyRequest(table, SOURCE_TABLES[table]!);
  return `SELECT ${r.columns.join(', ')} FROM ${quoteIdent(table)}`;
}

export function rawSchema(columns: [string, PgType][]): Schema {
  return { type: 'struct', 'schema-id': 0, fields: columns.map(([name, type], i) => ({ id: i + 1, name, required: false, type: ICEBERG_TYPE[type] })) };
}

/**
 * How the raw files are written. Dictionaries only where values repeat (text and small integers):
 * uuids and times are (nearly) unique, so a dictionary there is hashing for nothing. No min/max
 * statistics: the transform reads the raw files whole, and they cost encoding time. zstd: the uuid
 * columns, most of the bytes, are hex digits that only an entropy coder shrinks; snappy makes the
 * files 1.8x bigger for ~25% less extract CPU (W2 figures), which did not show as a clear gain
 * in wall time on the shared 2-core test machine.
 */
export function rawWriterOptions(schema: Schema, columns: [string, PgType][], compression: ParquetCompression = 'zstd'): ParquetEncodeOptions {
  return {
    compression, rowGroupRows: EXTRACT_BATCH_ROWS, statistics: 'none',
    dictionaryColumns: Object.fromEntries(columns.filter(([, t]) => t === 'uuid' || t === 'timestamptz').map(([name]) => [name, false])),
    keyValueMetadata: new Map([['iceberg.schema', JSON.stringify(schema)]]),
  };
}

function columnValues(c: CopyColumn): ColumnValues {
  if (c.kind === 'utf8') return { kind: 'utf8', values: { offsets: c.offsets, bytes: c.bytes }, valid: c.valid };
  return c.kind === 'int32' ? { kind: 'int32', values: c.values, valid: c.valid } : { kind: 'int64', values: c.values, valid: c.valid };
}

export interface ExtractResult {
  table: string;
  location: string;
  rows: number;
  bytes: number;
}

export interface ExtractOptions {
  /** Without the native codec: encode on this thread instead of a worker (to measure the difference); default false. */
  encodeOnThisThread?: boolean;
  compression?: ParquetCompression;
  /** COPY binary where the source offers it (the default), or text (to compare them). */
  copyFormat?: 'binary' | 'text';
}

export async function extractTable(
  source: SqlSource, table: string, io: FileIO, location: string, ctx: TaskContext = {}, options: ExtractOptions = {},
): Promise<ExtractResult> {
  const columns = SOURCE_TABLES[table];
  if (!columns) throw new Error(`extract: "${table}" is not one of the source tables (${Object.keys(SOURCE_TABLES).join(', ')})`);
  const schema = rawSchema(columns);
  const arrow = arrowSchemaFromIceberg(schema);
  const specs = columns.map(([name, type]) => ({ name, kind: COPY_KIND[type] }));
  let rows = 0;
  let expected = 0;
  let bytes = 0;
  try {
    await source.readSnapshot(async (snapshot) => {
      // The source's row count: for a COPY binary, the server's own count of the rows it sent
      // (the same snapshot: what count(*) would say, without scanning the table once more).
      const binary = snapshot.copyBinary && options.copyFormat !== 'text';
      const estimate = binary ? await snapshot.estimate?.(table) ?? null : null;
      expected = estimate === null ? await snapshot.count(table) : -1;
      ctx.setTotal?.(estimate ?? expected, 'rows');
      async function* batches() {
        const what = `${table} from ${source.description}`;
        // Both encoders copy a batch into an IPC message before asking for the next one, so the
        // parser may refill its buffers then: no 20 MB of new buffers per batch for the GC.
        const parsed = binary
          ? parsedBatches(
            snapshot.copyBinary!(copyRequest(table, columns!, 'binary'), ctx.signal, (n) => { expected = n; }),
            new CopyBinaryParser(specs, EXTRACT_BATCH_ROWS, what), { reuse: true },
          )
          : copyColumnBatches(snapshot.copyText(copyRequest(table, columns!), ctx.signal), specs, EXTRACT_BATCH_ROWS, what, { reuse: true });
        for await (const batch of parsed) {
          rows += batch.rows;
          ctx.advance?.(batch.rows);
          yield batchFromColumns(arrow, batch.columns.map(columnValues), batch.rows);
        }
      }
      const writerOptions = rawWriterOptions(schema, columns!, options.compression);
      const encoded = parquetBackend() === 'native'
        ? streamParquet(arrow, batches(), writerOptions)
        : encodeParquetStream(arrow, batches(), writerOptions, {
          onThisThread: options.encodeOnThisThread, log: (level, message) => ctx.log?.(level, `extract ${table}: ${message}`),
        });
      bytes = await io.writeStream(location, encoded, { contentType: 'application/vnd.apache.parquet', signal: ctx.signal });
    });
  } catch (err) {
    throw new Error(`Extracting ${table} to ${location} failed: ${(err as Error).message}`, { cause: err });
  }
  const written = (await ParquetReader.open(io, location, bytes, ctx.signal)).numRows;
  if (rows !== expected || written !== expected) {
    // A file that silently lost rows must not stand as the latest extract: nobody may read it.
    await io.delete([location]);
    throw new Error(`Extracting ${table}: the source has ${expected} rows, ${rows} were read and ${written} written to ${location}; run again`);
  }
  return { table, location, rows, bytes };
}

/**
 * Every source table to `{rawRoot}/{table}/latest.parquet`, one after the other, each in a
 * snapshot of its own; `onTable` hears of each as it is done. One at a time: two at once share
 * this thread's parsing and the machine's cores, and took W2's extract from 7.3-8.4 s to 12 s.
 */
export async function extractAll(
  source: SqlSource, rawRoot: string, io: (location: string) => FileIO, ctx: TaskContext = {},
  onTable?: (r: ExtractResult, ms: number) => void, options: ExtractOptions = {},
): Promise<ExtractResult[]> {
  const results: ExtractResult[] = [];
  for (const table of Object.keys(SOURCE_TABLES)) {
    const location = `${rawRoot}/${table}/latest.parquet`;
    const t0 = performance.now();
    const r = await extractTable(source, table, io(location), location, ctx, options);
    results.push(r);
    onTable?.(r, performance.now() - t0);
  }
  return results;
}
