/**
 * Splits record batches by partition. Rows are grouped in runs of equal partition values and
 * each run is a zero-copy slice, so input that arrives ordered by partition (as Floe's pipelines
 * write it) costs nothing to split; unordered input still splits correctly, only into more slices.
 */
import { makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { indexById } from '../spec/schema.ts';
import { parseTransform, transformFunction } from '../spec/transforms.ts';
import { bitSet, validityOf } from '../spec/arrow-scan.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import type { IcebergValue } from '../spec/values.ts';
import type { PartitionSpec, PartitionValues, PrimitiveType, Schema } from '../spec/types.ts';

export interface PartitionSlice {
  /** Stable text form of the values, for grouping. "" when unpartitioned. */
  key: string;
  values: PartitionValues;
  rows: RecordBatch;
}

interface FieldPlan {
  fieldId: number;
  column: string;
  read: (data: Data) => (row: number) => IcebergValue | null;
  transform: (v: IcebergValue | null) => IcebergValue | null;
}

export class Partitioner {
  private readonly plan: FieldPlan[];

  constructor(spec: PartitionSpec, schema: Schema) {
    const byId = indexById(schema);
    this.plan = spec.fields.filter((f) => f.transform !== 'void').map((f) => {
      const source = byId.get(f['source-id']);
      if (!source) throw new Error(`partition field "${f.name}": source column id ${f['source-id']} is not in the table schema`);
      if (!schema.fields.includes(source.field)) {
        throw new Error(`partition field "${f.name}": partitioning by the nested column "${source.name}" is not supported when writing`);
      }
      if (typeof source.field.type !== 'string') throw new Error(`partition field "${f.name}": source column "${source.name}" is not a primitive`);
      return {
        fieldId: f['field-id'],
        column: source.field.name,
        read: valueReader(source.field.type, source.field.name),
        transform: transformFunction(parseTransform(f.transform), source.field.type),
      };
    });
  }

  get partitioned(): boolean {
    return this.plan.length > 0;
  }

  *split(batch: RecordBatch): Generator<PartitionSlice> {
    if (!this.partitioned) {
      yield { key: '', values: {}, rows: batch };
      return;
    }
    const readers = this.plan.map((p) => {
      const column = batch.getChild(p.column);
      if (!column) throw new Error(`the data has no column "${p.column}", which the table is partitioned by`);
      if (column.data.length !== 1) throw new Error(`column "${p.column}" must be one chunk per batch`);
      return p.read(column.data[0]!);
    });
    let runStart = 0;
    let runKey = '';
    let runValues: PartitionValues = {};
    let previousSources: (IcebergValue | null)[] = [];
    for (let row = 0; row <= batch.numRows; row++) {
      let key = runKey;
      let values = runValues;
      if (row < batch.numRows) {
        const sources = readers.map((read) => read(row));
        // Consecutive rows with the same source values (sorted input) share the partition: skip
        // the transforms, which dominate a split of millions of rows.
        if (row === 0 || sources.some((v, i) => v !== previousSources[i])) {
          values = {};
          const parts: string[] = [];
          this.plan.forEach((p, i) => {
            const v = p.transform(sources[i]!);
            values[p.fieldId] = v;
            parts.push(keyPart(v));
          });
          key = parts.join('\u0001');
        }
        previousSources = sources;
      }
      if (row === 0) { runKey = key; runValues = values; continue; }
      if (row === batch.numRows || key !== runKey) {
        yield { key: runKey, values: runValues, rows: batch.slice(runStart, row) };
        runStart = row; runKey = key; runValues = values;
      }
    }
  }
}

function keyPart(v: IcebergValue | null): string {
  if (v === null) return '\u0000';
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return `${(typeof v)[0]}${String(v)}`;
}

/** Reads row values in Iceberg's value forms from an Arrow chunk, straight from its buffers for numbers. */
function valueReader(type: PrimitiveType, column: string): (data: Data) => (row: number) => IcebergValue | null {
  const kind = parsePrimitive(type).kind;
  return (data) => {
    const validity = validityOf(data);
    const isNull = (row: number) => validity !== null && !bitSet(validity, data.offset + row);
    const values = data.values as unknown;
    switch (kind) {
      case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
        if (values instanceof BigInt64Array) return (row) => (isNull(row) ? null : values[row]!);
        break;
      case 'int': case 'date':
        if (values instanceof Int32Array) return (row) => (isNull(row) ? null : values[row]!);
        break;
      case 'string': case 'boolean': {
        // Arrow's own getters decode UTF-8 and bit-packed booleans (dictionaries too).
        const vector = makeVector(data);
        return (row) => (isNull(row) ? null : (vector.get(row) as string | boolean));
      }
    }
    throw new Error(`column "${column}" (${type}): partitioning by this column type is not supported when writing`);
  };
}
