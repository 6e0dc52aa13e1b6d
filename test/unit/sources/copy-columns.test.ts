import { describe, expect, it } from 'vitest';
import { rowsOf, valuesOf, type Value } from './copy-batch-rows.ts';
import { CopyTextParser, copyColumnBatches, unescapeCopyBytes, type CopyBatch, type CopyColumnSpec } from '../../../core/sources/copy-columns.ts';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const bytes = (s: string) => enc.encode(s);

/** Postgres's COPY TO text rendering of a value (what the parser must undo), written out here independently. */
function render(v: string | number | bigint | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return v.replace(/[\\\n\r\t\b\f\v]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c]!);
}

function copyText(rows: Value[][]): Uint8Array {
  return bytes(rows.map((r) => `${r.map(render).join('\t')}\n`).join(''));
}


function parseChunks(chunks: Uint8Array[], specs: CopyColumnSpec[], batchRows = 1000): CopyBatch[] {
  const p = new CopyTextParser(specs, batchRows, 'test rows');
  const out = chunks.flatMap((c) => p.push(c));
  const last = p.end();
  return last ? [...out, last] : out;
}

const MIXED: CopyColumnSpec[] = [{ name: 'id', kind: 'utf8' }, { name: 'text', kind: 'utf8' }, { name: 'n', kind: 'int32' }, { name: 'at', kind: 'int64' }];
const TRICKY = ['', 'plain', 'tab\there', 'new\nline', 'back\\slash', '\\N', 'N', 'cr\r\nlf', '🍜 ラーメン 拉面', 'é', '\b\f\v', 'ends with \\', '\\\\t', 'x'.repeat(300)];

describe('COPY text parsed into Arrow buffers', () => {
  it('gives every value back exactly: escapes, emoji and CJK, empty strings, nulls, integer limits', () => {
    const rows: Value[][] = TRICKY.map((t, i) => [
      `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, t, i % 3 === 0 ? null : (i % 2 ? -2147483648 : 2147483647),
      i % 4 === 0 ? null : [0n, -1n, 1772443827390348n, -9223372036854775808n, 9223372036854775807n, 9007199254740993n][i % 6]!,
    ]);
    const got = rowsOf(parseChunks([copyText(rows)], MIXED));
    expect(got).toEqual(rows.map((r) => [r[0], r[1], r[2], r[3] === null ? null : BigInt(r[3]!)]));
  });

  it('reads the same rows whatever the chunk boundaries: inside rows, escapes, \\N and multi-byte characters', () => {
    const rows: Value[][] = TRICKY.map((t, i) => [`k${i}`, t, i, i % 2 ? null : BigInt(i) * 1_000_000_000_000n]);
    const text = copyText(rows);
    const whole = rowsOf(parseChunks([text], MIXED));
    expect(whole).toHaveLength(rows.length);
    // Every split point once (two chunks), then one byte at a time: a split inside 🍜's four bytes included.
    for (let at = 0; at <= text.length; at++) {
      expect(rowsOf(parseChunks([text.subarray(0, at), text.subarray(at)], MIXED, 4)), `split at byte ${at}`).toEqual(whole);
    }
    expect(rowsOf(parseChunks([...text].map((b) => Uint8Array.of(b)), MIXED, 3))).toEqual(whole);
  });

  it('undoes the escapes Postgres reads: \\b \\f \\n \\r \\t \\v \\\\, octal \\ooo and hex \\xHH bytes, any other \\c as c', () => {
    const field = (copy: string) => rowsOf(parseChunks([bytes(`${copy}\n`)], [{ name: 'f', kind: 'utf8' }]))[0]![0];
    expect(field('a\\tb\\nc\\\\d\\re\\bf\\fg\\vh')).toBe('a\tb\nc\\d\re\bf\fg\vh');
    expect(field('\\101\\60\\0609')).toBe('A009');
    expect(field('\\x41\\x4a\\x4Z\\xg')).toBe('AJ\x04Zxg');
    expect(field('\\q\\N\\"')).toBe('qN"');
    expect(field('\\\\N')).toBe('\\N');
    // Octal and hex escapes are bytes: two of them can make one UTF-8 character.
    expect(field('\\303\\xa9')).toBe('é');
    expect(rowsOf(parseChunks([bytes('\\N\n')], [{ name: 'f', kind: 'utf8' }]))[0]![0]).toBeNull();
  });

  it('cuts batches at batchRows, rows split across chunks included, and counts rows', () => {
    const rows: Value[][] = Array.from({ length: 10 }, (_, i) => [`id-${i}`, `row ${i}`, i, BigInt(i)]);
    const text = copyText(rows);
    const p = new CopyTextParser(MIXED, 3, 'ten rows');
    const batches: CopyBatch[] = [];
    for (let at = 0; at < text.length; at += 7) batches.push(...p.push(text.subarray(at, at + 7)));
    expect(p.rowCount).toBe(10);
    batches.push(p.end()!);
    expect(batches.map((b) => b.rows)).toEqual([3, 3, 3, 1]);
    expect(rowsOf(batches)).toEqual(rows);
    // Each batch owns its buffers: the next batch does not overwrite them.
    expect(valuesOf(batches[0]!.columns[1]!, 3)).toEqual(['row 0', 'row 1', 'row 2']);
    expect(batches[0]!.columns[1]!.valid).toBeUndefined();
  });

  it('parses slices far bigger than a chunk, with fields bigger than the slice, without losing a byte', async () => {
    const big = '🍜'.repeat(200_000) + '\\';
    const rows: Value[][] = Array.from({ length: 5000 }, (_, i) => [`${i}`, i === 2500 ? big : `v${i}\t${i}`, i, null]);
    const text = copyText(rows);
    async function* oneChunk() { yield text; }
    const batches: CopyBatch[] = [];
    for await (const b of copyColumnBatches(oneChunk(), MIXED, 2048, 'big rows')) batches.push(b);
    expect(batches.map((b) => b.rows)).toEqual([2048, 2048, 904]);
    expect(rowsOf(batches)).toEqual(rows);
    expect(batches[0]!.columns[3]!.nulls).toBe(2048);
  });

  it('fails with the row, the field count and the columns expected when a row has too few or too many fields', () => {
    const two: CopyColumnSpec[] = [{ name: 'a', kind: 'utf8' }, { name: 'b', kind: 'utf8' }];
    expect(() => parseChunks([bytes('x\ty\nonly one\n')], two)).toThrow('COPY of test rows: row 2 has 1 fields, expected 2 (a, b)');
    expect(() => parseChunks([bytes('x\ty\tz\n')], two)).toThrow('COPY of test rows: row 1 has 3 fields, expected 2 (a, b)');
    expect(() => parseChunks([bytes('\n')], two)).toThrow('row 1 has 1 fields, expected 2');
    // An escaped tab is part of a field, not a delimiter.
    expect(rowsOf(parseChunks([bytes('x\\ty\tz\n')], two))).toEqual([['x\ty', 'z']]);
  });

  it('fails on an integer column holding something else, out of range, or a row cut off at the end', () => {
    const ints: CopyColumnSpec[] = [{ name: 'views', kind: 'int32' }, { name: 'at', kind: 'int64' }];
    expect(() => parseChunks([bytes('12x\t1\n')], ints)).toThrow('COPY of test rows: row 1, column views holds "12x", not a 32-bit integer');
    expect(() => parseChunks([bytes('1\t2\n2147483648\t1\n')], ints)).toThrow('row 2, column views holds "2147483648", not a 32-bit integer');
    expect(() => parseChunks([bytes('1\t\n')], ints)).toThrow('column at holds "", not a 64-bit integer');
    expect(() => parseChunks([bytes('1\t9223372036854775808\n')], ints)).toThrow('column at holds "9223372036854775808", not a 64-bit integer');
    expect(() => parseChunks([bytes('1\t2\n3\t4')], ints)).toThrow('COPY of test rows ended in the middle of row 2');
    expect(() => parseChunks([bytes('ab\\\n')], [{ name: 's', kind: 'utf8' }])).toThrow('row 1, column s ends in a lone backslash');
  });

  it('reads no rows as no batch', async () => {
    async function* none() { /* an empty table */ }
    const batches: CopyBatch[] = [];
    for await (const b of copyColumnBatches(none(), MIXED, 10, 'empty')) batches.push(b);
    expect(batches).toEqual([]);
  });

  it('unescapes a single field (the key PGlite pages by)', () => {
    expect(dec.decode(unescapeCopyBytes(bytes('a\\tb\\\\c')))).toBe('a\tb\\c');
    const plain = bytes('1f99bc93-d5fa-43a8-b09f-c004b1023484');
    expect(unescapeCopyBytes(plain)).toBe(plain);
  });
});
