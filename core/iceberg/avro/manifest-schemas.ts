/**
 * The Avro schemas of `manifest_entry` (manifests) and `manifest_file` (manifest lists), v1 and
 * v2, with the field ids of the spec ("Manifests", "Manifest Lists"). Record names follow Java's
 * (`r2`, `r102`, `r508`, `k117_v118`) so that our files look like theirs.
 */
import type { AvroField, AvroSchema, AvroSchemaObject } from './avro-schema.ts';

export type FormatVersion = 1 | 2;

/** v1's required block_size_in_bytes, which no reader uses: Java writes 64 MB. */
export const V1_BLOCK_SIZE = 64n * 1024n * 1024n;

function required(id: number, name: string, type: AvroSchema): AvroField {
  return { name, type, 'field-id': id };
}

function optional(id: number, name: string, type: AvroSchema): AvroField {
  return { name, type: ['null', type], default: null, 'field-id': id };
}

function list(elementId: number, items: AvroSchema): AvroSchemaObject {
  return { type: 'array', items, 'element-id': elementId };
}

/** An int-keyed map: Avro maps need string keys, so Iceberg writes an array of key/value records. */
function intMap(keyId: number, valueId: number, value: AvroSchema): AvroSchemaObject {
  return {
    type: 'array',
    logicalType: 'map',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [required(keyId, 'key', 'int'), required(valueId, 'value', value)],
    },
  };
}

/** The `manifest_entry` schema, its partition record from `partitionRecordSchema`. */
export function manifestEntrySchema(formatVersion: FormatVersion, partition: AvroSchemaObject): AvroSchemaObject {
  const v2 = formatVersion === 2;
  const dataFile: AvroField[] = [
    ...(v2 ? [required(134, 'content', 'int')] : []),
    required(100, 'file_path', 'string'),
    required(101, 'file_format', 'string'),
    required(102, 'partition', partition),
    required(103, 'record_count', 'long'),
    required(104, 'file_size_in_bytes', 'long'),
    ...(v2 ? [] : [required(105, 'block_size_in_bytes', 'long')]),
    optional(108, 'column_sizes', intMap(117, 118, 'long')),
    optional(109, 'value_counts', intMap(119, 120, 'long')),
    optional(110, 'null_value_counts', intMap(121, 122, 'long')),
    optional(137, 'nan_value_counts', intMap(138, 139, 'long')),
    optional(125, 'lower_bounds', intMap(126, 127, 'bytes')),
    optional(128, 'upper_bounds', intMap(129, 130, 'bytes')),
    optional(131, 'key_metadata', 'bytes'),
    optional(132, 'split_offsets', list(133, 'long')),
    ...(v2 ? [optional(135, 'equality_ids', list(136, 'int'))] : []),
    optional(140, 'sort_order_id', 'int'),
  ];
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required(0, 'status', 'int'),
      v2 ? optional(1, 'snapshot_id', 'long') : required(1, 'snapshot_id', 'long'),
      ...(v2 ? [optional(3, 'sequence_number', 'long'), optional(4, 'file_sequence_number', 'long')] : []),
      required(2, 'data_file', { type: 'record', name: 'r2', fields: dataFile }),
    ],
  };
}

/** The `manifest_file` schema of a manifest list. */
export function manifestFileSchema(formatVersion: FormatVersion): AvroSchemaObject {
  const v2 = formatVersion === 2;
  // v1 allowed the counts to be missing ("assumed non-zero"); v2 requires them.
  const count = v2 ? required : optional;
  const fieldSummary: AvroSchemaObject = {
    type: 'record',
    name: 'r508',
    fields: [
      required(509, 'contains_null', 'boolean'),
      optional(518, 'contains_nan', 'boolean'),
      optional(510, 'lower_bound', 'bytes'),
      optional(511, 'upper_bound', 'bytes'),
    ],
  };
  return {
    type: 'record',
    name: 'manifest_file',
    fields: [
      required(500, 'manifest_path', 'string'),
      required(501, 'manifest_length', 'long'),
      required(502, 'partition_spec_id', 'int'),
      ...(v2
        ? [required(517, 'content', 'int'), required(515, 'sequence_number', 'long'), required(516, 'min_sequence_number', 'long')]
        : []),
      required(503, 'added_snapshot_id', 'long'),
      count(504, 'added_files_count', 'int'),
      count(505, 'existing_files_count', 'int'),
      count(506, 'deleted_files_count', 'int'),
      count(512, 'added_rows_count', 'long'),
      count(513, 'existing_rows_count', 'long'),
      count(514, 'deleted_rows_count', 'long'),
      optional(507, 'partitions', list(508, fieldSummary)),
      optional(519, 'key_metadata', 'bytes'),
    ],
  };
}
