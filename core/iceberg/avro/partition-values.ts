/**
 * Partition values between Floe's value forms (spec/values.ts: uuid a string, decimal its
 * unscaled bigint, binary a Uint8Array) and how the partition record stores them in Avro (uuid
 * and decimal as fixed bytes, bytes as Buffers for avsc).
 */
import { parsePrimitive } from '../spec/primitive.ts';
import type { PrimitiveType } from '../spec/types.ts';
import { fromTwosComplement, minimalTwosComplement, uuidFromBytes, uuidToBytes } from '../spec/values.ts';
import type { AvroSchema, AvroSchemaObject } from './avro-schema.ts';
import { toAvroBytes } from './avro-values.ts';
import { decimalBytes } from './partition-type.ts';

export function toAvroPartitionValue(type: PrimitiveType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const parsed = parsePrimitive(type);
  switch (parsed.kind) {
    case 'uuid':
      return toAvroBytes(typeof value === 'string' ? uuidToBytes(value) : (value as Uint8Array));
    case 'decimal':
      if (typeof value !== 'bigint') throw new Error(`a ${type} partition value is its unscaled bigint, not ${typeof value}`);
      return toAvroBytes(signExtended(minimalTwosComplement(value), decimalBytes(parsed.precision), type));
    case 'binary': case 'fixed':
      return toAvroBytes(value as Uint8Array);
    default:
      return value;
  }
}

/** A decoded partition value in Floe's form; `avroType` is the writer's type of the field. */
export function fromAvroPartitionValue(avroType: AvroSchemaObject | string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Uint8Array)) return value;
  const logicalType = typeof avroType === 'object' ? avroType.logicalType : undefined;
  if (logicalType === 'decimal') return fromTwosComplement(value);
  if (logicalType === 'uuid' && value.length === 16) return uuidFromBytes(value);
  return new Uint8Array(value);
}

/** The non-null branch of an optional field's type, a named reference resolved. */
export function valueTypeOf(type: AvroSchema | undefined, named: Map<string, AvroSchemaObject>): AvroSchemaObject | string | undefined {
  const branch = Array.isArray(type) ? type.find((t) => t !== 'null') : type;
  if (typeof branch === 'string') return named.get(branch) ?? branch;
  return Array.isArray(branch) ? undefined : branch;
}

/** Every named type (record, fixed, enum) a schema defines, by name. */
export function namedTypes(schema: AvroSchema, into = new Map<string, AvroSchemaObject>()): Map<string, AvroSchemaObject> {
  if (Array.isArray(schema)) {
    for (const branch of schema) namedTypes(branch, into);
  } else if (typeof schema === 'object' && schema !== null) {
    if (typeof schema.name === 'string' && typeof schema.type === 'string') into.set(schema.name, schema);
    if (typeof schema.type === 'object') namedTypes(schema.type, into);
    for (const field of schema.fields ?? []) namedTypes(field.type, into);
    if (schema.items !== undefined) namedTypes(schema.items, into);
    if (schema.values !== undefined) namedTypes(schema.values, into);
  }
  return into;
}

function signExtended(minimal: Uint8Array, size: number, type: string): Uint8Array {
  if (minimal.length > size) throw new Error(`partition value does not fit ${type}`);
  const out = new Uint8Array(size).fill((minimal[0]! & 0x80) !== 0 ? 0xff : 0x00);
  out.set(minimal, size - minimal.length);
  return out;
}
