import { describe, expect, it } from 'vitest';
import * as pw from 'parquet-wasm/node';
import {
  DataType, makeData, makeVector, RecordBatch, Schema as ArrowSchema, Struct, Table, tableFromIPC, tableToIPC, vectorFromArray,
  type Data, type Field,
} from 'apache-arrow';
import { batchesFromNative, type NativeColumns } from '../../../core/iceberg/arrow-from-native.ts';
import { decodeParquet, encodeParquet, ParquetReader, streamParquet, type ParquetReadOptions } from '../../../core/iceberg/parquet.ts';
import { nativeParquet, nativeParquetStatus, type NativeFooter } from '../../../core/iceberg/parquet-native.ts';
import { arrowSchemaFromIceberg } from '../../../core/iceberg/spec/arrow-schema.ts';
import type { NestedField, PrimitiveType, Schema } from '../../../core/iceberg/spec/types.ts';
import type { FileIO } from '../../../core/io/file-io.ts';

// The test command builds the addon (test/run-all.sh): without it these tests fail, saying why.
const addon = nativeParquet();

// ---- a table of every Iceberg type ------------------------------------------------------------

const PRIMITIVES: PrimitiveType[] = [
  'boolean', 'int', 'long', 'float', 'double', 'decimal(9, 2)', 'decimal(38, 10)', 'date', 'time', 'timestamp',
  'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed[3]', 'binary',
];
const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    ...PRIMITIVES.map((type, i): NestedField => ({ id: 10 + i, name: `c_${type.replace(/\W+/g, '_')}`, required: false, type })),
    { id: 40, name: 'st', required: false, type: { type: 'struct', fields: [
      { id: 41, name: 'a', required: true, type: 'int' }, { id: 42, name: 'b', required: false, type: 'string' },
    ] } },
    { id: 43, name: 'li', required: false, type: { type: 'list', 'element-id': 44, element: 'long', 'element-required': false } },
    { id: 45, name: 'ma', required: false, type: { type: 'map', 'key-id': 46, key: 'string', 'value-id': 47, value: 'double', 'value-required': false } },
    { id: 48, name: 'Größe 🍜', required: false, type: { type: 'list', 'element-id': 49, element: { type: 'struct', fields: [
      { id: 50, name: 'x', required: false, type: 'double' },
    ] }, 'element-required': false } },
  ],
};
const ARROW = arrowSchemaFromIceberg(SCHEMA);
const N = 5; // rows 0-3 hold values, row 4 is null in every optional column
const VALID = Uint8Array.of(0b01111);

function column(field: Field): Data {
  const type = field.type as DataType;
  const raw = (data: ArrayBufferView) => makeData({ type, length: N, nullCount: 1, nullBitmap: VALID, data } as never) as Data;
  const built = (values: unknown[]) => vectorFromArray([...values, null], type).data[0]!;
  switch (field.name) {
    case 'id': return makeData({ type, length: N, data: BigInt64Array.of(1n, 2n, 3n, 4n, 5n) } as never);
    case 'c_boolean': return built([true, false, true, false]);
    case 'c_int': return built([1, -2, 2147483647, -2147483648]);
    case 'c_long': return built([1n, -2n, 9223372036854775807n, -9223372036854775808n]);
    case 'c_float': return raw(Float32Array.of(1.5, NaN, -0, Infinity, 0));
    case 'c_double': return raw(Float64Array.of(Math.PI, NaN, -0, -Infinity, 0));
    case 'c_decimal_9_2_': return raw(Uint32Array.of(12345, 0, 0, 0, ~0 >>> 0, ~0 >>> 0, ~0 >>> 0, ~0 >>> 0, 0, 0, 0, 0, 99999999, 0, 0, 0, 0, 0, 0, 0));
    case 'c_decimal_38_10_': return raw(Uint32Array.of(1, 2, 3, 0x4b3b4ca8, 0, 0, 0, 0, 0xfffffffe, ~0 >>> 0, ~0 >>> 0, 0xb4c4b357, 7, 0, 0, 0, 0, 0, 0, 0));
    case 'c_date': return raw(Int32Array.of(0, 19000, -1, 2932896, 0));
    case 'c_time': return raw(BigInt64Array.of(0n, 1n, 86399999999n, 43200000000n, 0n));
    case 'c_timestamp': case 'c_timestamptz': return raw(BigInt64Array.of(0n, 1700000000123456n, -1n, 253402300799999999n, 0n));
    case 'c_timestamp_ns': case 'c_timestamptz_ns': return raw(BigInt64Array.of(0n, 1700000000123456789n, -1n, 9223372036854775807n, 0n));
    case 'c_string': return built(['', 'é', '😀 non-BMP 𝄞 text', 'x'.repeat(1000)]);
    case 'c_uuid': return raw(Uint8Array.from({ length: 16 * N }, (_, i) => (i * 37) & 255));
    case 'c_fixed_3_': return raw(Uint8Array.from({ length: 3 * N }, (_, i) => 255 - i));
    case 'c_binary': return built([new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(1, 2, 3), new Uint8Array(300).fill(9)]);
    case 'st': return built([{ a: 1, b: 'one' }, { a: 2, b: null }, { a: -3, b: '' }, { a: 4, b: '🍜' }]);
    case 'li': return built([[1n, 2n], [], [null], [-1n, 0n, 1n]]);
    case 'ma': return built([new Map([['a', 1.5]]), new Map(), new Map([['n', null], ['z', NaN]]), new Map([['k', -0]])]);
    case 'Größe 🍜': return built([[{ x: 1 }], [null], [], [{ x: null }, { x: 2 }]]);
    default: throw new Error(`no values for ${field.name}`);
  }
}

const batchOf = (schema: ArrowSchema, children: Data[]) =>
  new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: children[0]?.length ?? 0, nullCount: 0, children }));
const allTypes = () => batchOf(ARROW, ARROW.fields.map(column));

// ---- comparing values exactly (NaN, -0, nanoseconds, decimal words) -------------------------

const hex = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function canon(data: Data, i: number): unknown {
  if (!data.getValid(i)) return null;
  const t = data.type as DataType;
  if (DataType.isStruct(t)) return Object.fromEntries(t.children.map((f, k) => [f.name, canon(data.children[k]!, i)]));
  if (DataType.isList(t) || DataType.isMap(t)) {
    const o = data.valueOffsets as Int32Array;
    return Array.from({ length: o[i + 1]! - o[i]! }, (_, k) => canon(data.children[0]!, o[i]! + k));
  }
  if (DataType.isTimestamp(t) || DataType.isTime(t)) return `${(data.values as BigInt64Array)[i]}`;
  if (DataType.isDecimal(t)) return hex((data.values as Uint32Array).subarray(i * 4, i * 4 + 4));
  if (DataType.isFixedSizeBinary(t)) return hex((data.values as Uint8Array).subarray(i * t.byteWidth, (i + 1) * t.byteWidth));
  const v: unknown = makeVector(data).get(i);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return hex(v);
  return v;
}

function rows(batches: RecordBatch[]): unknown[] {
  return batches.flatMap((b) => Array.from({ length: b.numRows }, (_, i) =>
    Object.fromEntries(b.schema.fields.map((f, k) => [f.name, canon(b.data.children[k]!, i)]))));
}

/** Every field's name, type, nullability and field id, nested ones included. */
function describeFields(fields: Field[]): unknown[] {
  return fields.map((f) => [f.name, String(f.type), f.nullable, f.metadata.get('PARQUET:field_id'), describeFields((f.type as DataType).children ?? [])]);
}

/** A Data tree's types, lengths, null counts and buffer kinds: what must not differ between the two ways batches cross. */
function shape(d: Data): unknown {
  const kind = (a: unknown) => (a as object | undefined)?.constructor.name;
  return [String(d.type), d.typeId, d.length, d.nullCount, d.offset, kind(d.values), kind(d.valueOffsets), d.children.map(shape)];
}

/** Every batch of every row group, straight from the addon: as buffers in place, or copied into IPC. */
async function decodeDirect(bytes: Uint8Array, batchRows: number, ipc: boolean): Promise<RecordBatch[]> {
  const footer = addon!.parseFooter(bytes, bytes.length) as NativeFooter;
  const out: RecordBatch[] = [];
  for (let g = 0; g < footer.info().rowGroups.length; g++) {
    const decoder = new addon!.RowGroupDecoder(footer, g, null, [{ offset: 0, bytes }], batchRows, null);
    let schema: ArrowSchema | undefined;
    for (let r = await decoder.next(2, ipc); r; r = await decoder.next(2, ipc)) {
      expect(r instanceof Uint8Array).toBe(ipc);
      if (r instanceof Uint8Array) { out.push(...tableFromIPC(r).batches); continue; }
      const columns: NativeColumns = r;
      expect(columns.schema !== null).toBe(schema === undefined); // sent once per decoder
      schema ??= tableFromIPC(columns.schema!).schema;
      out.push(...batchesFromNative(schema, columns));
    }
    decoder.close();
  }
  return out;
}

// ---- a FileIO over bytes in memory that counts its reads ----------------------------------------

function memoryIO(bytes: Uint8Array, log: [number, number][] = [], tamper?: (offset: number, data: Uint8Array) => Uint8Array): FileIO {
  return {
    readRange: async (_path: string, offset: number, length: number) => {
      log.push([offset, length]);
      const data = bytes.slice(offset, offset + length);
      return tamper ? tamper(offset, data) : data;
    },
  } as unknown as FileIO;
}

async function readAll(reader: ParquetReader, o?: ParquetReadOptions): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of reader.batches(o)) out.push(b);
  return out;
}

function longs(rowsCount: number, rowGroupRows: number) {
  const schema = arrowSchemaFromIceberg({ type: 'struct', fields: [
    { id: 1, name: 'a', required: false, type: 'long' }, { id: 2, name: 'b', required: false, type: 'string' },
  ] });
  const a = makeData({ type: schema.fields[0]!.type, length: rowsCount, data: BigInt64Array.from({ length: rowsCount }, (_, i) => BigInt(i)) } as never) as Data;
  // 200 hex digits of noise a row: a row group's chunks outweigh the tail read for the footer.
  const noise = (i: number) => Array.from({ length: 25 }, (_, k) => (Math.imul(i * 25 + k + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')).join('');
  const b = vectorFromArray(Array.from({ length: rowsCount }, (_, i) => `${i} ${noise(i)}`), schema.fields[1]!.type).data[0]!;
  return { schema, batch: batchOf(schema, [a, b]), options: { compression: 'zstd' as const, rowGroupRows } };
}

describe('native Parquet codec', () => {
  it('is built and loads (bash native/parquet/build.sh)', () => {
    expect(addon, nativeParquetStatus()).not.toBeNull();
  });

  it('round-trips every Iceberg type, nulls, NaN, -0.0 and non-BMP text, with field ids at every depth', async () => {
    const batch = allTypes();
    const { bytes, footer } = await encodeParquet(ARROW, [batch], { compression: 'zstd', rowGroupRows: 100 });
    expect(footer.numRows).toBe(N);
    const log: [number, number][] = [];
    const read = await readAll(await ParquetReader.open(memoryIO(bytes, log), 'mem', bytes.length));
    expect(rows(read)).toEqual(rows([batch]));
    expect(log).toEqual([[0, bytes.length]]); // a small file is read whole with the footer, once
    expect(describeFields(read[0]!.schema.fields)).toEqual(describeFields(ARROW.fields));
    expect([...(await footer.fieldIds()).keys()]).toEqual(SCHEMA.fields.map((f) => f.id));
    // The same bytes through parquet-wasm, and a parquet-wasm file through the native reader.
    expect(rows(decodeParquet(bytes).batches)).toEqual(rows([batch]));
    const wasmBytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(new Table(ARROW, [batch]), 'stream')));
    expect(rows(await readAll(await ParquetReader.fromBytes(wasmBytes)))).toEqual(rows(decodeParquet(wasmBytes).batches));
  });

  it('hands decoded batches over as their buffers: the same types, field ids and values as through IPC', async () => {
    const batch = allTypes();
    // Row groups and batches that split pages and each other; a JS-sliced batch among them.
    const written = [batch, batch.slice(1, 4), batch, batch.slice(4)];
    const { bytes } = await encodeParquet(ARROW, written, { compression: 'zstd', rowGroupRows: 7 });
    for (const batchRows of [1, 3, 100]) {
      const viaBuffers = await decodeDirect(bytes, batchRows, false);
      const viaIpc = await decodeDirect(bytes, batchRows, true);
      expect(viaBuffers.map((b) => b.numRows)).toEqual(viaIpc.map((b) => b.numRows));
      expect(viaBuffers.map((b) => b.data.children.map(shape))).toEqual(viaIpc.map((b) => b.data.children.map(shape)));
      expect(rows(viaBuffers)).toEqual(rows(viaIpc));
      expect(rows(viaBuffers)).toEqual(rows(written));
      expect(describeFields(viaBuffers[0]!.schema.fields)).toEqual(describeFields(viaIpc[0]!.schema.fields));
      expect([...viaBuffers[0]!.schema.metadata]).toEqual([...viaIpc[0]!.schema.metadata]);
    }
    // Through the reader, which takes this way: equal to what was written.
    expect(rows(await readAll(await ParquetReader.fromBytes(bytes), { batchSize: 4 }))).toEqual(rows(written));
  });

  it('writes every compression, and a file of no rows', async () => {
    for (const compression of ['zstd', 'snappy', 'gzip', 'uncompressed'] as const) {
      const { bytes } = await encodeParquet(ARROW, [allTypes()], { compression, rowGroupRows: 2, statistics: 'none', dictionary: false });
      expect(rows(await readAll(await ParquetReader.fromBytes(bytes)))).toEqual(rows([allTypes()]));
    }
    const { bytes, footer } = await encodeParquet(ARROW, [], { compression: 'zstd', rowGroupRows: 10 });
    expect(footer.numRows).toBe(0);
    expect(await readAll(footer)).toEqual([]);
    expect((await footer.fieldIds()).size).toBe(SCHEMA.fields.length);
    expect(decodeParquet(bytes).numRows).toBe(0);
  });

  it('reads many row groups, chosen row groups and projections, each row group in one ranged read', async () => {
    const { schema, batch, options } = longs(10_000, 1_000);
    const { bytes, footer } = await encodeParquet(schema, [batch.slice(0, 4_000), batch.slice(4_000)], options);
    const log: [number, number][] = [];
    const reader = await ParquetReader.open(memoryIO(bytes, log), 'mem', bytes.length);
    expect(log).toHaveLength(1); // the tail holds the footer
    const all = await readAll(reader, { batchSize: 300 });
    expect(all.reduce((n, b) => n + b.numRows, 0)).toBe(10_000);
    expect(rows(all)).toEqual(rows([batch]));
    expect(log).toHaveLength(1 + 10);

    log.length = 0;
    const picked = await readAll(reader, { rowGroups: [3, 7], columns: ['b'] });
    expect(picked.map((b) => b.schema.fields.map((f) => f.name))).toEqual([['b'], ['b']]);
    expect(rows(picked)).toEqual([...rows([batch.slice(3_000, 4_000)]), ...rows([batch.slice(7_000, 8_000)])].map((r) => ({ b: (r as { b: string }).b })));
    const sizes = footer.columnSizes();
    expect(log.reduce((n, [, len]) => n + len, 0)).toBeLessThan(sizes.get('b')!); // column a never fetched
  });

  it('stops early on a limit: a preview fetches only the row groups it needs', async () => {
    const { schema, batch, options } = longs(10_000, 1_000);
    const { bytes } = await encodeParquet(schema, [batch], options);
    const log: [number, number][] = [];
    const reader = await ParquetReader.open(memoryIO(bytes, log), 'mem', bytes.length);
    const preview = await readAll(reader, { limit: 100 });
    expect(preview.reduce((n, b) => n + b.numRows, 0)).toBe(100);
    expect(log).toHaveLength(2); // the footer, then the first row group
    const spanning = await readAll(reader, { limit: 1_500, batchSize: 400 });
    expect(rows(spanning)).toEqual(rows([batch.slice(0, 1_500)]));
    expect(log).toHaveLength(4);
    // A consumer that stops after one batch leaves nothing running.
    for await (const _ of reader.batches({ batchSize: 10 })) break;
  });

  it('turns corrupt bytes and missing ranges into errors, never a crash', async () => {
    const { schema, batch, options } = longs(5_000, 1_000);
    const { bytes } = await encodeParquet(schema, [batch], { ...options, compression: 'snappy' as const });
    // A store that returns fewer bytes than asked: the decoder names the bytes it lacks.
    const isTail = (offset: number, data: Uint8Array) => offset + data.length === bytes.length;
    const short = await ParquetReader.open(memoryIO(bytes, [], (offset, data) => (isTail(offset, data) ? data : data.subarray(0, data.length - 100))), 'mem', bytes.length);
    await expect(readAll(short)).rejects.toThrow(/Cannot read Parquet file mem: Decoding row group 0: .*were not fetched/);
    // Bytes flipped all over the column chunks: every read either succeeds or rejects with an Error.
    let failures = 0;
    for (let k = 0; k < 60; k++) {
      const corrupt = (offset: number, data: Uint8Array) => {
        if (isTail(offset, data)) return data; // keep the footer
        for (let j = 0; j < 8; j++) {
          const at = (k * 7919 + j * 104729) % data.length;
          data[at] = data[at]! ^ (0x5a + k);
        }
        return data;
      };
      const reader = await ParquetReader.open(memoryIO(bytes, [], corrupt), 'mem', bytes.length);
      try { await readAll(reader); } catch (err) { expect(err).toBeInstanceOf(Error); failures++; }
    }
    expect(failures).toBeGreaterThan(0);
    const badFooter = bytes.slice();
    badFooter.fill(7, bytes.length - 200, bytes.length - 8);
    await expect(ParquetReader.open(memoryIO(badFooter), 'mem', bytes.length)).rejects.toThrow(/Cannot open Parquet file mem/);
    await expect(ParquetReader.open(memoryIO(bytes.subarray(0, 100)), 'mem', 100)).rejects.toThrow(/Cannot open Parquet file mem/);
  });

  it('encodes files concurrently, and a writer whose consumer stops early ends cleanly', async () => {
    const { schema, batch, options } = longs(50_000, 7_000);
    const one = await encodeParquet(schema, [batch], options);
    const both = await Promise.all([encodeParquet(schema, [batch], options), encodeParquet(schema, [batch.slice(0, 25_000), batch.slice(25_000)], options)]);
    for (const { bytes } of both) expect(Buffer.from(bytes).equals(Buffer.from(one.bytes))).toBe(true);
    let returned = false;
    function* source() { try { for (let i = 0; i < 10; i++) yield batch; } finally { returned = true; } }
    for await (const chunk of streamParquet(schema, source(), options)) { expect(chunk.length).toBeGreaterThan(0); break; }
    expect(returned).toBe(true);
  });

  it('rejects a batch that does not match the schema', async () => {
    const { schema, batch, options } = longs(10, 10);
    const other = new ArrowSchema([schema.fields[1]!, schema.fields[0]!]);
    const swapped = batchOf(other, [batch.data.children[1]!, batch.data.children[0]!]);
    const writer = new addon!.ParquetWriter(tableToIPC(new Table(schema, []), 'stream'), { compression: 'zstd', maxRowGroupSize: options.rowGroupRows });
    await expect(writer.write(tableToIPC(new Table(other, [swapped]), 'stream'))).rejects.toThrow(/A batch does not match the file's schema/);
    await expect(writer.finish()).rejects.toThrow(/finished or failed earlier|already finished/);
    await expect(writer.write(new Uint8Array(10))).rejects.toThrow(/Reading an Arrow batch/);
  });
});
