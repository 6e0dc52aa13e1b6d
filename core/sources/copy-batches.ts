/**
 * The column buffers both COPY parsers (text: copy-columns.ts, binary: copy-binary.ts) fill, and
 * the batches they hand out: Arrow layout (UTF-8 bytes plus offsets, integers in typed arrays,
 * validity bits), so that a batch becomes Arrow data without a copy. A batch's buffers can be
 * given back to be filled again (`release`), so that a long COPY does not allocate new ones for
 * every batch.
 */

/**
 * utf8: text; uuid: text too, its canonical lower-case form; int32 and int64: integers;
 * timestamptz: int64 microseconds since 1970 UTC.
 */
export type CopyColumnKind = 'utf8' | 'uuid' | 'int32' | 'int64' | 'timestamptz';

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

/** How a builder lays its values out. */
export const UTF8 = 0, INT32 = 1, INT64 = 2;
const LAYOUT: Record<CopyColumnKind, number> = { utf8: UTF8, uuid: UTF8, int32: INT32, int64: INT64, timestamptz: INT64 };

/** One column of the batch being filled. */
export class ColumnBuilder {
  readonly code: number;
  /** A timestamptz column (an int64 layout parsed from a time). */
  readonly isTime: boolean;
  offsets: Int32Array;
  data: Uint8Array;
  used = 0;
  ints: Int32Array;
  valid: Uint8Array | undefined = undefined;
  /** A validity buffer of an earlier batch, to fill again at this batch's first null. */
  private spareValid: Uint8Array | undefined = undefined;
  nulls = 0;

  constructor(readonly spec: CopyColumnSpec, readonly rows: number, dataBytes: number) {
    this.code = LAYOUT[spec.kind];
    this.isTime = spec.kind === 'timestamptz';
    this.offsets = new Int32Array(this.code === UTF8 ? rows + 1 : 0);
    this.data = new Uint8Array(this.code === UTF8 ? dataBytes : 0);
    // int64 values are written as two 32-bit words (low first: the platform's order, little-endian
    // everywhere Node runs), not as a BigInt each.
    this.ints = new Int32Array(this.code === INT64 ? 2 * rows : this.code === INT32 ? rows : 0);
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

/**
 * What the text and binary parsers share: the batch being filled, and the batches handed out
 * with the buffers they hold until released.
 */
export abstract class CopyBatchParser {
  protected builders: ColumnBuilder[];
  /** Rows in the batch being filled, and in the batches already handed out. */
  protected rows = 0;
  protected rowsBefore = 0;
  /** Builders of the batches handed out, and builders released, whose buffers the next batches reuse. */
  private readonly handedOut = new Map<CopyBatch, ColumnBuilder[]>();
  private readonly spare: ColumnBuilder[][] = [];

  /** `what` names the query in errors. */
  constructor(protected readonly columns: CopyColumnSpec[], protected readonly batchRows: number, protected readonly what: string) {
    if (columns.length === 0) throw new Error(`COPY of ${what}: no columns to parse`);
    if (!(batchRows > 0)) throw new Error(`COPY of ${what}: batchRows must be positive, not ${batchRows}`);
    this.builders = columns.map((c) => new ColumnBuilder(c, batchRows, 1 << 16));
  }

  /** Parses a chunk; the batches it completed (usually none, as a batch spans many chunks). */
  abstract push(chunk: Uint8Array): CopyBatch[];

  /** The last, partial batch (null if none); throws when the input stopped inside a row. */
  abstract end(): CopyBatch | null;

  /** Rows handed out in batches so far plus the rows of the batch being filled. */
  get rowCount(): number {
    return this.rowsBefore + this.rows;
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

  protected finishBatch(): CopyBatch {
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
 * Batches of `batchRows` rows (the last one shorter) from a stream of COPY chunks, parsed by
 * `parser`. With `reuse`, a batch's buffers are filled again once the next batch is asked for: for
 * a consumer that is done with each batch by then (one that copies it, say into an IPC message).
 */
export async function* parsedBatches(chunks: AsyncIterable<Uint8Array>, parser: CopyBatchParser, { reuse = false } = {}): AsyncGenerator<CopyBatch> {
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
