/**
 * Raw Avro schema JSON, and its compilation to an avsc type whose `long`s are bigint.
 *
 * The JSON is kept as written because Iceberg hangs its field ids on attributes avsc does not
 * export (`field-id`, `element-id`, `logicalType: map`): whatever goes into a file's `avro.schema`
 * must be this JSON, never avsc's re-export of it.
 */
import avro from 'avsc';
import type { Schema as AvscSchema, Type as AvscType } from 'avsc';

export type AvroSchema = string | AvroSchema[] | AvroSchemaObject;

export interface AvroSchemaObject {
  type: AvroSchema;
  name?: string;
  fields?: AvroField[];
  items?: AvroSchema;
  values?: AvroSchema;
  logicalType?: string;
  [attribute: string]: unknown;
}

export interface AvroField {
  name: string;
  type: AvroSchema;
  'field-id'?: number;
  default?: unknown;
  doc?: string;
  [attribute: string]: unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// avsc's own long refuses anything beyond 2^53 (snapshot ids are 63-bit), so longs are read and
// written through avsc's abstract-long hook: it hands us the 8 little-endian two's-complement bytes.
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(value, 0);
    return buf;
  },
  fromJSON: (value: unknown): bigint => BigInt(value as bigint | number | string),
  toJSON: (value: bigint): string => value.toString(),
  isValid: (value: unknown): boolean => typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX,
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

function isLongSchema(schema: unknown): boolean {
  if (schema === 'long') return true;
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'long';
}

/**
 * An avsc type for `schema` with every `long` (also `{type: "long", logicalType: ...}`, which
 * avsc's registry would not catch) as bigint. Other logical types are left to their underlying
 * type: dates stay day numbers, timestamps microsecond bigints, decimals and uuids byte buffers.
 */
export function avscType(schema: AvroSchema): AvscType {
  // Every manifest of a table shares one schema: building and compiling its avsc type once, not
  // once per file, is most of the cost of reading a small manifest.
  const key = JSON.stringify(schema);
  let type = typeCache.get(key);
  if (!type) {
    type = avro.Type.forSchema(schema as AvscSchema, { typeHook: (s) => (isLongSchema(s) ? bigintLong : undefined) });
    if (typeCache.size >= 64) typeCache.delete(typeCache.keys().next().value!);
    typeCache.set(key, type);
  }
  return type;
}

const typeCache = new Map<string, AvscType>();

/**
 * The schema without field defaults. A reader decodes with the writer's own schema, where
 * defaults play no part, and avsc rejects some that other writers emit (a union default that
 * matches a later branch, a bigint beyond 2^53).
 */
export function withoutDefaults(schema: AvroSchema): AvroSchema {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  const out: AvroSchemaObject = { ...schema, type: withoutDefaults(schema.type) };
  if (schema.fields) {
    out.fields = schema.fields.map(({ default: _default, ...field }) => ({ ...field, type: withoutDefaults(field.type) }));
  }
  if (schema.items !== undefined) out.items = withoutDefaults(schema.items);
  if (schema.values !== undefined) out.values = withoutDefaults(schema.values);
  return out;
}
