/**
 * Creating a table's first schema and adding columns later (spec "Schema Evolution"). Ids are
 * what every reader uses to find a column in a data file, so they are only ever handed out from
 * the table's last-column-id upward and never reused, even for a dropped column.
 */
import type { IcebergType, NestedField, PrimitiveType, Schema } from './types.ts';
import { isPrimitive } from './primitive.ts';
import { MAX_USER_FIELD_ID, indexByName, validateSchema } from './schema.ts';

/** A type whose ids may be missing or placeholders (e.g. all 0): assignFreshIds replaces them. */
export type DraftType = PrimitiveType | DraftStruct | DraftList | DraftMap;
export interface DraftStruct { type: 'struct'; fields: DraftField[] }
export interface DraftList { type: 'list'; 'element-id'?: number; element: DraftType; 'element-required': boolean }
export interface DraftMap {
  type: 'map'; 'key-id'?: number; key: DraftType; 'value-id'?: number; value: DraftType; 'value-required': boolean;
}
export interface DraftField extends Omit<NestedField, 'id' | 'type'> { id?: number; type: DraftType }
export interface DraftSchema {
  fields: DraftField[];
  'schema-id'?: number;
  /** Ids in the draft's own numbering (they must then be unique), remapped to the fresh ids. */
  'identifier-field-ids'?: number[];
}

export interface AssignedSchema {
  schema: Schema;
  /** The table's new last-column-id: the highest id now handed out. */
  lastColumnId: number;
}

/** Marks a draft id that more than one field used: it cannot say which field it meant. */
const AMBIGUOUS = -1;

/**
 * Gives every field a fresh id from `nextId`, in the order Java and PyIceberg use: all fields of
 * a struct first, then the insides of each, depth first (so the top-level columns of a new table
 * are 1..n). Ids of nested types follow their field. Records draft id -> fresh id in `oldToNew`.
 */
function freshIds(nextId: () => number, oldToNew: Map<number, number> | null) {
  const remember = (old: number | undefined, fresh: number): number => {
    if (oldToNew && old !== undefined) oldToNew.set(old, oldToNew.has(old) ? AMBIGUOUS : fresh);
    return fresh;
  };
  const assignType = (type: DraftType): IcebergType => {
    if (isPrimitive(type as IcebergType)) return type as PrimitiveType;
    const t = type as DraftStruct | DraftList | DraftMap;
    if (t.type === 'struct') return { type: 'struct', fields: assignFields(t.fields) };
    if (t.type === 'list') {
      const elementId = remember(t['element-id'], nextId());
      return { type: 'list', 'element-id': elementId, element: assignType(t.element), 'element-required': t['element-required'] };
    }
    const keyId = remember(t['key-id'], nextId());
    const valueId = remember(t['value-id'], nextId());
    return {
      type: 'map', 'key-id': keyId, key: assignType(t.key), 'value-id': valueId, value: assignType(t.value),
      'value-required': t['value-required'],
    };
  };
  const assignFields = (fields: DraftField[]): NestedField[] => {
    const ids = fields.map((f) => remember(f.id, nextId()));
    return fields.map((f, i) => ({ ...f, id: ids[i]!, type: assignType(f.type) }));
  };
  return { assignFields };
}

function idCounter(lastColumnId: number): { next: () => number; last: () => number } {
  let last = lastColumnId;
  return {
    next: () => {
      if (last >= MAX_USER_FIELD_ID) throw new Error(`no field ids left: ids above ${MAX_USER_FIELD_ID} are reserved`);
      return ++last;
    },
    last: () => last,
  };
}

/** The schema of a new table: ids 1..n whatever the draft had, as Java and PyIceberg do on create. */
export function assignFreshIds(draft: DraftSchema): AssignedSchema {
  const counter = idCounter(0);
  const identifiers = draft['identifier-field-ids'] ?? [];
  const oldToNew = identifiers.length > 0 ? new Map<number, number>() : null;
  const fields = freshIds(counter.next, oldToNew).assignFields(draft.fields);
  const schema: Schema = { type: 'struct', 'schema-id': draft['schema-id'] ?? 0, fields };
  if (identifiers.length > 0) {
    schema['identifier-field-ids'] = identifiers.map((old) => {
      const fresh = oldToNew!.get(old);
      if (fresh === undefined) throw new Error(`identifier field id ${old} is not a field of the draft schema`);
      if (fresh === AMBIGUOUS) throw new Error(`identifier field id ${old} is used by more than one field of the draft schema`);
      return fresh;
    });
  }
  validateSchema(schema);
  return { schema, lastColumnId: counter.last() };
}

export interface AddColumnOptions {
  /** The table's last-column-id: new ids start above it. */
  lastColumnId: number;
  /** The new schema's id; by default one more than the schema's. */
  schemaId?: number;
}

function isNullDefault(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * Adds a column at the top level (`parentName` null) or inside the struct named `parentName`
 * (a list's element struct as `tags.element`, a map's value struct as `m.value`). The field and
 * any nested fields get ids above last-column-id. A required column needs a non-null
 * `initial-default`, the value rows written before it existed read as (spec "Default values";
 * defaults are a v3 feature: v2 readers ignore them, so on a v2 table add optional columns).
 */
export function addColumn(schema: Schema, parentName: string | null, field: DraftField, options: AddColumnOptions): AssignedSchema {
  if (!field.name) throw new Error('a new column needs a name');
  const where = parentName === null ? 'the schema' : `"${parentName}"`;
  const initial = field['initial-default'];
  if (field.required && isNullDefault(initial)) {
    throw new Error(`cannot add required column "${field.name}" to ${where} without an initial-default: `
      + 'rows written before it have no value (add it as optional)');
  }
  if (typeof field.type !== 'string' && field.type.type === 'struct') {
    for (const d of [initial, field['write-default']]) {
      if (!isNullDefault(d) && (typeof d !== 'object' || Object.keys(d as object).length > 0)) {
        throw new Error(`struct column "${field.name}": a default may only be null or {} (field defaults belong to its fields)`);
      }
    }
  }
  const counter = idCounter(options.lastColumnId);
  const [added] = freshIds(counter.next, null).assignFields([field]);
  const withDefaults: NestedField = { ...added! };
  if (!isNullDefault(initial) && withDefaults['write-default'] === undefined) withDefaults['write-default'] = initial;

  const insert = (fields: NestedField[]): NestedField[] => {
    if (fields.some((f) => f.name === field.name)) throw new Error(`${where} already has a column named "${field.name}"`);
    return [...fields, withDefaults];
  };
  const newSchema: Schema = { ...schema, 'schema-id': options.schemaId ?? schema['schema-id'] + 1 };
  if (parentName === null) {
    newSchema.fields = insert(schema.fields);
  } else {
    const parent = indexByName(schema).get(parentName);
    if (!parent) throw new Error(`cannot add "${field.name}": no column named "${parentName}"`);
    newSchema.fields = replaceStructAt(schema.fields, parent.field.id, insert, parentName);
  }
  validateSchema(newSchema);
  return { schema: newSchema, lastColumnId: counter.last() };
}

/** A copy of the fields with the struct whose owning id is `targetId` given new fields. */
function replaceStructAt(
  fields: NestedField[], targetId: number, update: (fields: NestedField[]) => NestedField[], parentName: string,
): NestedField[] {
  const inType = (type: IcebergType, ownerId: number): IcebergType => {
    if (isPrimitive(type)) {
      if (ownerId === targetId) throw new Error(`"${parentName}" is a ${type}, not a struct: cannot add a column to it`);
      return type;
    }
    if (type.type === 'struct') {
      return { ...type, fields: ownerId === targetId ? update(type.fields) : inFields(type.fields) };
    }
    if (ownerId === targetId) {
      const inner = type.type === 'list' ? 'element' : 'value';
      throw new Error(`"${parentName}" is a ${type.type}: add to its struct as "${parentName}.${inner}"`);
    }
    if (type.type === 'list') return { ...type, element: inType(type.element, type['element-id']) };
    return { ...type, key: inType(type.key, type['key-id']), value: inType(type.value, type['value-id']) };
  };
  const inFields = (list: NestedField[]): NestedField[] => list.map((f) => ({ ...f, type: inType(f.type, f.id) }));
  return inFields(fields);
}
