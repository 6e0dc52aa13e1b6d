import { describe, expect, it } from 'vitest';
import { rowsOf, type Value } from './copy-batch-rows.ts';
import { CopyBinaryParser } from '../../../core/sources/copy-binary.ts';
import { parsedBatches, type CopyBatch, type CopyColumnSpec } from '../../../core/sources/copy-batches.ts';

const enc = new TextEncoder();

/** A field as COPY binary sends it, written out here independently of the parser. */
type Field = { text: string } | { uuid: string } | { int2: number } | { int4: number } | { int8: bigint } | { micros2000: bigint } | null;

function fieldBytes(f: Field): Uint8Array {
  if (f === null) return new Uint8Array(0);
  if ('text' in f) return enc.encode(f.text);
  if ('uuid' in f) return Uint8Array.from(f.uuid.replace(/-/g, '').match(/../g)!.map((h) => parseInt(h, 16)));
  const view = (n: number, set: (d: DataView) => void) => { const b = new Uint8Array(n); set(new DataView(b.buffer)); return b; };
  if ('int2' in f) return view(2, (d) => d.setInt16(0, f.int2));
  if ('int4' in f) return view(4, (d) => d.setInt32(0, f.int4));
  if ('int8' in f) return view(8, (d) => d.setBigInt64(0, f.int8));
  return view(8, (d) => d.setBigInt64(0, f.micros2000));
}

function copyBinary(rows: Field[][], { trailer = true } = {}): Uint8Array {
  const parts: number[] = [...enc.encode('PGCOPY\n'), 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
  const be = (v: number, bytes: number) => { for (let i = bytes - 1; i >= 0; i--) parts.push((v >>> (8 * i)) & 0xff); };
  for (const row of rows) {
    be(row.length, 2);
    for (const f of row) {
      if (f === null) { be(0xffffffff, 4); continue; }
      const b = fieldBytes(f);
      be(b.length, 4);
      for (const x of b) parts.push(x);
    }
  }
  if (trailer) be(0xffff, 2);
  return Uint8Array.from(parts);
}


function parseAll(bytes: Uint8Array, specs: CopyColumnSpec[], chunkBytes = bytes.length, batchRows = 1000): Value[][] {
  const parser = new CopyBinaryParser(specs, batchRows, 'test');
  const batches: CopyBatch[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) batches.push(...parser.push(bytes.subarray(i, i + chunkBytes)));
  const last = parser.end();
  if (last) batches.push(last);
  return rowsOf(batches);
}

const SPECS: CopyColumnSpec[] = [
  { name: 'id', kind: 'uuid' }, { name: 'content', kind: 'utf8' }, { name: 'n', kind: 'int32' },
  { name: 'big', kind: 'int64' }, { name: 'at', kind: 'timestamptz' },
];
const EPOCH_2000 = 946_684_800_000_000n;
const ROWS: Field[][] = [
  [{ uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' }, { text: 'plain' }, { int4: 42 }, { int8: 1n }, { micros2000: 0n }],
  [{ uuid: 'FFFFFFFF-0000-0000-0000-00000000000A' }, { text: 'tab\there\nnewline \\ backslash \\N' }, { int4: -2147483648 }, { int8: -(2n ** 63n) }, { micros2000: -EPOCH_2000 - 1n }],
  [{ uuid: '00000000-0000-0000-0000-000000000000' }, { text: '🍜 ラーメン, émoji 𝄞' }, { int2: -32768 }, { int8: 2n ** 63n - 1n }, { micros2000: 9_214_646_400_000_000n }],
  [null, { text: '' }, null, null, null],
  [{ uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }, null, { int8: 2147483647n }, { int4: -5 }, { micros2000: -211_813_488_000_000_000n }],
];
const EXPECTED: Value[][] = [
  ['0f8fad5b-d9cb-469f-a165-70867728950e', 'plain', 42, 1n, EPOCH_2000],
  ['ffffffff-0000-0000-0000-00000000000a', 'tab\there\nnewline \\ backslash \\N', -2147483648, -(2n ** 63n), -1n],
  ['00000000-0000-0000-0000-000000000000', '🍜 ラーメン, émoji 𝄞', -32768, 2n ** 63n - 1n, 9_214_646_400_000_000n + EPOCH_2000],
  [null, '', null, null, null],
  ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null, 2147483647, -5n, -211_813_488_000_000_000n + EPOCH_2000],
];

describe('COPY binary parsed into Arrow buffers', () => {
  it('gives every value back exactly: uuids as lower-case text, raw text bytes, 2/4/8-byte integers, times shifted to 1970, nulls', () => {
    expect(parseAll(copyBinary(ROWS), SPECS)).toEqual(EXPECTED);
  });

  it('reads the same rows whatever the chunk boundaries: inside the header, a length, a field or a character', () => {
    const bytes = copyBinary(ROWS);
    for (const size of [1, 2, 3, 5, 7, 13, 19, 64]) expect(parseAll(bytes, SPECS, size), `chunks of ${size}`).toEqual(EXPECTED);
  });

  it('takes a field spread over many chunks', () => {
    const long = 'x'.repeat(200_000) + '😀';
    const bytes = copyBinary([[{ uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' }, { text: long }, { int4: 1 }, { int8: 2n }, { micros2000: 3n }]]);
    expect(parseAll(bytes, SPECS, 1000)[0]![1]).toBe(long);
  });

  it('cuts batches at batchRows and refills released buffers without mixing rows', async () => {
    const rows: Field[][] = Array.from({ length: 25 }, (_, i) => [{ uuid: `00000000-0000-0000-0000-0000000000${String(i).padStart(2, '0')}` }, { text: `row ${i}` }, { int4: i }, { int8: BigInt(i) }, { micros2000: BigInt(i) }]);
    const bytes = copyBinary(rows);
    async function* chunks() { for (let i = 0; i < bytes.length; i += 17) yield bytes.subarray(i, i + 17); }
    const seen: Value[][] = [];
    const sizes: number[] = [];
    for await (const b of parsedBatches(chunks(), new CopyBinaryParser(SPECS, 10, 'test'), { reuse: true })) {
      sizes.push(b.rows);
      seen.push(...rowsOf([b])); // read before the next batch reuses its buffers
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen.map((r) => r[1])).toEqual(rows.map((_, i) => `row ${i}`));
  });

  it('reads no rows as no batch', () => {
    expect(parseAll(copyBinary([]), SPECS)).toEqual([]);
  });

  it('fails, naming the row and column, on a wrong field count, a uuid of the wrong size, an integer too wide or an infinite time', () => {
    const ok = ROWS[0]!;
    expect(() => parseAll(copyBinary([ok, ok.slice(0, 4)]), SPECS)).toThrow(/row 2 has 4 fields, expected 5 \(id, content, n, big, at\)/);
    expect(() => parseAll(copyBinary([[{ text: 'not16' }, ...ok.slice(1)]]), SPECS)).toThrow(/row 1, column id \(uuid\) holds 5 bytes, not the 16 of a uuid/);
    expect(() => parseAll(copyBinary([[ok[0]!, ok[1]!, { int8: 2n ** 40n }, ok[3]!, ok[4]!]]), SPECS)).toThrow(/column n \(int32\) holds 1099511627776, beyond a 32-bit integer/);
    expect(() => parseAll(copyBinary([[...ok.slice(0, 4), { micros2000: 2n ** 63n - 1n }]]), SPECS)).toThrow(/column at \(timestamptz\) holds infinity/);
    expect(() => parseAll(copyBinary([[...ok.slice(0, 4), { micros2000: -(2n ** 63n) }]]), SPECS)).toThrow(/holds -infinity/);
  });

  it('fails on data cut short: inside a row, or without the end-of-data marker, or without the header', () => {
    const bytes = copyBinary(ROWS);
    expect(() => parseAll(bytes.subarray(0, bytes.length - 10), SPECS)).toThrow(/ended in the middle of row 5/);
    expect(() => parseAll(copyBinary(ROWS, { trailer: false }), SPECS)).toThrow(/without its end-of-data marker after row 5/);
    expect(() => parseAll(bytes.subarray(0, 8), SPECS)).toThrow(/before its binary header was complete/);
    expect(() => parseAll(enc.encode('1\tabc\n'.repeat(10)), SPECS)).toThrow(/not COPY binary data/);
  });
});
