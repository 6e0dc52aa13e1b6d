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

/** timestamptz: Postgres's ISO text of one (copy-timestamp.ts), into int64 microseconds since 1970 UTC. */
export type CopyColumnKind = 'utf8' | 'int32' | 'int64' | 'timestamptz';

export interface CopyColumnSpec {
  /** For messages. */
  name: string;
  kind: CopyColumnKind;
}

/** Validity bits (Arrow's: bit i set when row i is not null), or undefined when no row is null. */
type Validity = { valid: Uint8Array | undefined; nulls: number };

export type CopyColumn =
  | ({ kind: 'utf8'; offsets: Int32Array; bytes: Uint8Array } & Validity)
  | ({ kind: 'int32'; values: Int32Array } & Validity)
  | ({ kind: 'int64'; values: BigInt64Array } & Validity);

export interface CopyBatch {
  rows: number;
  columns: CopyColumn[];
}

const TAB = 9, NL = 10, BACKSLASH = 92, MINUS = 45, ZERO = 48, NINE = 57;
const UTF8 = 0, INT32 = 1, INT64 = 2, TIMESTAMPTZ = 3;
const KIND_CODE: Record<CopyColumnKind, number> = { utf8: UTF8, int32: INT32, int64: INT64, timestamptz: TIMESTAMPTZ };

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

/** One column of the batch being filled. */
class ColumnBuilder {
  readonly code: number;
  offsets: Int32Array;
  data: Uint8Array;
  used = 0;
  ints: Int32Array;
  valid: Uint8Array | undefined = undefined;
  /** A validity buffer of an earlier batch, to fill again at this batch's first null. */
  private spareValid: Uint8Array | undefined = undefined;
  nulls = 0;

  constructor(readonly spec: CopyColumnSpec, readonly rows: number, dataBytes: number) {
    this.code = KIND_CODE[spec.kind];
    this.offsets = new Int32Array(this.code === UTF8 ? rows + 1 : 0);
    this.data = new Uint8Array(this.code === UTF8 ? dataBytes : 0);
    // int64 values are written as two 32-bit words (low first: the platform's order, little-endian
    // everywhere Node runs), not as a BigInt each.
    this.ints = new Int32Array(this.code === INT64 || this.code === TIMESTAMPTZ ? 2 * rows : this.code === INT32 ? rows : 0);
  }

  setNull(row: number): void {
    // Allocated at the first null only: most columns have none.
    if (this.valid === undefined) this.valid = (this.spareValid ?? new Uint8Array((this.rows + 7) >> 3)).fill(0xff);
    this.valid[row >> 3]! &= ~(1 << (row & 7));
    this.nulls++;
    if (this.code === UTF8) this.offsets[row + 1] = this.used;
  }

  /** Room for `more` bytes beyond the data so far. */
  reserve(more: number): void {
    if (this.used + more <= this.data.length) return;
    const next = new Uint8Array(Math.max(this.used + more, this.data.length * 2));
    next.set(this.data.subarray(0, this.used));
    this.data = next;
  }

  /** Empty again, keeping its buffers (the batch made from them is no longer used). */
  reset(): void {
    this.used = 0;
    this.nulls = 0;
    if (this.valid !== undefined) this.spareValid = this.valid;
    this.valid = undefined;
  }

  finish(rows: number): CopyColumn {
    const v = { valid: this.valid === undefined ? undefined : this.valid.subarray(0, (rows + 7) >> 3), nulls: this.nulls };
    if (this.code === UTF8) return { kind: 'utf8', offsets: this.offsets.subarray(0, rows + 1), bytes: this.data.subarray(0, this.used), ...v };
    if (this.code === INT32) return { kind: 'int32', values: this.ints.subarray(0, rows), ...v };
    return { kind: 'int64', values: new BigInt64Array(this.ints.buffer, 0, rows), ...v };
  }
}

export class CopyTextParser {
  private builders: ColumnBuilder[];
  /** Rows in the batch being filled, and in the batches already handed out. */
  private rows = 0;
  private rowsBefore = 0;
  /** The start of an unfinished row: chunk tails waiting for the rest of it. */
  private pending: Uint8Array[] = [];
  /** Builders of the batches handed out, and builders released, whose buffers the next batches reuse. */
  private readonly handedOut = new Map<CopyBatch, ColumnBuilder[]>();
  private readonly spare: ColumnBuilder[][] = [];

  /** `what` names the query in errors. */
  constructor(private readonly columns: CopyColumnSpec[], private readonly batchRows: number, private readonly what: string) {
    if (columns.length === 0) throw new Error(`COPY of ${what}: no columns to parse`);
    if (!(batchRows > 0)) throw new Error(`COPY of ${what}: batchRows must be positive, not ${batchRows}`);
    this.builders = columns.map((c) => new ColumnBuilder(c, batchRows, 1 << 16));
  }

  /** Parses a chunk; the batches it completed (usually none, as a batch spans many chunks). */
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

  /** The last, partial batch (null if none); throws when the input stopped inside a row. */
  end(): CopyBatch | null {
    if (this.pending.length > 0) throw new Error(`COPY of ${this.what} ended in the middle of row ${this.rowsBefore + this.rows + 1}`);
    return this.rows > 0 ? this.finishBatch() : null;
  }

  /** Rows handed out in batches so far plus the rows of the batch being filled. */
  get rowCount(): number {
    return this.rowsBefore + this.rows;
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
        } else if (b.code === TIMESTAMPTZ) {
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

  /**
   * Gives the buffers of a batch back, for later batches to fill: the batch must not be read after.
   * A batch never released keeps its buffers (then each batch allocates its own, some 20 MB at
   * W2's comments, and the garbage collector runs for them).
   */
  release(batch: CopyBatch): void {
    const builders = this.handedOut.get(batch);
    if (!builders) return;
    this.handedOut.delete(batch);
    for (const b of builders) b.reset();
    this.spare.push(builders);
  }

  private finishBatch(): CopyBatch {
    const rows = this.rows;
    const batch: CopyBatch = { rows, columns: this.builders.map((b) => b.finish(rows)) };
    this.handedOut.set(batch, this.builders);
    this.rowsBefore += rows;
    this.rows = 0;
    // The batch handed out keeps its buffers; the next one likely needs as many bytes.
    this.builders = this.spare.pop()
      ?? this.builders.map((b) => new ColumnBuilder(b.spec, this.batchRows, b.code === UTF8 ? b.used + (b.used >> 3) + 1024 : 0));
    return batch;
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
  const parser = new CopyTextParser(columns, batchRows, what);
  const hand = function* (batches: CopyBatch[]) {
    for (const b of batches) {
      yield b;
      if (reuse) parser.release(b);
    }
  };
  for await (const chunk of chunks) yield* hand(parser.push(chunk));
  const last = parser.end();
  if (last) yield last;
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
