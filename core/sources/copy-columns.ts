/**
 * COPY text (rows end in \n, fields split by \t, \N is null, backslash escapes) parsed straight
 * from its bytes into Arrow-layout column buffers: strings as UTF-8 bytes and offsets, integers
 * from their ASCII digits, nulls as validity bits. No JS string is made per value: on millions
 * of rows, decoding, splitting and unescaping strings cost more CPU than Postgres spent
 * producing them.
 *
 * Chunks may end anywhere (inside a row, a field, an escape or a multi-byte UTF-8 character):
 * only whole rows are parsed, the unfinished tail of a chunk waits for the next one.
 */

import { parseTimestamptz } from './copy-timestamp.ts';

import { CopyBatchParser, INT32, parsedBatches, UTF8, type ColumnBuilder, type CopyBatch, type CopyColumnSpec } from './copy-batches.ts';

export type { CopyBatch, CopyColumn, CopyColumnKind, CopyColumnSpec } from './copy-batches.ts';

const TAB = 9, NL = 10, BACKSLASH = 92, MINUS = 45, ZERO = 48, NINE = 57;
/** What a backslash followed by this byte stands for (COPY's text format); -1: the byte itself. */
const ESCAPED = new Int16Array(256).fill(-1);
for (const [c, v] of [['b', 8], ['f', 12], ['n', 10], ['r', 13], ['t', 9], ['v', 11]] as const) ESCAPED[c.charCodeAt(0)] = v;

/** 1 for the bytes that end a run of plain string bytes: tab, newline, backslash. */
const STOPS = new Uint8Array(256);
STOPS[TAB] = 1; STOPS[NL] = 1; STOPS[BACKSLASH] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) { HEX[65 + c] = 10 + c; HEX[97 + c] = 10 + c; }

/** Regions longer than this are parsed in slices, so that a column's buffer never reserves more than this beyond its data. */
const MAX_REGION = 1 << 18;

/** COPY's text format; uuid columns are read as the text they are. */
export class CopyTextParser extends CopyBatchParser {
  /** The start of an unfinished row: chunk tails waiting for the rest of it. */
  private pending: Uint8Array[] = [];

  push(chunk: Uint8Array): CopyBatch[] {
    const out: CopyBatch[] = [];
    let start = 0;
    if (this.pending.length > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.pending.push(new Uint8Array(chunk)); // a copy, as below
        return out;
      }
      // The unfinished row, made whole: the parser only ever sees complete rows.
      const parts = [...this.pending, chunk.subarray(0, nl + 1)];
      this.pending = [];
      const row = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) { row.set(p, at); at += p.length; }
      this.parseRows(row, 0, row.length, out);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      this.parseRows(chunk, start, last + 1, out);
      start = last + 1;
    }
    // A copy (a Buffer's slice() would not be one): the source may reuse its buffer once this chunk is handed over.
    if (start < chunk.length) this.pending.push(new Uint8Array(chunk.subarray(start)));
    return out;
  }

  end(): CopyBatch | null {
    if (this.pending.length > 0) throw new Error(`COPY of ${this.what} ended in the middle of row ${this.rowsBefore + this.rows + 1}`);
    return this.rows > 0 ? this.finishBatch() : null;
  }

  /** Whole rows in buf[p, end): buf[end - 1] is the newline ending the last one. */
  private parseRows(buf: Uint8Array, p: number, end: number, out: CopyBatch[]): void {
    while (p < end) {
      // A slice of at most MAX_REGION bytes (plus the rest of the row it ends in) is parsed with
      // each string column's buffer holding room for all of it: unescaping never grows a field,
      // so the byte loop below never checks for room.
      let sliceEnd = end;
      if (end - p > MAX_REGION) {
        const nl = buf.indexOf(NL, p + MAX_REGION);
        sliceEnd = nl < 0 || nl >= end ? end : nl + 1;
      }
      p = this.parseSlice(buf, p, sliceEnd, out);
    }
  }

  private parseSlice(buf: Uint8Array, p: number, end: number, out: CopyBatch[]): number {
    const n = this.builders.length;
    this.reserve(end - p);
    while (p < end) {
      const row = this.rows;
      const rowStart = p;
      for (let c = 0; c < n; c++) {
        const b = this.builders[c]!;
        // \N followed by the field's end is null; buf[p + 2] exists because the slice ends in a newline.
        if (buf[p] === BACKSLASH && buf[p + 1] === 78 && (buf[p + 2] === TAB || buf[p + 2] === NL)) {
          b.setNull(row);
          p += 2;
        } else if (b.code === UTF8) {
          p = this.utf8Field(b, row, buf, p, end);
        } else if (b.isTime) {
          const after = parseTimestamptz(buf, p, b.ints, 2 * row);
          if (after < 0) throw this.notA(b, row, buf, p, 'timestamp with time zone in ISO style');
          p = after;
        } else {
          p = this.intField(b, row, buf, p);
        }
        const delimiter = buf[p];
        if (c < n - 1 ? delimiter !== TAB : delimiter !== NL) throw this.fieldCountError(buf, rowStart);
        p++;
      }
      if (++this.rows === this.batchRows) {
        out.push(this.finishBatch());
        this.reserve(end - p);
      }
    }
    return p;
  }

  private reserve(bytes: number): void {
    for (const b of this.builders) if (b.code === UTF8) b.reserve(bytes);
  }

  /** Copies one string field, unescaping, to its column; the index of the delimiter after it. */
  private utf8Field(b: ColumnBuilder, row: number, buf: Uint8Array, p: number, end: number): number {
    const data = b.data;
    let used = b.used;
    let x = buf[p]!;
    for (;;) {
      // The hot loop: the slice ends in a newline, so this stops inside it.
      while (STOPS[x] === 0) {
        data[used++] = x;
        x = buf[++p]!;
      }
      if (x !== BACKSLASH) break;
      const e = buf[p + 1]!;
      if (e === NL || p + 1 >= end) throw new Error(`COPY of ${this.what}: row ${this.rowsBefore + row + 1}, column ${b.spec.name} ends in a lone backslash`);
      if (e >= ZERO && e <= 55) {
        // \ooo: one to three octal digits, one byte (Postgres keeps the low 8 bits).
        let v = e - ZERO;
        p += 2;
        for (let k = 0; k < 2 && buf[p]! >= ZERO && buf[p]! <= 55; k++) v = (v << 3) | (buf[p++]! - ZERO);
        data[used++] = v & 0xff;
      } else if (e === 120 && HEX[buf[p + 2]!]! >= 0) {
        // \xH or \xHH: one byte.
        let v = HEX[buf[p + 2]!]!;
        p += 3;
        if (HEX[buf[p]!]! >= 0) v = (v << 4) | HEX[buf[p++]!]!;
        data[used++] = v;
      } else {
        const v = ESCAPED[e]!;
        data[used++] = v >= 0 ? v : e;
        p += 2;
      }
      x = buf[p]!;
    }
    b.used = used;
    b.offsets[row + 1] = used;
    return p;
  }

  /** Parses one integer field into its column; the index of the delimiter after it. */
  private intField(b: ColumnBuilder, row: number, buf: Uint8Array, p: number): number {
    const first = p;
    let x = buf[p]!;
    const negative = x === MINUS;
    if (negative) x = buf[++p]!;
    let v = 0;
    const digitsStart = p;
    while (x >= ZERO && x <= NINE) {
      v = v * 10 + (x - ZERO);
      x = buf[++p]!;
    }
    const digits = p - digitsStart;
    if (digits === 0 || (x !== TAB && x !== NL)) throw this.notAnInteger(b, row, buf, first);
    if (negative) v = -v;
    if (b.code === INT32) {
      if (v > 2147483647 || v < -2147483648) throw this.notAnInteger(b, row, buf, first);
      b.ints[row] = v;
    } else if (v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER) {
      // Exact: every partial sum was below the final one, so below 2^53 too (a time in
      // microseconds is until the year 2255). Two's complement words: low = v mod 2^32, high = floor(v / 2^32).
      b.ints[2 * row] = v >>> 0;
      b.ints[2 * row + 1] = Math.floor(v / 4294967296);
    } else {
      // Beyond what a double holds exactly: rare, so a BigInt.
      const big = BigInt(new TextDecoder().decode(buf.subarray(first, p)));
      if (BigInt.asIntN(64, big) !== big) throw this.notAnInteger(b, row, buf, first);
      new BigInt64Array(b.ints.buffer, 8 * row, 1)[0] = big;
    }
    return p;
  }

  private notAnInteger(b: ColumnBuilder, row: number, buf: Uint8Array, first: number): Error {
    return this.notA(b, row, buf, first, `${b.spec.kind === 'int32' ? '32' : '64'}-bit integer`);
  }

  private notA(b: ColumnBuilder, row: number, buf: Uint8Array, first: number, what: string): Error {
    let last = first;
    while (last < buf.length && buf[last] !== TAB && buf[last] !== NL) last++;
    const text = new TextDecoder().decode(buf.subarray(first, Math.min(last, first + 40)));
    return new Error(`COPY of ${this.what}: row ${this.rowsBefore + row + 1}, column ${b.spec.name} holds "${text}", not a ${what}`);
  }

  private fieldCountError(buf: Uint8Array, rowStart: number): Error {
    let fields = 1;
    for (let i = rowStart; i < buf.length && buf[i] !== NL; i++) if (buf[i] === TAB) fields++;
    return new Error(`COPY of ${this.what}: row ${this.rowsBefore + this.rows + 1} has ${fields} fields, expected ${this.columns.length} (${this.columns.map((c) => c.name).join(', ')})`);
  }
}

/**
 * Batches of `batchRows` rows (the last one shorter) from a stream of COPY text chunks. With
 * `reuse`, a batch's buffers are filled again once the next batch is asked for: for a consumer
 * that is done with each batch by then (one that copies it, say into an IPC message).
 */
export async function* copyColumnBatches(
  chunks: AsyncIterable<Uint8Array>, columns: CopyColumnSpec[], batchRows: number, what: string, { reuse = false } = {},
): AsyncGenerator<CopyBatch> {
  yield* parsedBatches(chunks, new CopyTextParser(columns, batchRows, what), { reuse });
}

/** Undoes COPY text escaping of one field's bytes (a page's last key, not the hot path). */
export function unescapeCopyBytes(field: Uint8Array): Uint8Array {
  if (!field.includes(BACKSLASH)) return field;
  const parser = new CopyTextParser([{ name: 'field', kind: 'utf8' }], 1, 'one field');
  const row = new Uint8Array(field.length + 1);
  row.set(field);
  row[field.length] = NL;
  const [batch] = parser.push(row);
  const column = batch!.columns[0]!;
  return (column as { bytes: Uint8Array }).bytes;
}
