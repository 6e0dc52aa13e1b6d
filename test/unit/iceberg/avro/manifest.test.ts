import { describe, expect, it } from 'vitest';
import type { AvroField, AvroSchemaObject } from '../../../../core/iceberg/avro/avro-schema.ts';
import { readAvroContainer, writeAvroContainer } from '../../../../core/iceberg/avro/container.ts';
import { inheritFromManifest, readManifest, writeManifest } from '../../../../core/iceberg/avro/manifest.ts';
import {
  EntryStatus, FileContent, ManifestContent,
  type DataFile, type ManifestEntry, type ManifestFile, type PartitionSpec, type Schema,
} from '../../../../core/iceberg/spec/types.ts';

const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'image_id', required: true, type: 'string' },
    { id: 2, name: 'window_start', required: false, type: 'timestamptz' },
    { id: 3, name: 'event_count', required: false, type: 'long' },
    { id: 4, name: 'meta', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'region', required: false, type: 'string' }] } },
  ],
};

const spec: PartitionSpec = {
  'spec-id': 2,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' },
    { 'source-id': 5, 'field-id': 1001, name: 'meta.region', transform: 'identity' },
    { 'source-id': 1, 'field-id': 1002, name: 'image_bucket', transform: 'bucket[16]' },
    { 'source-id': 3, 'field-id': 1003, name: 'count_trunc', transform: 'truncate[10]' },
  ],
};

const SNAP_MAX = 9223372036854775807n;
const SNAP_BIG = 8333333333333333333n;

function dataFile(overrides: Partial<DataFile> = {}): DataFile {
  return {
    content: FileContent.Data,
    filePath: 's3://bucket/warehouse/db/t/data/window_start_day=2024-05-01/00000-0.parquet',
    fileFormat: 'PARQUET',
    partition: { 1000: 19844, 1001: 'eu-west', 1002: 7, 1003: 40n },
    recordCount: 1234n,
    fileSizeInBytes: 98765n,
    columnSizes: new Map([[1, 100n], [2, 200n], [3, 300n]]),
    valueCounts: new Map([[1, 1234n], [2, 1234n], [3, 1234n]]),
    nullValueCounts: new Map([[1, 0n], [2, 3n], [3, 0n]]),
    nanValueCounts: new Map(),
    lowerBounds: new Map([[1, new TextEncoder().encode('img-000')], [3, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0])]]),
    upperBounds: new Map([[1, new TextEncoder().encode('img-999')], [3, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])]]),
    keyMetadata: null,
    splitOffsets: [4n, 1048580n],
    equalityIds: null,
    sortOrderId: 0,
    ...overrides,
  };
}

const entries: ManifestEntry[] = [
  { status: EntryStatus.Added, snapshotId: SNAP_MAX, sequenceNumber: null, fileSequenceNumber: null, dataFile: dataFile() },
  {
    status: EntryStatus.Existing, snapshotId: SNAP_BIG, sequenceNumber: 4n, fileSequenceNumber: 5n,
    dataFile: dataFile({
      filePath: 's3://bucket/warehouse/db/t/data/window_start_day=null/00000-1.parquet',
      partition: { 1000: null, 1001: null, 1002: null, 1003: null },
      columnSizes: undefined, lowerBounds: undefined, upperBounds: undefined, splitOffsets: null, sortOrderId: null,
      keyMetadata: Uint8Array.from([0xde, 0xad]),
    }),
  },
  { status: EntryStatus.Deleted, snapshotId: SNAP_BIG, sequenceNumber: 1n, fileSequenceNumber: 1n, dataFile: dataFile({ partition: { 1000: -1, 1001: 'ü', 1002: 0, 1003: -10n } }) },
];

function write(overrides: Partial<Parameters<typeof writeManifest>[0]> = {}): Uint8Array {
  return writeManifest({ schema, spec, formatVersion: 2, content: ManifestContent.Data, snapshotId: SNAP_MAX, entries, ...overrides });
}

function fieldsOf(record: AvroSchemaObject | undefined): AvroField[] {
  return record?.fields ?? [];
}

function recordOf(field: AvroField | undefined): AvroSchemaObject {
  let t = field?.type;
  if (Array.isArray(t)) t = t.find((b) => b !== 'null');
  if (typeof t === 'object' && !Array.isArray(t) && t.type === 'array') t = t.items;
  return t as AvroSchemaObject;
}

describe('manifests', () => {
  it('round-trips v2 entries: 63-bit snapshot ids, null partition values, metrics and bounds', () => {
    const { entries: read, metadata } = readManifest(write());
    expect(read).toEqual(entries);
    expect(metadata).toEqual({ schema, spec, specId: 2, formatVersion: 2, content: ManifestContent.Data });
  });

  it('writes the metadata keys Java and PyIceberg write, and deflate by default', () => {
    const file = readAvroContainer(write());
    expect(file.codec).toBe('deflate');
    expect(JSON.parse(file.metadata.schema!)).toEqual(schema);
    expect(file.metadata['schema-id']).toBe('3');
    expect(JSON.parse(file.metadata['partition-spec']!)).toEqual(spec.fields);
    expect(file.metadata['partition-spec-id']).toBe('2');
    expect(file.metadata['format-version']).toBe('2');
    expect(file.metadata.content).toBe('data');
  });

  it('puts the spec field ids in the written Avro schema', () => {
    const avroSchema = readAvroContainer(write()).schema as AvroSchemaObject;
    expect(avroSchema.name).toBe('manifest_entry');
    expect(fieldsOf(avroSchema).map((f) => [f.name, f['field-id']])).toEqual([
      ['status', 0], ['snapshot_id', 1], ['sequence_number', 3], ['file_sequence_number', 4], ['data_file', 2],
    ]);
    const dataFileFields = fieldsOf(recordOf(fieldsOf(avroSchema).find((f) => f.name === 'data_file')));
    expect(dataFileFields.map((f) => [f.name, f['field-id']])).toEqual([
      ['content', 134], ['file_path', 100], ['file_format', 101], ['partition', 102], ['record_count', 103],
      ['file_size_in_bytes', 104], ['column_sizes', 108], ['value_counts', 109], ['null_value_counts', 110],
      ['nan_value_counts', 137], ['lower_bounds', 125], ['upper_bounds', 128], ['key_metadata', 131],
      ['split_offsets', 132], ['equality_ids', 135], ['sort_order_id', 140],
    ]);
    const partition = recordOf(dataFileFields.find((f) => f.name === 'partition'));
    expect(partition.name).toBe('r102');
    expect(fieldsOf(partition).map((f) => [f.name, f['field-id'], f.type])).toEqual([
      ['window_start_day', 1000, ['null', { type: 'int', logicalType: 'date' }]],
      ['meta_x2Eregion', 1001, ['null', 'string']],
      ['image_bucket', 1002, ['null', 'int']],
      ['count_trunc', 1003, ['null', 'long']],
    ]);
    const lowerBounds = dataFileFields.find((f) => f.name === 'lower_bounds')!;
    expect(lowerBounds.type).toEqual(['null', {
      type: 'array', logicalType: 'map',
      items: { type: 'record', name: 'k126_v127', fields: [
        { name: 'key', type: 'int', 'field-id': 126 }, { name: 'value', type: 'bytes', 'field-id': 127 },
      ] },
    }]);
    const splitOffsets = dataFileFields.find((f) => f.name === 'split_offsets')!;
    expect(splitOffsets.type).toEqual(['null', { type: 'array', items: 'long', 'element-id': 133 }]);
  });

  it('fills in the writer snapshot id for added entries that have none', () => {
    const added: ManifestEntry = { ...entries[0]!, snapshotId: null };
    expect(readManifest(write({ entries: [added], snapshotId: SNAP_BIG })).entries[0]!.snapshotId).toBe(SNAP_BIG);
  });

  it('writes and reads v1: block_size_in_bytes, required snapshot ids, sequence numbers read as 0', () => {
    const bytes = write({ formatVersion: 1, entries: [{ ...entries[0]!, snapshotId: SNAP_BIG }] });
    const avroSchema = readAvroContainer(bytes).schema as AvroSchemaObject;
    const dataFileFields = fieldsOf(recordOf(fieldsOf(avroSchema).find((f) => f.name === 'data_file')));
    expect(dataFileFields.map((f) => f.name)).toContain('block_size_in_bytes');
    expect(dataFileFields.map((f) => f.name)).not.toContain('content');
    expect(fieldsOf(avroSchema).find((f) => f.name === 'snapshot_id')!.type).toBe('long');
    const { entries: read, metadata } = readManifest(bytes);
    expect(metadata.formatVersion).toBe(1);
    expect(read).toEqual([{ ...entries[0]!, snapshotId: SNAP_BIG, sequenceNumber: 0n, fileSequenceNumber: 0n }]);
  });

  it('does not write block_size_in_bytes in v2', () => {
    expect(JSON.stringify(readAvroContainer(write()).schema)).not.toContain('block_size_in_bytes');
  });

  it('writes delete manifests with content "deletes" and equality ids', () => {
    const deletes: ManifestEntry = {
      status: EntryStatus.Added, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null,
      dataFile: dataFile({ content: FileContent.EqualityDeletes, equalityIds: [1, 3], sortOrderId: null }),
    };
    const bytes = write({ content: ManifestContent.Deletes, entries: [deletes] });
    expect(readAvroContainer(bytes).metadata.content).toBe('deletes');
    const read = readManifest(bytes);
    expect(read.metadata.content).toBe(ManifestContent.Deletes);
    expect(read.entries[0]!.dataFile.equalityIds).toEqual([1, 3]);
    expect(read.entries[0]!.dataFile.content).toBe(FileContent.EqualityDeletes);
  });

  it('writes an unpartitioned manifest with an empty partition record', () => {
    const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
    const entry = { ...entries[0]!, dataFile: dataFile({ partition: {} }) };
    const { entries: read, metadata } = readManifest(write({ spec: unpartitioned, entries: [entry] }));
    expect(read).toEqual([entry]);
    expect(metadata.spec).toEqual(unpartitioned);
  });

  it('keeps uuid, decimal, binary and timestamp partition values in the forms of spec/values.ts', () => {
    const typed: Schema = {
      type: 'struct', 'schema-id': 0, fields: [
        { id: 1, name: 'u', required: false, type: 'uuid' },
        { id: 2, name: 'd', required: false, type: 'decimal(9, 2)' },
        { id: 3, name: 'b', required: false, type: 'binary' },
        { id: 4, name: 't', required: false, type: 'timestamp' },
        { id: 5, name: 'd2', required: false, type: 'decimal(9, 2)' },
        { id: 6, name: 'f', required: false, type: 'fixed[3]' },
      ],
    };
    const typedSpec: PartitionSpec = {
      'spec-id': 0,
      fields: [1, 2, 3, 4, 5, 6].map((id) => ({ 'source-id': id, 'field-id': 999 + id, name: `p${id}`, transform: 'identity' })),
    };
    const partition = {
      1000: '0f8fad5b-d9cb-469f-a165-70867728950e', 1001: -12345n, 1002: Uint8Array.from([0, 255]),
      1003: -1n, 1004: 99999999n, 1005: Uint8Array.from([1, 2, 3]),
    };
    const entry = { ...entries[0]!, dataFile: dataFile({ partition }) };
    const bytes = write({ schema: typed, spec: typedSpec, entries: [entry] });
    expect(readManifest(bytes).entries[0]!.dataFile.partition).toEqual(partition);
    // Both decimal fields share the named fixed type decimal_9_2: the second refers to it by name.
    const text = readAvroContainer(bytes).metadata['avro.schema']!;
    expect(text.match(/"name":"decimal_9_2"/g)).toHaveLength(1);
    expect(() => write({ schema: typed, spec: typedSpec, entries: [{ ...entry, dataFile: dataFile({ partition: { 1001: 10n ** 12n } }) }] }))
      .toThrow(/does not fit decimal\(9, 2\)/);
  });

  it('refuses entries that would make a wrong manifest', () => {
    expect(() => write({ entries: [{ ...entries[0]!, dataFile: dataFile({ partition: { 1999: 1 } }) }] })).toThrow(/partition field 1999/);
    expect(() => write({ entries: [{ ...entries[1]!, sequenceNumber: null }] })).toThrow(/sequence numbers/);
    expect(() => write({ entries: [{ ...entries[1]!, snapshotId: null }] })).toThrow(/snapshot id/);
    expect(() => write({ content: ManifestContent.Deletes })).toThrow(/data file cannot go into a delete manifest/);
    expect(() => write({ entries: [{ ...entries[0]!, dataFile: dataFile({ partition: { 1000: 1.5 } }) }] })).toThrow();
    expect(() => write({ spec: { 'spec-id': 9, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'x', transform: 'zorder' }] } }))
      .toThrow(/transform "zorder"/);
  });

  it('reads files from other writers: unknown fields, renamed fields (matched by id), lower-case formats', () => {
    // A v2 manifest as a newer writer might make it: extra data_file fields (v3's first_row_id,
    // referenced_data_file, one nobody knows) and an extra entry field, names differing from
    // the spec's where the id is the same, the partition field renamed.
    const extraField = (name: string, id: number, type: AvroField['type']): AvroField => ({ name, type: ['null', type], default: null, 'field-id': id });
    const fields: AvroField[] = [
      { name: 'status', type: 'int', 'field-id': 0 },
      extraField('snapshot_id', 1, 'long'),
      extraField('sequence_number', 3, 'long'),
      extraField('file_sequence_number', 4, 'long'),
      extraField('future_entry_field', 9999, { type: 'record', name: 'future', fields: [{ name: 'x', type: 'string' }] }),
      {
        name: 'data_file', 'field-id': 2, type: {
          type: 'record', name: 'r2', fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            { name: 'partition', 'field-id': 102, type: { type: 'record', name: 'r102', fields: [
              { name: 'day_renamed', type: ['null', { type: 'int', logicalType: 'date' }], 'field-id': 1000 },
            ] } },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            extraField('first_row_id', 142, 'long'),
            extraField('referenced_data_file', 143, 'string'),
            extraField('mystery', 4242, { type: 'map', values: 'string' }),
          ],
        },
      },
    ];
    const bytes = writeAvroContainer({
      schema: { type: 'record', name: 'manifest_entry', fields },
      metadata: { schema: JSON.stringify(schema), 'partition-spec': JSON.stringify([spec.fields[0]]), 'partition-spec-id': '7', 'format-version': '2', content: 'data' },
      records: [{
        status: 1, snapshot_id: SNAP_BIG, sequence_number: null, file_sequence_number: null, future_entry_field: { x: 'y' },
        data_file: {
          content: 0, path: 's3://b/t/data/f.parquet', file_format: 'parquet', partition: { day_renamed: 19844 },
          record_count: 10n, file_size_in_bytes: 2000n, first_row_id: 5n, referenced_data_file: null, mystery: { a: 'b' },
        },
      }],
    });
    const { entries: read, metadata } = readManifest(bytes);
    expect(metadata.specId).toBe(7);
    expect(read).toEqual([{
      status: EntryStatus.Added, snapshotId: SNAP_BIG, sequenceNumber: null, fileSequenceNumber: null,
      dataFile: {
        content: 0, filePath: 's3://b/t/data/f.parquet', fileFormat: 'PARQUET', partition: { 1000: 19844 },
        recordCount: 10n, fileSizeInBytes: 2000n,
        keyMetadata: null, splitOffsets: null, equalityIds: null, sortOrderId: null,
      },
    }]);
  });

  it('inherits snapshot id and sequence numbers from the manifest list (added entries only)', () => {
    const manifest = { addedSnapshotId: SNAP_MAX, sequenceNumber: 12n } as ManifestFile;
    const [added, existing] = readManifest(write()).entries.map((e) => inheritFromManifest({ ...e, snapshotId: null }, manifest));
    expect(added).toMatchObject({ snapshotId: SNAP_MAX, sequenceNumber: 12n, fileSequenceNumber: 12n });
    expect(existing).toMatchObject({ snapshotId: SNAP_MAX, sequenceNumber: 4n, fileSequenceNumber: 5n });
  });
});
