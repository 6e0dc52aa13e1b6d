/**
 * The Avro record of `data_file.partition` (field 102), built from a partition spec and the table
 * schema: one optional field per partition field, its field id the partition field id, its type
 * the transform's result type (spec "Partition Transforms", Avro types from Appendix A).
 */
import { parsePrimitive } from '../spec/primitive.ts';
import { indexById } from '../spec/schema.ts';
import { parseTransform, transformResultType } from '../spec/transforms.ts';
import type { IcebergType, PartitionField, PartitionSpec, PrimitiveType, Schema } from '../spec/types.ts';
import type { AvroSchema, AvroSchemaObject } from './avro-schema.ts';

/**
 * The type of a partition field's values (day gives `date`, as Java and PyIceberg declare it;
 * see transforms.ts). Throws for what Floe must not write: unknown transforms, missing sources,
 * sources inside lists or maps.
 */
export function partitionResultType(field: PartitionField, schema: Schema): PrimitiveType {
  const transform = parseTransform(field.transform);
  if (transform.kind === 'unknown') {
    throw new Error(`Partition field "${field.name}" has transform "${field.transform}", which Floe cannot write`);
  }
  const source = indexById(schema).get(field['source-id']);
  if (!source) {
    throw new Error(`Partition field "${field.name}" has source column ${field['source-id']}, which is not in schema ${schema['schema-id']}`);
  }
  if (source.inRepeated) throw new Error(`Partition field "${field.name}" has its source column inside a list or map`);
  return transformResultType(transform, source.field.type);
}

/** The `r102` record for `spec`; every field optional, as Java and PyIceberg write it. */
export function partitionRecordSchema(spec: PartitionSpec, schema: Schema): AvroSchemaObject {
  const named = new Set<string>();
  return {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((field) => ({
      name: avroName(field.name),
      type: ['null', avroTypeOf(partitionResultType(field, schema), named)],
      default: null,
      'field-id': field['field-id'],
    })),
  };
}

/**
 * Avro's type for an Iceberg primitive. Named Avro types (fixed) may be defined only once per
 * schema, so a repeat is written as a reference to its name, as Java does.
 */
export function avroTypeOf(type: IcebergType, named: Set<string>): AvroSchema {
  if (typeof type !== 'string') throw new Error(`A ${type.type} is not a partition value type`);
  const once = (schema: AvroSchemaObject & { name: string }): AvroSchema => {
    if (named.has(schema.name)) return schema.name;
    named.add(schema.name);
    return schema;
  };
  const parsed = parsePrimitive(type);
  switch (parsed.kind) {
    case 'boolean': case 'int': case 'long': case 'float': case 'double': case 'string':
      return parsed.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp': case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': parsed.kind === 'timestamptz' };
    case 'timestamp_ns': case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': parsed.kind === 'timestamptz_ns' };
    case 'uuid':
      return once({ type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' });
    case 'fixed':
      return once({ type: 'fixed', name: `fixed_${parsed.length}`, size: parsed.length });
    case 'decimal': {
      const { precision, scale } = parsed;
      return once({ type: 'fixed', name: `decimal_${precision}_${scale}`, size: decimalBytes(precision), logicalType: 'decimal', precision, scale });
    }
  }
}

/** The fewest bytes whose two's complement holds every unscaled value of `precision` digits. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision);
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) < max) bytes++;
  return bytes;
}

/**
 * A valid Avro name for a partition field name (letters, digits and `_`, not starting with a
 * digit). Readers find partition fields by field id, so the exact spelling only has to be legal;
 * the escapes follow Java's so that names match where they can.
 */
export function avroName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  let out = '';
  for (const [i, ch] of [...name].entries()) {
    if (/[A-Za-z_]/.test(ch) || (i > 0 && /[0-9]/.test(ch))) out += ch;
    else if (/[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  }
  return out;
}
