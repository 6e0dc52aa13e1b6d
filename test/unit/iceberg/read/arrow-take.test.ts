import { Field, Int64, List, makeData, Map_, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../core/demo/random.ts';
import { maskIndices, takeBatch, takeData } from '../../../../core/iceberg/read/arrow-take.ts';
import type { IcebergType, PrimitiveType } from '../../../../core/iceberg/spec/types.ts';
import { arrowColumnOf } from '../../../integration/iceberg/arrow-columns.ts';
import { canonicalColumn } from '../../../integration/iceberg/canonical-values.ts';

const primitives: [PrimitiveType, (rng: Rng) => unknown][] = [
  ['boolean', (r) => r.chance(0.5)],
  ['int', (r) => r.int(1000) - 500],
  ['long', (r) => r.pick([BigInt(r.int(1e9)) * 1000n - 7n, -(2n ** 63n), 2n ** 63n - 1n, -1n])],
  ['double', (r) => r.pick([NaN, -0, 1.5, -2.25])],
  ['date', (r) => r.int(40000) - 20000],
  ['timestamptz', (r) => BigInt(r.int(2 ** 31)) * 1_000_003n],
  ['decimal(38, 4)', (r) => (BigInt(r.int(2 ** 31)) << 70n) * (r.chance(0.5) ? -1n : 1n)],
  ['string', (r) => (r.chance(0.3) ? `long ${'é🍜'.repeat(10 + r.int(20))}` : 'é🍜abc'.slice(0, r.int(6)))],
  ['binary', (r) => Uint8Array.from({ length: r.int(5) }, () => r.int(256))],
  ['uuid', (r) => r.uuid()],
  ['fixed[3]', () => Uint8Array.of(1, 2, 3)],
];

describe('selecting rows of Arrow columns', () => {
  it.each(primitives)('picks %s values and nulls by index, from whole and sliced chunks', (type, gen) => {
    const rng = new Rng('take', type);
    for (let round = 0; round < 50; round++) {
      const values = Array.from({ length: 1 + rng.int(30) }, () => (rng.chance(0.2) ? null : gen(rng)));
      const start = rng.chance(0.5) ? rng.int(values.length) : 0;
      const data = arrowColumnOf(type, values).slice(start, values.length - start);
      const indices = Int32Array.from({ length: rng.int(40) }, () => rng.int(values.length - start));
      const expected = canonicalColumn(arrowColumnOf(type, values), type).slice(start);
      expect(canonicalColumn(takeData(data, indices), type)).toEqual(Array.from(indices, (i) => expected[i]));
    }
  });

  it('picks rows of lists, maps and structs with their children', () => {
    const list = vectorFromArray([['a'], null, ['b', 'c'], [], ['d']], new List(new Field('element', new Utf8(), true))).data[0]!;
    const struct = vectorFromArray([{ x: 1n, s: 'p' }, { x: 2n, s: null }, null, { x: 4n, s: 'q' }, { x: 5n, s: 'r' }],
      new Struct([new Field('x', new Int64(), true), new Field('s', new Utf8(), true)])).data[0]!;
    const entries = new Struct<{ key: Utf8; value: Int64 }>([new Field('key', new Utf8(), false), new Field('value', new Int64(), true)]);
    const map = vectorFromArray([new Map([['k', 1n]]), new Map(), null, new Map([['a', 2n], ['b', 3n]]), new Map([['z', 9n]])],
      new Map_<Utf8, Int64>(new Field('entries', entries, false))).data[0]!;
    const types: IcebergType[] = [
      { type: 'list', 'element-id': 2, element: 'string', 'element-required': false },
      { type: 'struct', fields: [{ id: 3, name: 'x', required: false, type: 'long' }, { id: 4, name: 's', required: false, type: 'string' }] },
      { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: 'long', 'value-required': false },
    ];
    const indices = Int32Array.of(3, 0, 2, 2, 4);
    for (const [i, data] of [list, struct, map].entries()) {
      const all = canonicalColumn(data, types[i]!);
      expect(canonicalColumn(takeData(data, indices), types[i]!)).toEqual(Array.from(indices, (k) => all[k]));
      const sliced = data.slice(1, 4);
      expect(canonicalColumn(takeData(sliced, Int32Array.of(2, 0)), types[i]!)).toEqual([all[3], all[1]]);
    }
  });

  it('keeps a batch whole when every row is kept, slices a contiguous run, and copies otherwise', () => {
    const col = arrowColumnOf('long', [1n, 2n, 3n, 4n]);
    const schema = new Schema([new Field('v', col.type, true)]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 4, nullCount: 0, children: [col] }));
    expect(takeBatch(batch, maskIndices(Uint8Array.of(1, 1, 1, 1)))).toBe(batch);
    const run = takeBatch(batch, maskIndices(Uint8Array.of(0, 1, 1, 0)));
    expect(run.getChild('v')!.data[0]!.values.buffer).toBe(col.values.buffer);
    expect(run.getChild('v')!.toArray()).toEqual(BigInt64Array.of(2n, 3n));
    expect(takeBatch(batch, maskIndices(Uint8Array.of(1, 0, 0, 1))).getChild('v')!.toArray()).toEqual(BigInt64Array.of(1n, 4n));
    expect(takeBatch(batch, maskIndices(new Uint8Array(4))).numRows).toBe(0);
  });
});
