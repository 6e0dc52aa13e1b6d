/**
 * The value conventions every metadata view shares (see metadata-views.ts): ids as strings,
 * quantities as numbers, times as ms plus ISO text, and partition values and column bounds as
 * the human strings Iceberg prints them as (PyIceberg's to_human_string, Java's toHumanString).
 */
import { fromBytes } from '../../spec/bounds.ts';
import { humanPartitionValue } from '../../spec/partition-path.ts';
import { isPrimitive } from '../../spec/primitive.ts';
import { indexById } from '../../spec/schema.ts';
import { parseTransform, transformResultType, type Transform } from '../../spec/transforms.ts';
import type { PartitionSpec, PartitionValues, PrimitiveType, Schema, TableMetadata } from '../../spec/types.ts';

/** A partition value or column bound as text; null for a null value or an absent bound. */
export type ReadableValue = string | null;

/** Snapshot ids and sequence numbers: 63-bit, so decimal strings (a JS number rounds them). */
export const idText = (id: bigint): string => id.toString();
export const optionalIdText = (id: bigint | null | undefined): string | null => (id === null || id === undefined ? null : id.toString());

/** Counts and byte sizes: numbers, exact below 2^53 (9 PB, 9 quadrillion rows). */
export const quantity = (n: bigint | number): number => Number(n);

export const isoTime = (ms: number): string => new Date(ms).toISOString();

const IDENTITY: Transform = { kind: 'identity' };

/** Bytes as hex, for values whose type is unknown (an unknown transform, a dropped source column). */
const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;

function rawText(value: unknown): string {
  return value instanceof Uint8Array ? hex(value) : String(value);
}

/** A partition value of a field with this transform and result type (null type: not known). */
export function readablePartitionValue(transform: Transform, type: PrimitiveType | null, value: unknown): ReadableValue {
  if (value === null || value === undefined) return null;
  if (type === null) return rawText(value);
  return humanPartitionValue(transform, type, value);
}

/** Appendix D bytes as text; hex when they do not decode as `type` (a writer bug, a type we do not know). */
function decodeReadable(transform: Transform, type: PrimitiveType | null, bytes: Uint8Array): string {
  if (type === null) return hex(bytes);
  try {
    return humanPartitionValue(transform, type, fromBytes(type, bytes));
  } catch {
    return hex(bytes);
  }
}

/** A column's lower or upper bound as text: a bad bound shows as 0x-hex rather than failing the view. */
export function readableBound(type: PrimitiveType | null, bytes: Uint8Array | null | undefined): ReadableValue {
  return bytes === null || bytes === undefined ? null : decodeReadable(IDENTITY, type, bytes);
}

/** A bound of a manifest's partition summary, printed as the partition field's values are. */
export function readablePartitionBound(field: PartitionFieldInfo | undefined, bytes: Uint8Array | null | undefined): ReadableValue {
  if (bytes === null || bytes === undefined) return null;
  return field ? decodeReadable(field.transform, field.type, bytes) : hex(bytes);
}

/** Schemas to look a field id up in: the current one first, then the older ones newest first. */
function schemasByPreference(md: TableMetadata): Schema[] {
  const current = md.schemas.filter((s) => s['schema-id'] === md['current-schema-id']);
  const older = md.schemas.filter((s) => s['schema-id'] !== md['current-schema-id']).sort((a, b) => b['schema-id'] - a['schema-id']);
  return [...current, ...older];
}

export interface ColumnInfo {
  /** Full dotted name (`location.lat`); `name#id` for a dropped column whose name was reused. */
  name: string;
  /** Null for a struct, list or map (which have no bounds). */
  type: PrimitiveType | null;
  /** Position in a depth-first walk of the schemas, for ordering columns as the schema does. */
  order: number;
}

/**
 * Column names and types by field id, as metrics maps are keyed: from the current schema, so a
 * renamed column shows its new name, and from older schemas for columns dropped since.
 */
export function columnIndex(md: TableMetadata): Map<number, ColumnInfo> {
  const out = new Map<number, ColumnInfo>();
  const used = new Set<string>();
  for (const schema of schemasByPreference(md)) {
    for (const [id, f] of indexById(schema)) {
      if (out.has(id)) continue;
      const name = used.has(f.name) ? `${f.name}#${id}` : f.name;
      used.add(name);
      out.set(id, { name, type: isPrimitive(f.field.type) ? f.field.type : null, order: out.size });
    }
  }
  return out;
}

export interface PartitionFieldInfo {
  fieldId: number;
  name: string;
  transform: Transform;
  /** The type of the field's values; null when the transform or its source column is not known. */
  type: PrimitiveType | null;
}

/** The fields of a partition spec with their value types, looked up in every schema the table has had. */
export function partitionFields(md: TableMetadata, spec: PartitionSpec): PartitionFieldInfo[] {
  const schemas = schemasByPreference(md);
  return spec.fields.map((f) => {
    const transform = parseTransform(f.transform);
    let type: PrimitiveType | null = null;
    for (const schema of schemas) {
      const source = indexById(schema).get(f['source-id']);
      if (!source) continue;
      try {
        type = transformResultType(transform, source.field.type);
      } catch {
        type = null; // an unknown transform, or one the source type cannot take
      }
      break;
    }
    return { fieldId: f['field-id'], name: f.name, transform, type };
  });
}

/** Partition fields of a spec id, cached: manifests of one spec share them. */
export class PartitionFieldsCache {
  private readonly bySpec = new Map<number, PartitionFieldInfo[]>();
  constructor(private readonly md: TableMetadata) {}

  get(specId: number): PartitionFieldInfo[] {
    let fields = this.bySpec.get(specId);
    if (!fields) {
      const spec = this.md['partition-specs'].find((s) => s['spec-id'] === specId);
      if (!spec) throw new Error(`Table ${this.md.location} has no partition spec ${specId}, which a manifest refers to`);
      fields = partitionFields(this.md, spec);
      this.bySpec.set(specId, fields);
    }
    return fields;
  }
}

/** A partition tuple keyed by partition field name, values as readable text. */
export function readablePartition(fields: PartitionFieldInfo[], values: PartitionValues): Record<string, ReadableValue> {
  const out: Record<string, ReadableValue> = {};
  for (const f of fields) out[f.name] = readablePartitionValue(f.transform, f.type, values[f.fieldId]);
  return out;
}
