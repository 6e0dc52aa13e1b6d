/**
 * The table property `schema.name-mapping.default` (spec "Column Projection", Appendix C): field
 * ids by column name, for data files written without ids (files imported from Hive, or written
 * by tools that know nothing of Iceberg). Names are literal at each level: "a.b" is a field named
 * a.b, never child b of a; children are listed under their parent's `fields`, a list's under
 * "element" and a map's under "key" and "value".
 */
import type { IcebergType, NestedField, StructType } from './types.ts';
import { isPrimitive } from './primitive.ts';

export interface MappedField {
  names: string[];
  'field-id'?: number;
  fields?: MappedField[];
}

export type NameMapping = MappedField[];

export const NAME_MAPPING_PROPERTY = 'schema.name-mapping.default';

function parseFields(value: unknown, where: string): MappedField[] {
  if (!Array.isArray(value)) throw new Error(`name mapping: ${where} must be a JSON list of field mappings`);
  return value.map((entry: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`name mapping: ${at} is not an object`);
    const raw = entry as Record<string, unknown>;
    const names = raw.names;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new Error(`name mapping: ${at} needs "names", a list of strings`);
    }
    const mapped: MappedField = { names: names as string[] };
    const id = raw['field-id'];
    if (id !== undefined && id !== null) {
      if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`name mapping: ${at} has a "field-id" that is not an integer`);
      mapped['field-id'] = id;
    }
    if (raw.fields !== undefined && raw.fields !== null) mapped.fields = parseFields(raw.fields, `${at}.fields`);
    return mapped;
  });
}

/**
 * Parses and checks the property's JSON. A name listed twice at one level is an error: the
 * mapping would be ambiguous, and guessing would read one column's data as another's.
 */
export function parseNameMapping(json: string): NameMapping {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new Error(`name mapping is not valid JSON: ${(e as Error).message}`);
  }
  const mapping = parseFields(value, 'the mapping');
  const checkUnique = (fields: MappedField[], where: string): void => {
    const seen = new Set<string>();
    for (const f of fields) {
      for (const n of f.names) {
        if (seen.has(n)) throw new Error(`name mapping: "${n}" is mapped twice in ${where}`);
        seen.add(n);
      }
      if (f.fields) checkUnique(f.fields, `the fields of "${f.names[0] ?? '?'}"`);
    }
  };
  checkUnique(mapping, 'the top level');
  return mapping;
}

/** The mapping entry for a column name at one level, if any. */
export function findMapped(fields: readonly MappedField[] | undefined, name: string): MappedField | undefined {
  return fields?.find((f) => f.names.includes(name));
}

/**
 * The mapping that names each of the schema's current columns (Java writes this when a table is
 * created by importing files). Aliases can be added to `names` afterwards.
 */
export function nameMappingFromSchema(struct: StructType): NameMapping {
  const forType = (type: IcebergType): MappedField[] | undefined => {
    if (isPrimitive(type)) return undefined;
    if (type.type === 'struct') return type.fields.map(forField);
    if (type.type === 'list') {
      return [withFields({ names: ['element'], 'field-id': type['element-id'] }, forType(type.element))];
    }
    return [
      withFields({ names: ['key'], 'field-id': type['key-id'] }, forType(type.key)),
      withFields({ names: ['value'], 'field-id': type['value-id'] }, forType(type.value)),
    ];
  };
  const withFields = (m: MappedField, fields: MappedField[] | undefined): MappedField => (fields ? { ...m, fields } : m);
  const forField = (f: NestedField): MappedField => withFields({ names: [f.name], 'field-id': f.id }, forType(f.type));
  return struct.fields.map(forField);
}
