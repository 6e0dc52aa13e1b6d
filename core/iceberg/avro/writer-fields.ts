/**
 * Finding an Iceberg field in a record decoded with the writer's schema. Iceberg resolves by
 * field id, not name, and names did change: manifest lists from older Java (and Athena) call
 * field 504 `added_data_files_count`, not `added_files_count`. So a field is looked up by its
 * `field-id` in the writer's schema, and by the spec's name only when the writer gave no ids.
 */
import type { AvroSchema, AvroSchemaObject } from './avro-schema.ts';

export class WriterRecord {
  private readonly byId = new Map<number, { name: string; type: AvroSchema }>();
  private readonly byName = new Map<string, AvroSchema>();
  private readonly names: string[];

  constructor(schema: AvroSchemaObject | undefined) {
    this.names = (schema?.fields ?? []).map((f) => f.name);
    for (const field of schema?.fields ?? []) {
      this.byName.set(field.name, field.type);
      const id = field['field-id'];
      if (typeof id === 'number') this.byId.set(id, { name: field.name, type: field.type });
    }
  }

  /** The writer's field names, in the writer's order. */
  fieldNames(): string[] {
    return this.names;
  }

  /** The writer's type of a field, by the writer's name. */
  typeOfName(name: string): AvroSchema | undefined {
    return this.byName.get(name);
  }

  /** The writer's field id for a field name, if it gave one. */
  idOf(name: string): number | undefined {
    for (const [id, field] of this.byId) if (field.name === name) return id;
    return undefined;
  }

  /** The writer's name for the field, or undefined when the writer did not write it. */
  nameOf(id: number, specName: string): string | undefined {
    const found = this.byId.get(id);
    if (found) return found.name;
    return this.byName.has(specName) ? specName : undefined;
  }

  has(id: number, specName: string): boolean {
    return this.nameOf(id, specName) !== undefined;
  }

  /** The field's value in `record`, undefined when the writer did not write the field. */
  get(record: unknown, id: number, specName: string): unknown {
    const name = this.nameOf(id, specName);
    return name === undefined ? undefined : (record as Record<string, unknown>)[name];
  }

  /** The writer's record schema of a struct field (or of a list field's elements). */
  nested(id: number, specName: string): WriterRecord {
    const name = this.nameOf(id, specName);
    const type = name === undefined ? undefined : (this.byId.get(id)?.type ?? this.byName.get(name));
    return new WriterRecord(type === undefined ? undefined : recordWithin(type));
  }
}

/** The record inside a schema, looking through `["null", T]` unions and array items. */
export function recordWithin(schema: AvroSchema): AvroSchemaObject | undefined {
  if (Array.isArray(schema)) {
    for (const branch of schema) {
      const found = recordWithin(branch);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  if (schema.type === 'record') return schema;
  if (schema.type === 'array' && schema.items !== undefined) return recordWithin(schema.items);
  return typeof schema.type === 'object' ? recordWithin(schema.type) : undefined;
}
