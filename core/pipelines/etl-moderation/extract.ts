/**
 * extract: each source table streamed from Postgres to `raw/{table}/latest.parquet` in bounded
 * memory (COPY batches -> Arrow -> Parquet row groups -> multipart upload). The object appears
 * whole or not at all (S3 completes a multipart upload atomically; locally a rename), and its row
 * count is checked against the source, read in the same snapshot.
 */
import type { FileIO } from '../../io/file-io.ts';
import { arrowSchemaFromIceberg } from '../../iceberg/spec/arrow-schema.ts';
import type { PrimitiveType, Schema } from '../../iceberg/spec/types.ts';
import { batchFromColumns, type ColumnValues } from '../../iceberg/arrow-build.ts';
import { ParquetReader, streamParquet } from '../../iceberg/parquet.ts';
import { copyTextBatches } from '../../sources/postgres-copy.ts';
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

/** Postgres renders each column in the form the Parquet file stores: uuids as canonical text, times as epoch microseconds. */
function copyRequest(table: string, columns: [string, PgType][]): CopyRequest {
  const exprs = columns.map(([name, type]) => {
    const c = quoteIdent(name);
    if (type === 'uuid') return `${c}::text`;
    if (type === 'timestamptz') return `(extract(epoch from ${c}) * 1000000)::bigint`;
    return c;
  });
  return { table, columns: exprs, key: columns[0]![0] };
}

export function rawSchema(columns: [string, PgType][]): Schema {
  return { type: 'struct', 'schema-id': 0, fields: columns.map(([name, type], i) => ({ id: i + 1, name, required: false, type: ICEBERG_TYPE[type] })) };
}

function validity(values: (string | null)[]): Uint8Array | undefined {
  if (!values.includes(null)) return undefined;
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => { if (v !== null) bits[i >> 3]! |= 1 << (i & 7); });
  return bits;
}

function toColumn(type: PgType, values: (string | null)[]): ColumnValues {
  const valid = validity(values);
  switch (type) {
    case 'uuid': case 'text': return { kind: 'utf8', values: values.map((v) => v ?? ''), valid };
    case 'timestamptz': return { kind: 'int64', values: BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v))), valid };
    case 'int': return { kind: 'int32', values: Int32Array.from(values, (v) => (v === null ? 0 : Number(v))), valid };
  }
}

export interface ExtractResult {
  table: string;
  location: string;
  rows: number;
  bytes: number;
}

export async function extractTable(source: SqlSource, table: string, io: FileIO, location: string, ctx: TaskContext = {}): Promise<ExtractResult> {
  const columns = SOURCE_TABLES[table];
  if (!columns) throw new Error(`extract: "${table}" is not one of the source tables (${Object.keys(SOURCE_TABLES).join(', ')})`);
  const schema = rawSchema(columns);
  const arrow = arrowSchemaFromIceberg(schema);
  let rows = 0;
  let expected = 0;
  let bytes = 0;
  try {
    await source.readSnapshot(async (snapshot) => {
      expected = await snapshot.count(table);
      ctx.setTotal?.(expected, 'rows');
      async function* batches() {
        const text = copyTextBatches(snapshot.copyText(copyRequest(table, columns!), ctx.signal), columns!.length, 65536, `${table} from ${source.description}`);
        for await (const batch of text) {
          const n = batch[0]!.length;
          rows += n;
          ctx.advance?.(n);
          yield batchFromColumns(arrow, columns!.map(([, type], c) => toColumn(type, batch[c]!)), n);
        }
      }
      bytes = await io.writeStream(location, streamParquet(arrow, batches(), {
        compression: 'zstd', rowGroupRows: 1_000_000, keyValueMetadata: new Map([['iceberg.schema', JSON.stringify(schema)]]),
      }), { contentType: 'application/vnd.apache.parquet', signal: ctx.signal });
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
