/**
 * Table metadata JSON, read and written without losing 63-bit snapshot ids (JSON.parse would
 * round them). v1 metadata is normalized to the v2 shape on read, so the rest of Floe sees one
 * form; fields we do not model are kept as they are.
 */
import { isLosslessNumber, parse, stringify, type LosslessNumber } from 'lossless-json';
import type { PartitionSpec, Schema, SnapshotRef, TableMetadata } from './types.ts';

const BIGINT_KEYS = new Set([
  'snapshot-id', 'parent-snapshot-id', 'current-snapshot-id', 'sequence-number', 'last-sequence-number',
]);

export class MetadataParseError extends Error {
  constructor(location: string, detail: string) {
    super(`Table metadata ${location} is not valid Iceberg metadata: ${detail}`);
    this.name = 'MetadataParseError';
  }
}

/** Parses any JSON whose integer ids must stay exact (metadata files, REST catalog bodies). */
export function parseJsonWithBigIds(text: string): unknown {
  return parse(text, (key, value) => {
    if (!isLosslessNumber(value)) return value;
    const n = value as LosslessNumber;
    if (BIGINT_KEYS.has(key)) return BigInt(n.value);
    // Unsafe integers elsewhere are not ids we know of: throwing beats rounding silently.
    return n.valueOf();
  });
}

export function stringifyJsonWithBigIds(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new Error('cannot serialize metadata: stringify returned nothing');
  return text;
}

export function parseTableMetadata(text: string, location = '(metadata)'): TableMetadata {
  let raw: Record<string, unknown>;
  try {
    raw = parseJsonWithBigIds(text) as Record<string, unknown>;
  } catch (err) {
    throw new MetadataParseError(location, (err as Error).message);
  }
  if (raw === null || typeof raw !== 'object') throw new MetadataParseError(location, 'not a JSON object');
  const version = raw['format-version'];
  // v3 is read (browsing, previews, verify) but never written: table-updates.ts refuses commits to it.
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new MetadataParseError(location, `format-version ${String(version)} is not supported (Floe reads 1 to 3)`);
  }
  for (const key of ['table-uuid', 'location'] as const) {
    if (typeof raw[key] !== 'string') throw new MetadataParseError(location, `missing "${key}"`);
  }
  const md = raw as unknown as TableMetadata;

  // v1 keeps a single schema and spec; v2 keeps lists. Normalize to lists.
  if (!Array.isArray(raw.schemas)) {
    const schema = raw.schema as Schema | undefined;
    if (!schema) throw new MetadataParseError(location, 'no "schemas" and no "schema"');
    md.schemas = [{ ...schema, 'schema-id': schema['schema-id'] ?? 0 }];
    md['current-schema-id'] = md.schemas[0]!['schema-id'];
  }
  if (!Array.isArray(raw['partition-specs'])) {
    const fields = (raw['partition-spec'] as PartitionSpec['fields'] | undefined) ?? [];
    md['partition-specs'] = [{ 'spec-id': 0, fields }];
    md['default-spec-id'] = 0;
  }
  md['last-partition-id'] ??= Math.max(999, ...md['partition-specs'].flatMap((s) => s.fields.map((f) => f['field-id'])));
  md['sort-orders'] ??= [{ 'order-id': 0, fields: [] }];
  md['default-sort-order-id'] ??= 0;
  md['last-sequence-number'] ??= 0n;
  md.properties ??= {};
  md.snapshots ??= [];
  md['snapshot-log'] ??= [];
  md['metadata-log'] ??= [];
  // Java wrote -1 for "no snapshot" in older versions.
  const current = md['current-snapshot-id'];
  md['current-snapshot-id'] = current === undefined || current === null || current === -1n ? null : current;
  if (!raw.refs) {
    const refs: Record<string, SnapshotRef> = {};
    if (md['current-snapshot-id'] !== null) refs.main = { 'snapshot-id': md['current-snapshot-id'], type: 'branch' };
    md.refs = refs;
  }
  return md;
}

/** Serializes metadata as v2 JSON (v1-only keys are dropped once a table is written as v2). */
export function serializeTableMetadata(md: TableMetadata): string {
  const out: Record<string, unknown> = { ...md };
  if (md['format-version'] === 2) {
    delete out.schema;
    delete out['partition-spec'];
  }
  // -1 for "no snapshot": older Java readers (and engines embedding them) require the key.
  if (md['current-snapshot-id'] === null) out['current-snapshot-id'] = -1n;
  return stringifyJsonWithBigIds(out);
}
