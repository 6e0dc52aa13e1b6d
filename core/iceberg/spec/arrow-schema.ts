/**
 * Iceberg schemas as Arrow schemas and back. Writing: every Arrow field (list elements, map keys
 * and values, struct children too) carries its Iceberg id as `PARQUET:field_id` metadata, which
 * parquet-wasm turns into the Parquet field_id that readers project by; required is
 * non-nullable. Reading a Parquet file's Arrow schema: ids come from that metadata, or, for files
 * written without ids, from the table's name mapping.
 */
import {
  Binary, Bool, DataType, DateDay, DateUnit, Decimal, Field, FixedSizeBinary, Float32, Float64, Int32, Int64,
  List, Map_, Precision, Schema as ArrowSchema, Struct, TimeMicrosecond, TimeUnit, TimestampMicrosecond,
  TimestampNanosecond, Utf8,
} from 'apache-arrow';
import type { IcebergType, NestedField, PrimitiveType, Schema, StructType } from './types.ts';
import { MAX_DECIMAL_PRECISION, decimalType, fixedType, isPrimitive, parsePrimitive } from './primitive.ts';
import { type MappedField, NAME_MAPPING_PROPERTY, type NameMapping, findMapped, parseNameMapping } from './name-mapping.ts';

export const FIELD_ID_KEY = 'PARQUET:field_id';
/** Arrow's canonical UUID extension type marks a FixedSizeBinary(16) as a uuid, not a fixed[16]. */
export const EXTENSION_NAME_KEY = 'ARROW:extension:name';
export const UUID_EXTENSION = 'arrow.uuid';

/** The Arrow type that holds an Iceberg primitive (uuid also needs uuidFieldMetadata on its field). */
export function arrowTypeFor(type: PrimitiveType): DataType {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean': return new Bool();
    case 'int': return new Int32();
    case 'long': return new Int64();
    case 'float': return new Float32();
    case 'double': return new Float64();
    case 'decimal': return new Decimal(t.scale, t.precision, 128);
    case 'date': return new DateDay();
    case 'time': return new TimeMicrosecond();
    case 'timestamp': return new TimestampMicrosecond(null);
    case 'timestamptz': return new TimestampMicrosecond('UTC');
    case 'timestamp_ns': return new TimestampNanosecond(null);
    case 'timestamptz_ns': return new TimestampNanosecond('UTC');
    case 'string': return new Utf8();
    case 'uuid': return new FixedSizeBinary(16);
    case 'fixed': return new FixedSizeBinary(t.length);
    case 'binary': return new Binary();
  }
}

/** Iceberg v3 types Floe does not read (its nanosecond timestamps it does): the table's other columns still read. */
const V3_TYPES = /^(variant|unknown|geometry|geography)\b/;

function arrowField(name: string, id: number, type: IcebergType, required: boolean): Field {
  if (typeof type === 'string' && V3_TYPES.test(type)) {
    throw new Error(`column "${name}" (id ${id}) is of the Iceberg v3 type ${type}, which Floe does not read yet; read the table's other columns`);
  }
  const metadata = new Map([[FIELD_ID_KEY, String(id)]]);
  if (type === 'uuid') {
    metadata.set(EXTENSION_NAME_KEY, UUID_EXTENSION);
    metadata.set('ARROW:extension:metadata', '');
  }
  return new Field(name, arrowTypeOf(type), !required, metadata);
}

function arrowTypeOf(type: IcebergType): DataType {
  if (isPrimitive(type)) return arrowTypeFor(type);
  switch (type.type) {
    case 'struct':
      return new Struct(type.fields.map(arrowFieldFromIceberg));
    case 'list':
      return new List(arrowField('element', type['element-id'], type.element, type['element-required']));
    case 'map': {
      // Arrow's map layout: non-null "entries" structs of a required key and a value.
      const entries = new Struct([
        arrowField('key', type['key-id'], type.key, true),
        arrowField('value', type['value-id'], type.value, type['value-required']),
      ]);
      return new Map_(new Field('entries', entries, false), false);
    }
  }
}

export function arrowFieldFromIceberg(field: NestedField): Field {
  return arrowField(field.name, field.id, field.type, field.required);
}

/** The Arrow schema to build record batches with, and to write Parquet from. */
export function arrowSchemaFromIceberg(schema: StructType, metadata?: Map<string, string>): ArrowSchema {
  return new ArrowSchema(schema.fields.map(arrowFieldFromIceberg), metadata ?? null);
}

function unsupported(path: string, type: DataType, why: string): never {
  throw new Error(`column "${path}": Arrow type ${String(type)} has no Iceberg type (${why})`);
}

/** The Iceberg primitive an Arrow column holds; throws naming the column when there is none. */
export function icebergPrimitiveOf(type: DataType, metadata: Map<string, string>, path: string): PrimitiveType {
  if (DataType.isDictionary(type)) return icebergPrimitiveOf(type.dictionary, metadata, path);
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isInt(type)) {
    if (type.isSigned) return type.bitWidth <= 32 ? 'int' : 'long';
    if (type.bitWidth <= 16) return 'int';
    if (type.bitWidth === 32) return 'long';
    unsupported(path, type, 'Iceberg has no unsigned 64-bit integer');
  }
  if (DataType.isFloat(type)) {
    if (type.precision === Precision.SINGLE) return 'float';
    if (type.precision === Precision.DOUBLE) return 'double';
    unsupported(path, type, 'Iceberg has no half-precision float');
  }
  if (DataType.isDecimal(type)) {
    if (type.precision > MAX_DECIMAL_PRECISION) unsupported(path, type, `Iceberg decimals have at most ${MAX_DECIMAL_PRECISION} digits`);
    return decimalType(type.precision, type.scale);
  }
  if (DataType.isDate(type)) {
    if (type.unit === DateUnit.DAY) return 'date';
    unsupported(path, type, 'Iceberg dates are days');
  }
  if (DataType.isTime(type)) {
    if (type.unit === TimeUnit.MICROSECOND) return 'time';
    unsupported(path, type, 'Iceberg times are microseconds');
  }
  if (DataType.isTimestamp(type)) {
    const zoned = type.timezone !== null && type.timezone !== undefined && type.timezone !== '';
    if (type.unit === TimeUnit.MICROSECOND) return zoned ? 'timestamptz' : 'timestamp';
    if (type.unit === TimeUnit.NANOSECOND) return zoned ? 'timestamptz_ns' : 'timestamp_ns';
    unsupported(path, type, 'Iceberg timestamps are microseconds or nanoseconds');
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return 'string';
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type)) return 'binary';
  if (DataType.isFixedSizeBinary(type)) {
    if (type.byteWidth === 16 && metadata.get(EXTENSION_NAME_KEY) === UUID_EXTENSION) return 'uuid';
    return fixedType(type.byteWidth);
  }
  return unsupported(path, type, 'not a type Iceberg stores');
}

export interface FromArrowOptions {
  /** `schema.name-mapping.default`, as its JSON or parsed: ids for fields that carry none. */
  nameMapping?: NameMapping | string;
  schemaId?: number;
}

interface Resolver {
  /** The field's id, or undefined when a mapping exists but does not name it (the field is skipped). */
  id(field: Field, mapped: MappedField | undefined, path: string): number | undefined;
}

function resolver(mapping: NameMapping | undefined): Resolver {
  return {
    id(field, mapped, path) {
      const raw = field.metadata.get(FIELD_ID_KEY);
      if (raw !== undefined) {
        const id = Number(raw);
        if (!Number.isInteger(id) || id < 0) throw new Error(`column "${path}": field id "${raw}" is not a non-negative integer`);
        return id;
      }
      const fromMapping = mapped?.['field-id'];
      if (fromMapping !== undefined) return fromMapping;
      if (mapping) return undefined;
      throw new Error(`column "${path}" has no field id (${FIELD_ID_KEY}) and the table has no name mapping `
        + `(${NAME_MAPPING_PROPERTY}) to supply one`);
    },
  };
}

function requireId(r: Resolver, field: Field, mapped: MappedField | undefined, path: string): number {
  const id = r.id(field, mapped, path);
  if (id === undefined) throw new Error(`column "${path}" has no field id and the name mapping does not name it`);
  return id;
}

function icebergTypeOf(field: Field, mapped: MappedField | undefined, path: string, r: Resolver): IcebergType {
  const type = field.type as DataType;
  if (DataType.isStruct(type)) return { type: 'struct', fields: structFields(type.children, mapped?.fields, path, r) };
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type)) {
    const element = type.children[0] as Field;
    const m = findMapped(mapped?.fields, 'element');
    const elementPath = `${path}.element`;
    return {
      type: 'list', 'element-id': requireId(r, element, m, elementPath),
      element: icebergTypeOf(element, m, elementPath, r), 'element-required': !element.nullable,
    };
  }
  if (DataType.isMap(type)) {
    const [key, value] = (type.children[0] as Field<Struct>).type.children as [Field, Field];
    const mk = findMapped(mapped?.fields, 'key');
    const mv = findMapped(mapped?.fields, 'value');
    return {
      type: 'map', 'key-id': requireId(r, key, mk, `${path}.key`), key: icebergTypeOf(key, mk, `${path}.key`, r),
      'value-id': requireId(r, value, mv, `${path}.value`), value: icebergTypeOf(value, mv, `${path}.value`, r),
      'value-required': !value.nullable,
    };
  }
  return icebergPrimitiveOf(type, field.metadata, path);
}

function structFields(fields: Field[], mapped: MappedField[] | undefined, prefix: string, r: Resolver): NestedField[] {
  const out: NestedField[] = [];
  for (const field of fields) {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    const m = findMapped(mapped, field.name);
    const id = r.id(field, m, path);
    if (id === undefined) continue; // in the file but not in the mapping: not a table column
    out.push({ id, name: field.name, required: !field.nullable, type: icebergTypeOf(field, m, path, r) });
  }
  return out;
}

/**
 * The Iceberg schema of Arrow data, e.g. a Parquet file's. With a name mapping, columns without
 * ids take the mapping's, and columns the mapping does not name are left out (readers ignore
 * them); without one, a column without an id is an error naming it.
 */
export function icebergSchemaFromArrow(arrow: ArrowSchema, options: FromArrowOptions = {}): Schema {
  const mapping = typeof options.nameMapping === 'string' ? parseNameMapping(options.nameMapping) : options.nameMapping;
  const fields = structFields(arrow.fields, mapping, '', resolver(mapping));
  return { type: 'struct', 'schema-id': options.schemaId ?? 0, fields };
}
