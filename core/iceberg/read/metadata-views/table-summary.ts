/**
 * The overview of a table a browser shows first: identity, current schema, partitioning, sort
 * order, properties (secrets redacted) and the current snapshot's totals, all from the metadata.
 */
import { canonicalPrimitive, isPrimitive } from '../../spec/primitive.ts';
import { indexById, walkFields } from '../../spec/schema.ts';
import type { IcebergType, Schema, TableMetadata } from '../../spec/types.ts';
import { idText, isoTime, partitionFields, quantity } from './view-values.ts';

export const REDACTED = '••••••';
/** Property keys whose values are credentials: S3 keys, catalog tokens, passwords. */
const SECRET_KEY = /secret|password|token|credential|access-key|private/i;

export interface SchemaFieldView {
  id: number;
  /** Full dotted name: `location.lat`, `tags.element`, `counts.key`. */
  name: string;
  /** The field's own name within its parent. */
  shortName: string;
  /** Id of the enclosing field; null at the top level. */
  parentId: number | null;
  /** A primitive type (`decimal(9, 2)`), or struct, list or map (their parts follow as fields). */
  type: string;
  required: boolean;
  doc: string | null;
}

export interface PartitionSpecView {
  specId: number;
  isDefault: boolean;
  fields: {
    fieldId: number; name: string; sourceId: number; sourceColumn: string | null;
    transform: string; resultType: string | null;
  }[];
}

export interface SortOrderView {
  orderId: number;
  fields: { sourceId: number; sourceColumn: string | null; transform: string; direction: string; nullOrder: string }[];
}

export interface SnapshotTotals {
  totalRecords: number | null;
  totalDataFiles: number | null;
  totalDeleteFiles: number | null;
  totalFilesSize: number | null;
  totalPositionDeletes: number | null;
  totalEqualityDeletes: number | null;
}

export interface TableSummaryView {
  formatVersion: number;
  tableUuid: string;
  location: string;
  lastUpdatedMs: number;
  lastUpdated: string;
  lastSequenceNumber: string;
  currentSchema: { schemaId: number; identifierFieldIds: number[]; fields: SchemaFieldView[] };
  schemaCount: number;
  partitionSpecs: PartitionSpecView[];
  defaultSortOrder: SortOrderView | null;
  properties: Record<string, string>;
  snapshotCount: number;
  currentSnapshot: {
    snapshotId: string; timestampMs: number; timestamp: string; operation: string | null;
    /** From the snapshot summary; null where the writer left a total out. */
    totals: SnapshotTotals;
  } | null;
}

/** The properties with the value of every key that looks like a credential replaced by REDACTED. */
export function redactProperties(properties: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : v]));
}

function typeLabel(type: IcebergType): string {
  return isPrimitive(type) ? canonicalPrimitive(type) : type.type;
}

function schemaFields(schema: Schema): SchemaFieldView[] {
  const out: SchemaFieldView[] = [];
  walkFields(schema, (f) => out.push({
    id: f.field.id, name: f.name, shortName: f.field.name, parentId: f.parentId,
    type: typeLabel(f.field.type), required: f.field.required, doc: f.field.doc ?? null,
  }));
  return out;
}

function totalsOf(summary: Record<string, string>): SnapshotTotals {
  const num = (key: string): number | null => (summary[key] !== undefined && /^-?\d+$/.test(summary[key]) ? quantity(BigInt(summary[key])) : null);
  return {
    totalRecords: num('total-records'),
    totalDataFiles: num('total-data-files'),
    totalDeleteFiles: num('total-delete-files'),
    totalFilesSize: num('total-files-size'),
    totalPositionDeletes: num('total-position-deletes'),
    totalEqualityDeletes: num('total-equality-deletes'),
  };
}

export function tableSummary(md: TableMetadata): TableSummaryView {
  const schema = md.schemas.find((s) => s['schema-id'] === md['current-schema-id']);
  if (!schema) throw new Error(`Table ${md.location} has no current schema ${md['current-schema-id']}`);
  const names = indexById(schema);
  const columnName = (id: number) => names.get(id)?.name ?? null;
  const sortOrder = md['sort-orders'].find((o) => o['order-id'] === md['default-sort-order-id']);
  const current = md.snapshots.find((s) => s['snapshot-id'] === md['current-snapshot-id']);
  return {
    formatVersion: md['format-version'],
    tableUuid: md['table-uuid'],
    location: md.location,
    lastUpdatedMs: md['last-updated-ms'],
    lastUpdated: isoTime(md['last-updated-ms']),
    lastSequenceNumber: idText(md['last-sequence-number'] ?? 0n),
    currentSchema: { schemaId: schema['schema-id'], identifierFieldIds: schema['identifier-field-ids'] ?? [], fields: schemaFields(schema) },
    schemaCount: md.schemas.length,
    partitionSpecs: md['partition-specs'].map((spec) => {
      const infos = partitionFields(md, spec);
      return {
        specId: spec['spec-id'],
        isDefault: spec['spec-id'] === md['default-spec-id'],
        fields: spec.fields.map((f, i) => ({
          fieldId: f['field-id'], name: f.name, sourceId: f['source-id'], sourceColumn: columnName(f['source-id']),
          transform: f.transform, resultType: infos[i]!.type,
        })),
      };
    }),
    defaultSortOrder: sortOrder ? {
      orderId: sortOrder['order-id'],
      fields: sortOrder.fields.map((f) => ({
        sourceId: f['source-id'], sourceColumn: columnName(f['source-id']), transform: f.transform, direction: f.direction, nullOrder: f['null-order'],
      })),
    } : null,
    properties: redactProperties(md.properties),
    snapshotCount: md.snapshots.length,
    currentSnapshot: current ? {
      snapshotId: idText(current['snapshot-id']),
      timestampMs: current['timestamp-ms'],
      timestamp: isoTime(current['timestamp-ms']),
      operation: current.summary?.operation ?? null,
      totals: totalsOf(current.summary ?? {}),
    } : null,
  };
}
