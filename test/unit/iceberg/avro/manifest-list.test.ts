import { describe, expect, it } from 'vitest';
import type { AvroField, AvroSchemaObject } from '../../../../core/iceberg/avro/avro-schema.ts';
import { readAvroContainer, writeAvroContainer } from '../../../../core/iceberg/avro/container.ts';
import { readManifestList, UNASSIGNED_SEQUENCE_NUMBER, writeManifestList } from '../../../../core/iceberg/avro/manifest-list.ts';
import { ManifestContent, type ManifestFile } from '../../../../core/iceberg/spec/types.ts';

const SNAP_MAX = 9223372036854775807n;
const SNAP_BIG = 8333333333333333333n;

const dataManifest: ManifestFile = {
  manifestPath: 's3://bucket/t/metadata/0b1c-m0.avro',
  manifestLength: 6789n,
  partitionSpecId: 1,
  content: ManifestContent.Data,
  sequenceNumber: 7n,
  minSequenceNumber: 3n,
  addedSnapshotId: SNAP_MAX,
  addedFilesCount: 2,
  existingFilesCount: 1,
  deletedFilesCount: 0,
  addedRowsCount: 5000000000n,
  existingRowsCount: 10n,
  deletedRowsCount: 0n,
  partitions: [
    { containsNull: true, containsNaN: false, lowerBound: Uint8Array.from([0x84, 0x4d, 0, 0]), upperBound: Uint8Array.from([0x85, 0x4d, 0, 0]) },
    { containsNull: true, containsNaN: null, lowerBound: null, upperBound: null },
  ],
  keyMetadata: null,
};

const deleteManifest: ManifestFile = {
  ...dataManifest,
  manifestPath: 's3://bucket/t/metadata/0b1c-m1.avro',
  content: ManifestContent.Deletes,
  addedSnapshotId: SNAP_BIG,
  partitions: null,
  keyMetadata: Uint8Array.from([1, 2, 3]),
};

function write(overrides: Partial<Parameters<typeof writeManifestList>[0]> = {}): Uint8Array {
  return writeManifestList({
    snapshotId: SNAP_MAX, parentSnapshotId: SNAP_BIG, sequenceNumber: 7n, formatVersion: 2,
    manifests: [dataManifest, deleteManifest], ...overrides,
  });
}

describe('manifest lists', () => {
  it('round-trips v2 manifest files with 63-bit snapshot ids and partition summaries', () => {
    expect(readManifestList(write())).toEqual([dataManifest, deleteManifest]);
  });

  it('writes the header keys Java and PyIceberg write', () => {
    const file = readAvroContainer(write());
    expect(file.metadata).toMatchObject({
      'snapshot-id': '9223372036854775807', 'parent-snapshot-id': '8333333333333333333',
      'sequence-number': '7', 'format-version': '2', 'avro.codec': 'deflate',
    });
    expect(readAvroContainer(write({ parentSnapshotId: null })).metadata['parent-snapshot-id']).toBe('null');
  });

  it('puts the spec field ids in the written Avro schema', () => {
    const schema = readAvroContainer(write()).schema as AvroSchemaObject;
    expect(schema.name).toBe('manifest_file');
    expect(schema.fields!.map((f) => [f.name, f['field-id']])).toEqual([
      ['manifest_path', 500], ['manifest_length', 501], ['partition_spec_id', 502], ['content', 517],
      ['sequence_number', 515], ['min_sequence_number', 516], ['added_snapshot_id', 503],
      ['added_files_count', 504], ['existing_files_count', 505], ['deleted_files_count', 506],
      ['added_rows_count', 512], ['existing_rows_count', 513], ['deleted_rows_count', 514],
      ['partitions', 507], ['key_metadata', 519],
    ]);
    const partitions = schema.fields!.find((f) => f.name === 'partitions')!;
    expect(partitions.type).toEqual(['null', {
      type: 'array', 'element-id': 508,
      items: { type: 'record', name: 'r508', fields: [
        { name: 'contains_null', type: 'boolean', 'field-id': 509 },
        { name: 'contains_nan', type: ['null', 'boolean'], default: null, 'field-id': 518 },
        { name: 'lower_bound', type: ['null', 'bytes'], default: null, 'field-id': 510 },
        { name: 'upper_bound', type: ['null', 'bytes'], default: null, 'field-id': 511 },
      ] },
    }]);
  });

  it('assigns the snapshot sequence number to this snapshot\'s manifests written before it was known', () => {
    const fresh = { ...dataManifest, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER };
    const [read] = readManifestList(write({ manifests: [fresh], sequenceNumber: 42n }));
    expect(read).toMatchObject({ sequenceNumber: 42n, minSequenceNumber: 42n });
    const foreign = { ...fresh, addedSnapshotId: 1n };
    expect(() => write({ manifests: [foreign] })).toThrow(/unassigned sequence number/);
  });

  it('writes and reads v1: no content or sequence numbers (read as 0), no delete manifests', () => {
    const bytes = write({ formatVersion: 1, manifests: [dataManifest] });
    const file = readAvroContainer(bytes);
    expect(file.metadata['sequence-number']).toBeUndefined();
    expect(file.metadata['format-version']).toBe('1');
    const names = (file.schema as AvroSchemaObject).fields!.map((f) => f.name);
    expect(names).not.toContain('content');
    expect(names).not.toContain('sequence_number');
    expect(readManifestList(bytes)).toEqual([{ ...dataManifest, sequenceNumber: 0n, minSequenceNumber: 0n }]);
    expect(() => write({ formatVersion: 1 })).toThrow(/no delete manifests/);
  });

  it('reads v1 lists from old writers: null counts, old field names matched by id, unknown fields', () => {
    const opt = (name: string, id: number, type: string): AvroField => ({ name, type: ['null', type], default: null, 'field-id': id });
    const bytes = writeAvroContainer({
      schema: {
        type: 'record', name: 'manifest_file', fields: [
          { name: 'manifest_path', type: 'string', 'field-id': 500 },
          { name: 'manifest_length', type: 'long', 'field-id': 501 },
          { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
          opt('added_snapshot_id', 503, 'long'),
          opt('added_data_files_count', 504, 'int'),
          opt('existing_data_files_count', 505, 'int'),
          opt('deleted_data_files_count', 506, 'int'),
          opt('something_new', 9000, 'string'),
        ],
      },
      metadata: { 'snapshot-id': String(SNAP_BIG), 'format-version': '1' },
      records: [
        { manifest_path: 'a.avro', manifest_length: 1n, partition_spec_id: 0, added_snapshot_id: SNAP_MAX, added_data_files_count: 3, existing_data_files_count: null, deleted_data_files_count: 1, something_new: 'x' },
        { manifest_path: 'b.avro', manifest_length: 2n, partition_spec_id: 0, added_snapshot_id: null, added_data_files_count: null, existing_data_files_count: null, deleted_data_files_count: null, something_new: null },
      ],
    });
    expect(readManifestList(bytes)).toEqual([
      {
        manifestPath: 'a.avro', manifestLength: 1n, partitionSpecId: 0, content: ManifestContent.Data,
        sequenceNumber: 0n, minSequenceNumber: 0n, addedSnapshotId: SNAP_MAX,
        addedFilesCount: 3, existingFilesCount: 0, deletedFilesCount: 1,
        addedRowsCount: 0n, existingRowsCount: 0n, deletedRowsCount: 0n, partitions: null, keyMetadata: null,
      },
      {
        manifestPath: 'b.avro', manifestLength: 2n, partitionSpecId: 0, content: ManifestContent.Data,
        sequenceNumber: 0n, minSequenceNumber: 0n, addedSnapshotId: SNAP_BIG,
        addedFilesCount: 0, existingFilesCount: 0, deletedFilesCount: 0,
        addedRowsCount: 0n, existingRowsCount: 0n, deletedRowsCount: 0n, partitions: null, keyMetadata: null,
      },
    ]);
  });

  it('writes uncompressed when asked', () => {
    const bytes = write({ codec: 'null' });
    expect(readAvroContainer(bytes).codec).toBe('null');
    expect(readManifestList(bytes)).toEqual([dataManifest, deleteManifest]);
  });
});
