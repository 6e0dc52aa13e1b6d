/**
 * Reading the parameterised primitive type strings of types.ts ("decimal(9,2)", "fixed[16]") and
 * printing any Iceberg type for error messages. Metadata written by other engines spells decimals
 * with or without the space ("decimal(9,2)", "decimal(9, 2)"): both must parse to the same type.
 */
import type { IcebergType, PrimitiveType } from './types.ts';

export type SimplePrimitive = Exclude<PrimitiveType, `decimal(${number}, ${number})` | `fixed[${number}]`>;

/** A primitive type with its parameters pulled out: switch on `kind`. */
export type ParsedPrimitive =
  | { kind: SimplePrimitive }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'fixed'; length: number };

const SIMPLE = new Set<string>([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
]);

/** Iceberg allows at most 38 digits: what fits in 16 bytes. */
export const MAX_DECIMAL_PRECISION = 38;

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return typeof type === 'string';
}

export function parsePrimitive(type: string): ParsedPrimitive {
  if (SIMPLE.has(type)) return { kind: type as SimplePrimitive };
  const decimal = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(type);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
      throw new Error(`${type}: decimal precision must be 1 to ${MAX_DECIMAL_PRECISION}`);
    }
    return { kind: 'decimal', precision, scale };
  }
  const fixed = /^fixed\[\s*(\d+)\s*\]$/.exec(type);
  if (fixed) {
    const length = Number(fixed[1]);
    if (length < 1) throw new Error(`${type}: a fixed type needs a length of at least 1`);
    return { kind: 'fixed', length };
  }
  throw new Error(`unknown Iceberg primitive type "${type}"`);
}

export function decimalType(precision: number, scale: number): PrimitiveType {
  return `decimal(${precision}, ${scale})`;
}

export function fixedType(length: number): PrimitiveType {
  return `fixed[${length}]`;
}

/** The one spelling Floe writes for a primitive ("decimal(9, 2)", as Java and PyIceberg do). */
export function canonicalPrimitive(type: PrimitiveType): PrimitiveType {
  const p = parsePrimitive(type);
  if (p.kind === 'decimal') return decimalType(p.precision, p.scale);
  if (p.kind === 'fixed') return fixedType(p.length);
  return p.kind;
}

/** A readable one-line form of any type, e.g. `map<string, list<long>>`, for messages. */
export function typeToString(type: IcebergType): string {
  if (isPrimitive(type)) return canonicalPrimitive(type);
  switch (type.type) {
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(type.element)}>`;
    case 'map':
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
  }
}

/** Same primitive type, whatever the spelling of its parameters. */
export function samePrimitive(a: PrimitiveType, b: PrimitiveType): boolean {
  return a === b || canonicalPrimitive(a) === canonicalPrimitive(b);
}
