/**
 * Batches handed to the native writer as their column buffers in place (columnBuffers,
 * native/parquet/src/columns.rs) make the same Parquet file as the same batches in an IPC stream:
 * for random schemas of every primitive type inside structs, lists and maps, and for slices that
 * start mid-byte of their validity bitmaps and booleans (as partitions of a batch do).
 */
import { describe, expect, it } from 'vitest';
import { Table, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import { Rng } from '../../../../core/demo/random.ts';
import { nativeParquet } from '../../../../core/iceberg/parquet-native.ts';
import { columnBuffers, nativeWriterOptions } from '../../../../core/iceberg/parquet-native-write.ts';
import { nestedBatchOf } from '../../../integration/iceberg/nested-batches.ts';
import { randomRows, randomSchema } from '../../../integration/iceberg/random-tables.ts';
import { ARROW, randomBatches, SCHEMA } from './random-columns.ts';

const addon = nativeParquet();
const options = nativeWriterOptions({ compression: 'zstd', rowGroupRows: 500 });

async function both(schema: ArrowSchema, batches: RecordBatch[]): Promise<[Buffer, Buffer]> {
  const columns = columnBuffers(schema, batches);
  expect(columns, 'a layout columnBuffers takes').not.toBeNull();
  const schemaIpc = tableToIPC(new Table(schema, []), 'stream');
  const inPlace = await new addon!.ParquetWriter(schemaIpc, options).writeColumns(columns!.description, columns!.buffers, true);
  const ipc = await new addon!.ParquetWriter(schemaIpc, options).writeShared([tableToIPC(new Table(schema, batches), 'stream')], true);
  return [inPlace, ipc];
}

/** Each batch cut at random points, so that slices start anywhere in a byte of their bitmaps. */
function sliced(rng: Rng, batches: RecordBatch[]): RecordBatch[] {
  return batches.flatMap((b) => {
    const out: RecordBatch[] = [];
    for (let at = 0; at < b.numRows;) {
      const n = 1 + rng.int(b.numRows - at);
      out.push(b.slice(at, at + n));
      at += n;
    }
    return out;
  });
}

describe('column buffers in place make the file an IPC stream makes', () => {
  it.each([1, 2, 3, 4, 5, 6])('nested schema, seed %i', async (seed) => {
    const rng = new Rng('column-buffers', seed);
    const schema = randomSchema(rng);
    const batches = sliced(rng, Array.from({ length: 3 }, () => nestedBatchOf(schema, randomRows(rng, schema, 1 + rng.int(400)))));
    const [inPlace, ipc] = await both(batches[0]!.schema, batches);
    expect(Buffer.compare(inPlace, ipc)).toBe(0);
  });

  it.each([1, 2, 3])('every primitive type, sliced, seed %i', async (seed) => {
    const rng = new Rng('column-buffers-primitive', seed);
    const [inPlace, ipc] = await both(ARROW, sliced(rng, randomBatches(rng, SCHEMA, 6, 700)));
    expect(Buffer.compare(inPlace, ipc)).toBe(0);
  });

  it('rejects a description that does not fit its buffers', async () => {
    const batches = randomBatches(new Rng('column-buffers-bad', 1), SCHEMA, 1, 50);
    const columns = columnBuffers(ARROW, batches)!;
    const writer = new addon!.ParquetWriter(tableToIPC(new Table(ARROW, []), 'stream'), options);
    await expect(writer.writeColumns(columns.description, columns.buffers.slice(0, -1), true)).rejects.toThrow(/fewer buffers|Reading an Arrow batch/);
  });
});
