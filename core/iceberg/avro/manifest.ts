/**
 * Manifests (spec "Manifests"): Avro files of `manifest_entry` records, one per data or delete
 * file, with the table schema and partition spec in the file metadata. Written as v2 (v1 too, for
 * v1 tables); read in both versions, whoever wrote them.
 */
import { parseJsonWithBigIds, stringifyJsonWithBigIds } from '../spec/metadata-json.ts';
import {
  EntryStatus, FileContent, ManifestContent,
  type DataFile, type ManifestEntry, type ManifestFile, type PartitionField, type PartitionSpec, type PrimitiveType, type Schema,
} from '../spec/types.ts';
import type { AvroSchemaObject } from './avro-schema.ts';
import {
  decodeIntMap, encodeIntMap, fromAvroBytes, toAvroBytes, toAvroBytesOrNull, toBigInt, toInt,
} from './avro-values.ts';
import type { AvroWriteCodec } from './codecs.ts';
import { readAvroContainer, writeAvroContainer } from './container.ts';
import { manifestEntrySchema, V1_BLOCK_SIZE, type FormatVersion } from './manifest-schemas.ts';
import { avroName, partitionRecordSchema, partitionResultType } from './partition-type.ts';
import { fromAvroPartitionValue, namedTypes, toAvroPartitionValue, valueTypeOf } from './partition-values.ts';
import { WriterRecord } from './writer-fields.ts';

export interface ManifestWriteInput {
  schema: Schema;
  spec: PartitionSpec;
  formatVersion: FormatVersion;
  content: ManifestContent;
  /** The snapshot writing the manifest: the snapshot id of added and deleted entries that have none. */
  snapshotId: bigint;
  entries: ManifestEntry[];
  codec?: AvroWriteCodec;
}

export interface ManifestMetadata {
  schema: Schema;
  spec: PartitionSpec;
  specId: number;
  /** Floe writes v1 and v2 manifests; it reads v3 ones too (their new fields are not used). */
  formatVersion: FormatVersion | 3;
  content: ManifestContent;
}

export function writeManifest(input: ManifestWriteInput): Uint8Array {
  const { schema, spec, formatVersion, content } = input;
  if (formatVersion === 1 && content !== ManifestContent.Data) throw new Error('v1 tables have no delete manifests');
  const partitionRecord = partitionRecordSchema(spec, schema);
  const partitionTypes = spec.fields.map((f) => partitionResultType(f, schema));
  const metadata: Record<string, string> = {
    schema: stringifyJsonWithBigIds(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': stringifyJsonWithBigIds(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': String(formatVersion),
  };
  if (formatVersion === 2) metadata.content = content === ManifestContent.Deletes ? 'deletes' : 'data';
  return writeAvroContainer({
    schema: manifestEntrySchema(formatVersion, partitionRecord),
    metadata,
    codec: input.codec ?? 'deflate',
    records: input.entries.map((entry, i) => entryRecord(input, partitionTypes, entry, i)),
  });
}

function entryRecord(input: ManifestWriteInput, partitionTypes: PrimitiveType[], entry: ManifestEntry, index: number): object {
  const where = `manifest entry ${index} (${entry.dataFile.filePath})`;
  const isDelete = entry.dataFile.content !== FileContent.Data;
  if (isDelete !== (input.content === ManifestContent.Deletes)) {
    throw new Error(`${where}: a ${isDelete ? 'delete' : 'data'} file cannot go into a ${isDelete ? 'data' : 'delete'} manifest`);
  }
  let snapshotId = entry.snapshotId;
  if (snapshotId === null) {
    if (entry.status === EntryStatus.Existing) throw new Error(`${where}: an existing entry must keep its snapshot id`);
    snapshotId = input.snapshotId;
  }
  const df = entry.dataFile;
  const dataFile: Record<string, unknown> = {
    file_path: df.filePath,
    file_format: df.fileFormat,
    partition: partitionValues(input.spec, partitionTypes, df.partition, where),
    record_count: df.recordCount,
    file_size_in_bytes: df.fileSizeInBytes,
    column_sizes: encodeIntMap(df.columnSizes, (v) => v),
    value_counts: encodeIntMap(df.valueCounts, (v) => v),
    null_value_counts: encodeIntMap(df.nullValueCounts, (v) => v),
    nan_value_counts: encodeIntMap(df.nanValueCounts, (v) => v),
    lower_bounds: encodeIntMap(df.lowerBounds, toAvroBytes),
    upper_bounds: encodeIntMap(df.upperBounds, toAvroBytes),
    key_metadata: toAvroBytesOrNull(df.keyMetadata),
    split_offsets: df.splitOffsets ?? null,
    sort_order_id: df.sortOrderId ?? null,
  };
  if (input.formatVersion === 1) {
    return { status: entry.status, snapshot_id: snapshotId, data_file: { ...dataFile, block_size_in_bytes: V1_BLOCK_SIZE } };
  }
  // Only added entries may leave sequence numbers to inheritance (spec "Sequence Number Inheritance").
  if (entry.status !== EntryStatus.Added && (entry.sequenceNumber === null || entry.fileSequenceNumber === null)) {
    throw new Error(`${where}: existing and deleted entries must carry both sequence numbers`);
  }
  return {
    status: entry.status,
    snapshot_id: snapshotId,
    sequence_number: entry.sequenceNumber,
    file_sequence_number: entry.fileSequenceNumber,
    data_file: { ...dataFile, content: df.content, equality_ids: df.equalityIds ?? null },
  };
}

function partitionValues(spec: PartitionSpec, types: PrimitiveType[], partition: DataFile['partition'], where: string): Record<string, unknown> {
  const known = new Set(spec.fields.map((f) => f['field-id']));
  for (const key of Object.keys(partition)) {
    if (!known.has(Number(key))) throw new Error(`${where}: partition field ${key} is not in partition spec ${spec['spec-id']}`);
  }
  const record: Record<string, unknown> = {};
  for (const [i, field] of spec.fields.entries()) {
    record[avroName(field.name)] = toAvroPartitionValue(types[i]!, partition[field['field-id']]);
  }
  return record;
}

const MAP_NAMES: Record<number, string> = {
  108: 'column_sizes', 109: 'value_counts', 110: 'null_value_counts', 137: 'nan_value_counts', 125: 'lower_bounds', 128: 'upper_bounds',
};

export function readManifest(bytes: Uint8Array): { entries: ManifestEntry[]; metadata: ManifestMetadata } {
  const file = readAvroContainer(bytes);
  const metadata = manifestMetadata(file.metadata);
  const entryFields = new WriterRecord(file.schema as AvroSchemaObject);
  const dataFileFields = entryFields.nested(2, 'data_file');
  const partitionFields = dataFileFields.nested(102, 'partition');
  // Partition fields by their writer name; old v1 writers put no ids on them, so fall back to
  // the spec's fields in order.
  const named = namedTypes(file.schema);
  const partitionColumns = partitionFields.fieldNames().map((name, i) => {
    const id = partitionFields.idOf(name) ?? metadata.spec.fields[i]?.['field-id'];
    if (id === undefined) throw new Error(`manifest partition field "${name}" has no field id and no partition spec field`);
    return { name, id, type: valueTypeOf(partitionFields.typeOfName(name), named) };
  });
  const mapEntries = new Map([108, 109, 110, 137, 125, 128].map((id) => [id, dataFileFields.nested(id, MAP_NAMES[id]!)]));
  const hasSequenceNumbers = entryFields.has(3, 'sequence_number');
  const hasFileSequenceNumbers = entryFields.has(4, 'file_sequence_number');

  const entries = file.records.map((record): ManifestEntry => {
    const get = (id: number, name: string): unknown => entryFields.get(record, id, name);
    const df = get(2, 'data_file');
    const field = (id: number, name: string): unknown => dataFileFields.get(df, id, name);
    const partitionRecord = (field(102, 'partition') ?? {}) as Record<string, unknown>;
    const partition: DataFile['partition'] = {};
    for (const { name, id, type } of partitionColumns) partition[id] = fromAvroPartitionValue(type, partitionRecord[name]);
    const longMap = (id: number, name: string) => decodeIntMap(field(id, name), mapEntries.get(id)!, (v) => toBigInt(v, name));
    const bytesMap = (id: number, name: string) => decodeIntMap(field(id, name), mapEntries.get(id)!, fromAvroBytes);
    const nullable = <T>(value: unknown, convert: (v: unknown) => T): T | null =>
      value === null || value === undefined ? null : convert(value);
    const dataFile: DataFile = {
      content: (nullable(field(134, 'content'), (v) => toInt(v, 'content')) ?? FileContent.Data) as FileContent,
      filePath: field(100, 'file_path') as string,
      // Java and PyIceberg write the enum name (PARQUET); the spec's examples are lower case.
      fileFormat: String(field(101, 'file_format')).toUpperCase() as DataFile['fileFormat'],
      partition,
      recordCount: toBigInt(field(103, 'record_count'), 'record_count'),
      fileSizeInBytes: toBigInt(field(104, 'file_size_in_bytes'), 'file_size_in_bytes'),
      columnSizes: longMap(108, 'column_sizes'),
      valueCounts: longMap(109, 'value_counts'),
      nullValueCounts: longMap(110, 'null_value_counts'),
      nanValueCounts: longMap(137, 'nan_value_counts'),
      lowerBounds: bytesMap(125, 'lower_bounds'),
      upperBounds: bytesMap(128, 'upper_bounds'),
      keyMetadata: nullable(field(131, 'key_metadata'), fromAvroBytes),
      splitOffsets: nullable(field(132, 'split_offsets'), (v) => (v as unknown[]).map((o) => toBigInt(o, 'split_offsets'))),
      equalityIds: nullable(field(135, 'equality_ids'), (v) => (v as unknown[]).map((o) => toInt(o, 'equality_ids'))),
      sortOrderId: nullable(field(140, 'sort_order_id'), (v) => toInt(v, 'sort_order_id')),
      ...(metadata.formatVersion >= 3 ? {
        referencedDataFile: nullable(field(143, 'referenced_data_file'), (v) => v as string),
        contentOffset: nullable(field(144, 'content_offset'), (v) => toBigInt(v, 'content_offset')),
        contentSizeInBytes: nullable(field(145, 'content_size_in_bytes'), (v) => toBigInt(v, 'content_size_in_bytes')),
      } : {}),
    };
    // v1 manifests have no sequence numbers: the spec says read them as 0.
    const sequence = (present: boolean, id: number, name: string): bigint | null =>
      present ? nullable(get(id, name), (v) => toBigInt(v, name)) : metadata.formatVersion === 1 ? 0n : null;
    return {
      status: toInt(get(0, 'status'), 'status') as EntryStatus,
      snapshotId: nullable(get(1, 'snapshot_id'), (v) => toBigInt(v, 'snapshot_id')),
      sequenceNumber: sequence(hasSequenceNumbers, 3, 'sequence_number'),
      fileSequenceNumber: sequence(hasFileSequenceNumbers, 4, 'file_sequence_number'),
      dataFile,
    };
  });
  return { entries, metadata };
}

function manifestMetadata(meta: Record<string, string>): ManifestMetadata {
  if (meta.schema === undefined) throw new Error('manifest has no "schema" in its metadata');
  const schema = parseJsonWithBigIds(meta.schema) as Schema;
  const rawSpec = parseJsonWithBigIds(meta['partition-spec'] ?? '[]') as PartitionField[] | { 'spec-id'?: number; fields: PartitionField[] };
  // The spec stores only the fields array; some old writers stored the whole spec object.
  const rawFields = Array.isArray(rawSpec) ? rawSpec : rawSpec.fields;
  const specIdFallback = Array.isArray(rawSpec) ? 0 : (rawSpec['spec-id'] ?? 0);
  const specId = meta['partition-spec-id'] !== undefined ? Number(meta['partition-spec-id']) : specIdFallback;
  // v1 specs may lack field ids: Java assigned 1000, 1001... in order.
  const fields = rawFields.map((f, i) => ({ ...f, 'field-id': f['field-id'] ?? 1000 + i }));
  const formatVersion = Number(meta['format-version'] ?? '1');
  if (formatVersion !== 1 && formatVersion !== 2 && formatVersion !== 3) throw new Error(`manifest format-version ${formatVersion} is not supported (Floe reads 1 to 3)`);
  if (meta['schema-id'] !== undefined && schema['schema-id'] === undefined) schema['schema-id'] = Number(meta['schema-id']);
  return {
    schema,
    spec: { 'spec-id': specId, fields },
    specId,
    formatVersion,
    content: meta.content === 'deletes' ? ManifestContent.Deletes : ManifestContent.Data,
  };
}

/**
 * The entry with what it inherits from its manifest's manifest-list row (spec "Sequence Number
 * Inheritance"): a null snapshot id, and null sequence numbers of added entries (or of any entry
 * of a v1 manifest, whose list sequence number is 0).
 */
export function inheritFromManifest(entry: ManifestEntry, manifest: ManifestFile): ManifestEntry {
  const inherits = entry.status === EntryStatus.Added || manifest.sequenceNumber === 0n;
  return {
    ...entry,
    snapshotId: entry.snapshotId ?? manifest.addedSnapshotId,
    sequenceNumber: entry.sequenceNumber ?? (inherits ? manifest.sequenceNumber : null),
    fileSequenceNumber: entry.fileSequenceNumber ?? (inherits ? manifest.sequenceNumber : null),
  };
}
