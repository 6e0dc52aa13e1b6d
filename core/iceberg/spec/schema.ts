/**
 * Looking fields up in a Schema by id and by name, and the schema rules the spec states (ids
 * unique and below the reserved range, identifier fields). Names are Java's and PyIceberg's full
 * dotted names: `a.b` for a struct child, `tags.element` for a list element, `m.key`/`m.value`.
 * Creating and evolving schemas is in schema-evolution.ts, comparing them in schema-compat.ts.
 */
import type { IcebergType, NestedField, Schema, StructType } from './types.ts';
import { isPrimitive, parsePrimitive } from './primitive.ts';

/** Ids above this are reserved for metadata columns such as _file and _pos (spec "Reserved Field IDs"). */
export const MAX_USER_FIELD_ID = 2147483447;

export interface IndexedField {
  /** List elements and map keys/values appear as fields named element, key and value. */
  field: NestedField;
  /** Full dotted name, e.g. `points.element.x`. */
  name: string;
  /** Id of the enclosing field, null at the top level. */
  parentId: number | null;
  /** Inside a list or a map somewhere above: partition sources and identifier fields cannot be. */
  inRepeated: boolean;
}

/**
 * The fields directly inside a type: a struct's fields, a list's element, a map's key and value
 * (as fields named element, key and value). None for a primitive.
 */
export function childFields(type: IcebergType): NestedField[] {
  if (isPrimitive(type)) return [];
  switch (type.type) {
    case 'struct':
      return type.fields;
    case 'list':
      return [{ id: type['element-id'], name: 'element', required: type['element-required'], type: type.element }];
    case 'map':
      return [
        { id: type['key-id'], name: 'key', required: true, type: type.key },
        { id: type['value-id'], name: 'value', required: type['value-required'], type: type.value },
      ];
  }
}

/** Every field, list element, map key and value, depth first in schema order. */
export function walkFields(struct: StructType, visit: (f: IndexedField) => void): void {
  const visitField = (field: NestedField, prefix: string, parentId: number | null, inRepeated: boolean): void => {
    const name = prefix ? `${prefix}.${field.name}` : field.name;
    visit({ field, name, parentId, inRepeated });
    const repeated = inRepeated || (!isPrimitive(field.type) && field.type.type !== 'struct');
    for (const child of childFields(field.type)) visitField(child, name, field.id, repeated);
  };
  for (const field of struct.fields) visitField(field, '', null, false);
}

export function indexById(struct: StructType): Map<number, IndexedField> {
  const byId = new Map<number, IndexedField>();
  walkFields(struct, (f) => {
    if (byId.has(f.field.id)) throw new Error(`field id ${f.field.id} is used twice ("${byId.get(f.field.id)!.name}" and "${f.name}")`);
    byId.set(f.field.id, f);
  });
  return byId;
}

export function indexByName(struct: StructType): Map<string, IndexedField> {
  const byName = new Map<string, IndexedField>();
  walkFields(struct, (f) => { byName.set(f.name, f); });
  return byName;
}

/** A field by id, or by full dotted name; undefined when there is none. */
export function findField(struct: StructType, idOrName: number | string): NestedField | undefined {
  return typeof idOrName === 'number' ? indexById(struct).get(idOrName)?.field : indexByName(struct).get(idOrName)?.field;
}

/** Like findField, for callers to whom a missing field is a bug: the error names it. */
export function requireField(struct: StructType, idOrName: number | string): NestedField {
  const field = findField(struct, idOrName);
  if (!field) throw new Error(`no field ${typeof idOrName === 'number' ? `with id ${idOrName}` : `"${idOrName}"`} in the schema`);
  return field;
}

/** The highest field id used anywhere in the type (0 for a type without fields). */
export function maxFieldId(type: IcebergType): number {
  if (isPrimitive(type)) return 0;
  switch (type.type) {
    case 'struct':
      return type.fields.reduce((max, f) => Math.max(max, f.id, maxFieldId(f.type)), 0);
    case 'list':
      return Math.max(type['element-id'], maxFieldId(type.element));
    case 'map':
      return Math.max(type['key-id'], type['value-id'], maxFieldId(type.key), maxFieldId(type.value));
  }
}

/**
 * Throws on the first broken rule: ids unique, positive and not reserved; sibling names unique
 * and not empty; identifier fields primitive, required, not float/double, not inside a list, map
 * or optional struct (spec "Identifier Field IDs").
 */
export function validateSchema(schema: Schema): void {
  const byId = indexById(schema);
  for (const { field, name } of byId.values()) {
    if (!Number.isInteger(field.id) || field.id < 1 || field.id > MAX_USER_FIELD_ID) {
      throw new Error(`field "${name}" has id ${field.id}: ids are 1 to ${MAX_USER_FIELD_ID}`);
    }
  }
  const checkNames = (type: IcebergType, path: string): void => {
    if (isPrimitive(type)) return;
    if (type.type === 'list') return checkNames(type.element, `${path}.element`);
    if (type.type === 'map') {
      checkNames(type.key, `${path}.key`);
      return checkNames(type.value, `${path}.value`);
    }
    const where = path ? `struct "${path}"` : 'the schema';
    const seen = new Set<string>();
    for (const f of type.fields) {
      if (!f.name) throw new Error(`a field in ${where} has an empty name`);
      if (seen.has(f.name)) throw new Error(`${where} has two fields named "${f.name}"`);
      seen.add(f.name);
      checkNames(f.type, path ? `${path}.${f.name}` : f.name);
    }
  };
  checkNames(schema, '');
  for (const id of schema['identifier-field-ids'] ?? []) {
    const entry = byId.get(id);
    if (!entry) throw new Error(`identifier field id ${id} is not in the schema`);
    const { field, name } = entry;
    if (!isPrimitive(field.type)) throw new Error(`identifier field "${name}" must be a primitive, not a nested type`);
    const kind = parsePrimitive(field.type).kind;
    if (kind === 'float' || kind === 'double') throw new Error(`identifier field "${name}" cannot be ${kind}`);
    if (entry.inRepeated) throw new Error(`identifier field "${name}" cannot be inside a list or map`);
    for (let at: IndexedField | undefined = entry; at; at = at.parentId === null ? undefined : byId.get(at.parentId)) {
      if (!at.field.required) throw new Error(`identifier field "${name}" must be required, and so must its parents`);
    }
  }
}
