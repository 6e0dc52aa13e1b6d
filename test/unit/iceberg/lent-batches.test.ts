import { Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodedBuffers, giveBack } from '../../../core/iceberg/lent-batches.ts';
import { encodeParquet, ParquetReader } from '../../../core/iceberg/parquet.ts';
import { nativeParquet } from '../../../core/iceberg/parquet-native.ts';

const table = new Table({
  id: vectorFromArray(BigInt64Array.from([1n, 2n, 3n, 4n, 5n])),
  name: vectorFromArray(['a', 'bé', null, 'd', '😀'], new Utf8()),
});

async function decoded(): Promise<RecordBatch[]> {
  const { bytes } = await encodeParquet(table.schema, table.batches, { compression: 'zstd', rowGroupRows: 5 });
  const out: RecordBatch[] = [];
  for await (const b of (await ParquetReader.fromBytes(bytes)).batches({ batchSize: 2 })) out.push(b);
  return out;
}

describe('lent batches', () => {
  it('runs on the native codec', () => {
    expect(nativeParquet(), 'native/parquet/floe_parquet.node must be built (native/parquet/build.sh)').not.toBeNull();
  });

  it('finds the native decoder\'s buffers under every column of a decoded batch, none of another batch\'s', async () => {
    const [first, second] = await decoded();
    const mine = decodedBuffers(first!);
    expect(mine.length).toBeGreaterThanOrEqual(3); // id values, name offsets and bytes at least
    const theirs = new Set(decodedBuffers(second!));
    expect(mine.some((b) => theirs.has(b))).toBe(false);
  });

  it('ignores buffers made in JS', () => {
    expect(decodedBuffers(table.batches[0]!)).toEqual([]);
  });

  it('empties every array of a batch given back, leaves the others readable', async () => {
    const [first, second] = await decoded();
    giveBack(decodedBuffers(first!));
    expect(first!.getChild('id')!.data[0]!.values.length).toBe(0);
    expect(first!.getChild('name')!.data[0]!.values.length).toBe(0);
    expect(second!.getChild('id')!.toArray()).toEqual(BigInt64Array.from([3n, 4n]));
    expect(second!.getChild('name')!.toArray()).toEqual([null, 'd']);
  });

  it('refuses to lend a batch whose memory was given back already', async () => {
    const [first] = await decoded();
    giveBack(decodedBuffers(first!));
    expect(() => decodedBuffers(first!)).toThrow(/internal error: a scan gave back the memory of a batch that was still to be read/);
  });

  it('the addon refuses to detach what is not an ArrayBuffer, naming it', () => {
    expect(() => nativeParquet()!.detachArrayBuffers([new ArrayBuffer(8), {} as ArrayBuffer])).toThrow(/decoded buffer 1: not a detachable ArrayBuffer/);
  });
});
