/**
 * Manifest lists (spec "Manifest Lists"): one Avro file per snapshot, a `manifest_file` record
 * per manifest, with the snapshot's ids in the file metadata as Java and PyIceberg write them.
 */
import { ManifestContent, type ManifestFile, type PartitionFieldSummary } from '../spec/types.ts';
import type { AvroSchemaObject } from './avro-schema.ts';
import { fromAvroBytes, toAvroBytesOrNull, toBigInt, toInt } from './avro-values.ts';
import type { AvroWriteCodec } from './codecs.ts';
import { readAvroContainer, writeAvroContainer } from './container.ts';
import { manifestFileSchema, type FormatVersion } from './manifest-schemas.ts';
import { WriterRecord } from './writer-fields.ts';

/**
 * Java's marker for a manifest whose sequence number is not known until the commit: the list
 * writer replaces it with the snapshot's sequence number, so a retried commit rewrites only the
 * list, never the manifests.
 */
export const UNASSIGNED_SEQUENCE_NUMBER = -1n;

export interface ManifestListWriteInput {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  /** The snapshot's sequence number (v2); v1 lists have none. */
  sequenceNumber: bigint;
  formatVersion: FormatVersion;
  manifests: ManifestFile[];
  codec?: AvroWriteCodec;
}

export function writeManifestList(input: ManifestListWriteInput): Uint8Array {
  const { formatVersion } = input;
  const metadata: Record<string, string> = {
    'snapshot-id': input.snapshotId.toString(),
    // "null" is what Java and PyIceberg write for a snapshot without a parent.
    'parent-snapshot-id': input.parentSnapshotId === null ? 'null' : input.parentSnapshotId.toString(),
    'format-version': String(formatVersion),
  };
  if (formatVersion === 2) metadata['sequence-number'] = input.sequenceNumber.toString();
  return writeAvroContainer({
    schema: manifestFileSchema(formatVersion),
    metadata,
    codec: input.codec ?? 'deflate',
    records: input.manifests.map((m) => manifestRecord(input, m)),
  });
}

function manifestRecord(input: ManifestListWriteInput, m: ManifestFile): object {
  const record: Record<string, unknown> = {
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions: m.partitions?.map((p) => ({
      contains_null: p.containsNull,
      contains_nan: p.containsNaN ?? null,
      lower_bound: toAvroBytesOrNull(p.lowerBound),
      upper_bound: toAvroBytesOrNull(p.upperBound),
    })) ?? null,
    key_metadata: toAvroBytesOrNull(m.keyMetadata),
  };
  if (input.formatVersion === 1) {
    if (m.content !== ManifestContent.Data) throw new Error(`${m.manifestPath}: v1 tables have no delete manifests`);
    return record;
  }
  const assign = (seq: bigint, what: string): bigint => {
    if (seq !== UNASSIGNED_SEQUENCE_NUMBER) return seq;
    if (m.addedSnapshotId !== input.snapshotId) {
      throw new Error(`${m.manifestPath}: unassigned ${what} on a manifest from snapshot ${m.addedSnapshotId}, not ${input.snapshotId}`);
    }
    return input.sequenceNumber;
  };
  return {
    ...record,
    content: m.content,
    sequence_number: assign(m.sequenceNumber, 'sequence number'),
    min_sequence_number: assign(m.minSequenceNumber, 'min sequence number'),
  };
}

export function readManifestList(bytes: Uint8Array): ManifestFile[] {
  const file = readAvroContainer(bytes);
  const fields = new WriterRecord(file.schema as AvroSchemaObject);
  const summaryFields = fields.nested(507, 'partitions');
  const headerSnapshotId = file.metadata['snapshot-id'];

  return file.records.map((record): ManifestFile => {
    const get = (id: number, name: string): unknown => fields.get(record, id, name);
    const present = (v: unknown): boolean => v !== null && v !== undefined;
    const long = (id: number, name: string, absent: bigint): bigint => {
      const v = get(id, name);
      return present(v) ? toBigInt(v, name) : absent;
    };
    // v1 lists may omit the counts ("assumed non-zero" per the spec); ManifestFile has no place
    // for "unknown", so they read as 0: do not skip a v1 manifest on its counts alone.
    const count = (id: number, name: string): number => {
      const v = get(id, name);
      return present(v) ? toInt(v, name) : 0;
    };
    const path = get(500, 'manifest_path') as string;
    const addedSnapshotId = get(503, 'added_snapshot_id');
    const partitions = get(507, 'partitions');
    const keyMetadata = get(519, 'key_metadata');
    return {
      manifestPath: path,
      manifestLength: long(501, 'manifest_length', 0n),
      partitionSpecId: toInt(get(502, 'partition_spec_id'), 'partition_spec_id'),
      // v1 lists have no content, and no sequence numbers: the spec says read them as 0.
      content: (present(get(517, 'content')) ? toInt(get(517, 'content'), 'content') : ManifestContent.Data) as ManifestContent,
      sequenceNumber: long(515, 'sequence_number', 0n),
      minSequenceNumber: long(516, 'min_sequence_number', 0n),
      // Very old v1 writers left it out; the list's own snapshot is the best guess then.
      addedSnapshotId: present(addedSnapshotId)
        ? toBigInt(addedSnapshotId, 'added_snapshot_id')
        : headerSnapshotId !== undefined ? BigInt(headerSnapshotId) : missing(path, 'added_snapshot_id'),
      addedFilesCount: count(504, 'added_files_count'),
      existingFilesCount: count(505, 'existing_files_count'),
      deletedFilesCount: count(506, 'deleted_files_count'),
      addedRowsCount: long(512, 'added_rows_count', 0n),
      existingRowsCount: long(513, 'existing_rows_count', 0n),
      deletedRowsCount: long(514, 'deleted_rows_count', 0n),
      partitions: present(partitions) ? (partitions as unknown[]).map((p) => fieldSummary(summaryFields, p)) : null,
      keyMetadata: present(keyMetadata) ? fromAvroBytes(keyMetadata) : null,
    };
  });
}

function fieldSummary(fields: WriterRecord, record: unknown): PartitionFieldSummary {
  const get = (id: number, name: string): unknown => fields.get(record, id, name);
  const bytes = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : fromAvroBytes(v));
  const containsNaN = get(518, 'contains_nan');
  return {
    containsNull: get(509, 'contains_null') === true,
    containsNaN: typeof containsNaN === 'boolean' ? containsNaN : null,
    lowerBound: bytes(get(510, 'lower_bound')),
    upperBound: bytes(get(511, 'upper_bound')),
  };
}

function missing(path: string, field: string): never {
  throw new Error(`manifest list entry ${path} has no ${field}`);
}
