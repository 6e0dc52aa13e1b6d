/**
 * Makes record batches fit a table before they become a data file: columns matched by name (or
 * by the field ids they carry), types checked without silent widening, required columns checked
 * for nulls, and the batch re-labelled with the table's Arrow schema so that every Parquet column
 * carries the table's field id, its chunks laid out as that schema says (align.ts).
 */
import { makeData, RecordBatch, Struct, type Schema as ArrowSchema } from 'apache-arrow';
import { arrowSchemaFromIceberg, icebergSchemaFromArrow } from '../spec/arrow-schema.ts';
import { nameMappingFromSchema } from '../spec/name-mapping.ts';
import { schemaMismatches } from '../spec/schema-compat.ts';
import type { Schema } from '../spec/types.ts';
import { alignToTable } from './align.ts';

export class SchemaMismatchError extends Error {
  constructor(table: string, problems: string[]) {
    super(`The data does not fit table ${table}: ${problems.join('; ')}`);
    this.name = 'SchemaMismatchError';
  }
}

export class BatchConformer {
  readonly target: ArrowSchema;
  private readonly checked = new WeakMap<ArrowSchema, number[]>();

  constructor(private readonly table: string, private readonly schema: Schema) {
    this.target = arrowSchemaFromIceberg(schema);
  }

  conform(batch: RecordBatch): RecordBatch {
    let order = this.checked.get(batch.schema);
    if (!order) {
      order = this.check(batch);
      this.checked.set(batch.schema, order);
    }
    this.checkRequiredValues(batch, order);
    const children = order.map((i, k) => {
      const field = this.target.fields[k]!;
      try {
        return alignToTable(batch.data.children[i]!, field.type, field.name);
      } catch (err) {
        throw new SchemaMismatchError(this.table, [(err as Error).message]);
      }
    });
    const data = makeData({ type: new Struct(this.target.fields), length: batch.numRows, nullCount: 0, children });
    return new RecordBatch(this.target, data);
  }

  /** Checks the batch's schema once; returns, per table column, the index of the batch column holding it. */
  private check(batch: RecordBatch): number[] {
    let data: Schema;
    try {
      data = icebergSchemaFromArrow(batch.schema, { nameMapping: nameMappingFromSchema(this.schema) });
    } catch (err) {
      throw new SchemaMismatchError(this.table, [(err as Error).message]);
    }
    // Nullability is checked on the values (checkRequiredValues), not on the Arrow field flag:
    // a nullable Arrow column without nulls may fill a required Iceberg column.
    const required = new Set(this.schema.fields.filter((f) => f.required).map((f) => f.name));
    data = { ...data, fields: data.fields.map((f) => (required.has(f.name) ? { ...f, required: true } : f)) };
    const problems = schemaMismatches(this.schema, data);
    if (problems.length > 0) throw new SchemaMismatchError(this.table, problems);
    const names = batch.schema.fields.map((f) => f.name);
    return this.schema.fields.map((f) => names.indexOf(f.name));
  }

  private checkRequiredValues(batch: RecordBatch, order: number[]): void {
    this.schema.fields.forEach((f, i) => {
      if (f.required && batch.data.children[order[i]!]!.nullCount > 0) {
        throw new SchemaMismatchError(this.table, [`column "${f.name}" is required but ${batch.data.children[order[i]!]!.nullCount} rows have no value`]);
      }
    });
  }
}
