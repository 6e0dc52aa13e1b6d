import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Bool, Field, Int32, Int64, List, Schema, Struct, Utf8, type RecordBatch } from 'apache-arrow';
import { batchesFromNative } from '../../../core/iceberg/arrow-from-native.ts';

const SCHEMA = new Schema([
  new Field('s', new Utf8(), true),
  new Field('l', new List(new Field('element', new Int32(), true)), false),
  new Field('b', new Bool(), false),
  new Field('st', new Struct([new Field('a', new Int64(), false)]), false),
  new Field('unaligned', new Int64(), false),
]);

const values = (batch: RecordBatch) => batch.toArray().map((row) => {
  const r = row.toJSON() as Record<string, unknown>;
  return { ...r, l: [...(r.l as Iterable<number>)], st: (r.st as { toJSON(): unknown }).toJSON() };
});

/** Buffers laid out as the addon may hand them: windows of shared ArrayBuffers, offsets not from 0. */
function sliced(): { layout: Float64Array; buffers: ArrayBuffer[] } {
  const region = new ArrayBuffer(256);
  const bytes = new Uint8Array(region);
  bytes[0] = 0b101; // s: row 1 is null
  new Int32Array(region, 8, 4).set([3, 5, 5, 9]); // s's offsets: its values start at byte 3 of its data
  bytes.set(new TextEncoder().encode('xxxhi😀'), 24);
  new BigInt64Array(region, 64, 3).set([1n, -2n, 9223372036854775807n]);
  new Int32Array(region, 96, 4).set([2, 4, 4, 5]); // l's offsets into a child of 5 values, the first 2 not its
  new Int32Array(region, 112, 5).set([9, 9, 10, 11, 12]);
  bytes[160] = 0b101;
  const unaligned = new ArrayBuffer(64); // an Int64 buffer at byte 4: copied, not a RangeError
  new DataView(unaligned).setBigInt64(4, -5n, true);
  new DataView(unaligned).setBigInt64(12, 6n, true);
  new DataView(unaligned).setBigInt64(20, 7n, true);
  const none = [-1, 0, 0];
  const layout = [
    2, // batches
    3, // rows
    3, 1, 0, 0, 1, 0, 8, 16, 0, 24, 9, // s
    3, 0, ...none, 0, 96, 16, 5, 0, ...none, 0, 112, 20, // l and its child
    3, 0, ...none, 0, 160, 1, // b
    3, 0, ...none, 3, 0, ...none, 0, 64, 24, // st and a
    3, 0, ...none, 1, 4, 24, // unaligned
    0, // rows: an empty batch, its buffers empty
    0, 0, ...none, ...none, ...none,
    0, 0, ...none, ...none, 0, 0, ...none, ...none,
    0, 0, ...none, ...none,
    0, 0, ...none, 0, 0, ...none, ...none,
    0, 0, ...none, ...none,
  ];
  return { layout: Float64Array.from(layout), buffers: [region, unaligned] };
}

describe('batches rebuilt from the native decoder\'s buffers', () => {
  it('reads windows of shared buffers, offsets that do not start at 0, unaligned buffers and empty batches', () => {
    const [batch, empty] = batchesFromNative(SCHEMA, { schema: null, ...sliced() });
    expect(batch!.schema).toEqual(SCHEMA);
    expect(values(batch!)).toEqual([
      { s: 'hi', l: [10, 11], b: true, st: { a: 1n }, unaligned: -5n },
      { s: null, l: [], b: false, st: { a: -2n }, unaligned: 6n },
      { s: '😀', l: [12], b: true, st: { a: 9223372036854775807n }, unaligned: 7n },
    ]);
    expect(batch!.getChild('s')!.nullCount).toBe(1);
    expect(empty!.numRows).toBe(0);
    expect(empty!.data.children.map((c) => c.length)).toEqual([0, 0, 0, 0, 0]);
    // What a consumer does with any batch works on these: slicing, and slicing again.
    expect(values(batch!.slice(1, 3).slice(1))).toEqual([values(batch!)[2]]);
  });

  it('rejects a layout that does not match its batches or buffers', () => {
    const { layout, buffers } = sliced();
    expect(() => batchesFromNative(SCHEMA, { schema: null, layout: layout.subarray(0, 20), buffers })).toThrow(/ends early/);
    expect(() => batchesFromNative(SCHEMA, { schema: null, layout: Float64Array.from([...layout, 0]), buffers })).toThrow(/more than its batches/);
    expect(() => batchesFromNative(SCHEMA, { schema: null, layout, buffers: [buffers[0]!] })).toThrow(/points past its buffers/);
  });

  it('frees the decoder\'s memory once the batches are collected: decoding 100 times a file of 200k rows keeps RSS bounded', async () => {
    // A child process with --expose-gc, so that collections happen when this test says.
    const script = `
      const { encodeParquet, ParquetReader } = await import(${JSON.stringify(fileURLToPath(new URL('../../../core/iceberg/parquet.ts', import.meta.url)))});
      const { nativeParquet } = await import(${JSON.stringify(fileURLToPath(new URL('../../../core/iceberg/parquet-native.ts', import.meta.url)))});
      const { Field, Int64, Utf8, Schema, vectorFromArray, makeData, Struct, RecordBatch } = await import('apache-arrow');
      if (!nativeParquet()) throw new Error('the native codec is not built');
      const schema = new Schema([new Field('a', new Int64(), true), new Field('b', new Utf8(), true)]);
      const n = 200_000;
      const a = vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : BigInt(i))), new Int64()).data[0];
      const b = vectorFromArray(Array.from({ length: n }, (_, i) => 'row ' + i + ' '.padEnd(i % 40, '.')), new Utf8()).data[0];
      const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [a, b] }));
      const { bytes } = await encodeParquet(schema, [batch], { compression: 'zstd', rowGroupRows: 50_000 });
      const reader = await ParquetReader.fromBytes(bytes);
      const settle = async () => { for (let k = 0; k < 3; k++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); } };
      let decoded = 0;
      const rss = [];
      for (let pass = 0; pass < 100; pass++) {
        for await (const b of reader.batches({ batchSize: 10_000 })) decoded += b.data.children[1].values.byteLength + b.data.children[0].values.byteLength;
        if (pass % 10 === 9) { await settle(); rss.push(process.memoryUsage.rss()); }
      }
      await settle();
      console.log(JSON.stringify({ decoded, rss, arrayBuffers: process.memoryUsage().arrayBuffers }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
    const { decoded, rss, arrayBuffers } = JSON.parse(stdout.trim().split('\n').pop()!) as { decoded: number; rss: number[]; arrayBuffers: number };
    const MB = 2 ** 20;
    expect(decoded).toBeGreaterThan(600 * MB); // a leak of it would show below
    expect(arrayBuffers).toBeLessThan(32 * MB); // the file itself and little else
    expect(Math.max(...rss.slice(2)) - rss[1]!).toBeLessThan(64 * MB);
  });
});
