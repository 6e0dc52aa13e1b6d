/**
 * Record batches built straight into Arrow buffers for a table's schema: columns of typed arrays
 * and UTF-8 bytes, no per-value builder objects (vectorFromArray is slow on millions of values and
 * cannot take bigint timestamps).
 */
import { makeData, RecordBatch, Struct, type Data, type Schema as ArrowSchema } from 'apache-arrow';

export type ColumnValues =
  | { kind: 'int64'; values: BigInt64Array; valid?: Uint8Array }
  | { kind: 'int32'; values: Int32Array; valid?: Uint8Array }
  | { kind: 'float64'; values: Float64Array; valid?: Uint8Array }
  | { kind: 'utf8'; values: string[] | { offsets: Int32Array; bytes: Uint8Array }; valid?: Uint8Array }
  | { kind: 'bool'; values: boolean[]; valid?: Uint8Array };

const encoder = new TextEncoder();

/** UTF-8 bytes and offsets of strings, in one buffer. */
export function utf8Buffers(values: string[]): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) { total += Buffer.byteLength(values[i]!); offsets[i + 1] = total; }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < values.length; i++) encoder.encodeInto(values[i]!, bytes.subarray(offsets[i]!, offsets[i + 1]!));
  return { offsets, bytes };
}

function nullCount(valid: Uint8Array | undefined, length: number): number {
  if (!valid) return 0;
  let n = 0;
  for (let i = 0; i < length; i++) if ((valid[i >> 3]! & (1 << (i & 7))) === 0) n++;
  return n;
}

function bits(values: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => { if (v) out[i >> 3]! |= 1 << (i & 7); });
  return out;
}

/** One batch of `schema` from columns given in schema order. */
export function batchFromColumns(schema: ArrowSchema, columns: ColumnValues[], length: number): RecordBatch {
  if (columns.length !== schema.fields.length) throw new Error(`batchFromColumns: ${columns.length} columns for a schema of ${schema.fields.length}`);
  const children: Data[] = columns.map((c, i) => {
    const field = schema.fields[i]!;
    const common = { type: field.type, length, nullCount: nullCount(c.valid, length), nullBitmap: c.valid };
    const size = c.kind === 'utf8' ? (Array.isArray(c.values) ? c.values.length : c.values.offsets.length - 1) : c.values.length;
    if (size !== length) throw new Error(`column "${field.name}" has ${size} values, expected ${length}`);
    // `as never`: makeData's overloads are per Arrow type; the field's type is only known at run time.
    switch (c.kind) {
      case 'int64': case 'int32': case 'float64': return makeData({ ...common, data: c.values } as never);
      case 'bool': return makeData({ ...common, data: bits(c.values) } as never);
      case 'utf8': {
        const { offsets, bytes } = Array.isArray(c.values) ? utf8Buffers(c.values) : c.values;
        return makeData({ ...common, valueOffsets: offsets, data: bytes } as never);
      }
    }
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}
