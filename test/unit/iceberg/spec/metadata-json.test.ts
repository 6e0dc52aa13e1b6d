import { describe, expect, it } from 'vitest';
import { parseTableMetadata, serializeTableMetadata } from '../../../../core/iceberg/spec/metadata-json.ts';

const v2 = `{
  "format-version": 2, "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1", "location": "s3://b/t",
  "last-sequence-number": 34, "last-updated-ms": 1602638573590, "last-column-id": 3,
  "current-schema-id": 1,
  "schemas": [{"type": "struct", "schema-id": 1, "fields": [{"id": 1, "name": "x", "required": true, "type": "long"}]}],
  "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": []}], "last-partition-id": 999,
  "default-sort-order-id": 0, "sort-orders": [{"order-id": 0, "fields": []}],
  "properties": {"owner": "floe"},
  "current-snapshot-id": 8333333333333333333,
  "snapshots": [{"snapshot-id": 8333333333333333333, "parent-snapshot-id": 9223372036854775807, "sequence-number": 34,
    "timestamp-ms": 1602638573590, "manifest-list": "s3://b/t/metadata/snap.avro", "summary": {"operation": "append"}, "schema-id": 1}],
  "snapshot-log": [{"snapshot-id": 8333333333333333333, "timestamp-ms": 1602638573590}],
  "metadata-log": [], "refs": {"main": {"snapshot-id": 8333333333333333333, "type": "branch"}},
  "statistics": [{"snapshot-id": 8333333333333333333, "statistics-path": "s3://b/t/stats.puffin", "file-size-in-bytes": 1, "file-footer-size-in-bytes": 1, "blob-metadata": []}]
}`;

describe('table metadata JSON', () => {
  it('keeps 63-bit snapshot ids exact (JSON.parse would round them)', () => {
    const md = parseTableMetadata(v2);
    expect(md['current-snapshot-id']).toBe(8333333333333333333n);
    expect(md.snapshots[0]!['parent-snapshot-id']).toBe(9223372036854775807n);
    expect(md.refs.main!['snapshot-id']).toBe(8333333333333333333n);
    expect(md['last-sequence-number']).toBe(34n);
  });

  it('round-trips with unknown fields kept as they were', () => {
    const again = parseTableMetadata(serializeTableMetadata(parseTableMetadata(v2)));
    expect(again).toEqual(parseTableMetadata(v2));
    expect(serializeTableMetadata(again)).toContain('"statistics-path":"s3://b/t/stats.puffin"');
    expect(serializeTableMetadata(again)).toContain('"current-snapshot-id":8333333333333333333');
  });

  it('normalizes v1 metadata (single schema and spec, -1 for no snapshot) to the v2 shape', () => {
    const v1 = parseTableMetadata(JSON.stringify({
      'format-version': 1, 'table-uuid': 'u', location: 'file:/tmp/t', 'last-updated-ms': 1, 'last-column-id': 1,
      schema: { type: 'struct', fields: [{ id: 1, name: 'x', required: false, type: 'int' }] },
      'partition-spec': [{ name: 'x', transform: 'identity', 'source-id': 1, 'field-id': 1000 }],
      properties: {}, 'current-snapshot-id': -1, snapshots: [],
    }));
    expect(v1.schemas).toEqual([{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', required: false, type: 'int' }] }]);
    expect(v1['partition-specs']).toEqual([{ 'spec-id': 0, fields: [{ name: 'x', transform: 'identity', 'source-id': 1, 'field-id': 1000 }] }]);
    expect(v1['last-partition-id']).toBe(1000);
    expect(v1['current-snapshot-id']).toBeNull();
    expect(v1['last-sequence-number']).toBe(0n);
    expect(v1.refs).toEqual({});
  });

  it('writes -1 for a table without snapshots, which every reader accepts', () => {
    const md = parseTableMetadata(v2);
    md['current-snapshot-id'] = null;
    expect(serializeTableMetadata(md)).toContain('"current-snapshot-id":-1');
  });

  it('says which file is broken and why', () => {
    expect(() => parseTableMetadata('{"format-version": 4}', 's3://b/m.json')).toThrow(/s3:\/\/b\/m.json.*format-version 4 is not supported \(Floe reads 1 to 3\)/);
    expect(() => parseTableMetadata('{', 's3://b/m.json')).toThrow(/s3:\/\/b\/m.json/);
  });
});
