import { describe, expect, it } from 'vitest';
import { Field, Int64, List, Struct, Table, vectorFromArray } from 'apache-arrow';
import { encodeParquet, ParquetReader } from '../../../core/iceberg/parquet.ts';

const long = (name: string) => new Field(name, new Int64(), true);
const columns = {
  plain: vectorFromArray([1n, 2n], new Int64()),
  'Größe': vectorFromArray([{ a: 10n, b: 11n }, { a: 20n, b: null }], new Struct([long('a'), long('b')])),
  '🍜 list': vectorFromArray([[1n], [2n, 3n]], new List(long('element'))),
  // Leaf paths "é.a" and "é.ab": the first is a prefix of the second.
  'é': vectorFromArray([{ a: 1n, ab: 2n }, null], new Struct([long('a'), long('ab')])),
};

async function read(names: string[]): Promise<Record<string, unknown>[]> {
  const table = new Table(columns);
  const { bytes } = await encodeParquet(table.schema, table.batches, { compression: 'zstd', rowGroupRows: 100 });
  const reader = await ParquetReader.fromBytes(bytes);
  const rows: Record<string, unknown>[] = [];
  for await (const batch of reader.batches({ columns: names })) {
    for (let i = 0; i < batch.numRows; i++) {
      rows.push(Object.fromEntries(names.map((n) => [n, JSON.parse(JSON.stringify(batch.getChild(n)!.get(i), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))])));
    }
  }
  return rows;
}

describe('ParquetReader projections', () => {
  // parquet-wasm 0.8 panics (an uncaught wasm "unreachable") projecting these by name.
  it('reads nested columns whose names are not ASCII', async () => {
    expect(await read(['Größe', '🍜 list', 'plain'])).toEqual([
      { 'Größe': { a: 10, b: 11 }, '🍜 list': [1], plain: 1 },
      { 'Größe': { a: 20, b: null }, '🍜 list': [2, 3], plain: 2 },
    ]);
  });

  it('reads a non-ASCII nested column whose leaf paths prefix one another', async () => {
    expect(await read(['é'])).toEqual([{ 'é': { a: 1, ab: 2 } }, { 'é': null }]);
  });
});
