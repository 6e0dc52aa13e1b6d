import { describe, expect, it } from 'vitest';
import { DELETE_FILE_PATH_ID, DeleteIndex, UnsupportedDeletesError } from '../../../../core/iceberg/read/delete-index.ts';
import { toBytes } from '../../../../core/iceberg/spec/bounds.ts';
import { FileContent, type DataFile, type TableMetadata } from '../../../../core/iceberg/spec/types.ts';

const md = {
  location: 's3://b/t', 'format-version': 2,
  'partition-specs': [
    { 'spec-id': 0, fields: [] },
    { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day', transform: 'day' }] },
  ],
} as unknown as TableMetadata;

const file = (path: string, content: FileContent, day: number | null, extra: Partial<DataFile> = {}): DataFile => ({
  content, filePath: path, fileFormat: 'PARQUET', partition: day === null ? {} : { 1000: day }, recordCount: 1n, fileSizeInBytes: 1n, ...extra,
});

describe('which delete files apply to a data file', () => {
  const index = new DeleteIndex(md);
  index.add({ file: file('pos-day1.parquet', FileContent.PositionDeletes, 1), specId: 1, sequenceNumber: 5n });
  index.add({ file: file('eq-day1.parquet', FileContent.EqualityDeletes, 1, { equalityIds: [3] }), specId: 1, sequenceNumber: 5n });
  index.add({ file: file('eq-global.parquet', FileContent.EqualityDeletes, null, { equalityIds: [3] }), specId: 0, sequenceNumber: 7n });
  const bounded = (p: string) => toBytes('string', p);
  index.add({
    file: file('pos-one.parquet', FileContent.PositionDeletes, 1, {
      lowerBounds: new Map([[DELETE_FILE_PATH_ID, bounded('s3://b/t/data/m.parquet')]]), upperBounds: new Map([[DELETE_FILE_PATH_ID, bounded('s3://b/t/data/m.parquet')]]),
    }),
    specId: 1, sequenceNumber: 9n,
  });
  const applying = (day: number, seq: bigint, path = 's3://b/t/data/x.parquet') =>
    index.forDataFile(file(path, FileContent.Data, day), 1, seq).map((d) => d.file.filePath).sort();

  it('applies position deletes to data of the same partition with a lower or equal sequence number', () => {
    expect(applying(1, 5n)).toEqual(['eq-global.parquet', 'pos-day1.parquet']);
    expect(applying(1, 4n)).toEqual(['eq-day1.parquet', 'eq-global.parquet', 'pos-day1.parquet']);
    expect(applying(1, 6n)).toEqual(['eq-global.parquet']);
  });

  it('applies equality deletes only to older data, in their partition or (unpartitioned spec) everywhere', () => {
    expect(applying(2, 1n)).toEqual(['eq-global.parquet']);
    expect(applying(1, 7n)).toEqual([]);
    expect(index.forDataFile(file('u.parquet', FileContent.Data, null), 0, 1n).map((d) => d.file.filePath)).toEqual(['eq-global.parquet']);
  });

  it('skips position delete files whose file_path bounds exclude the data file', () => {
    expect(applying(1, 8n, 's3://b/t/data/m.parquet')).toEqual(['pos-one.parquet']);
    expect(applying(1, 8n, 's3://b/t/data/n.parquet')).toEqual([]);
  });

  it('applies a deletion vector to the one data file it references, at a lower or equal sequence number', () => {
    const dvs = new DeleteIndex(md);
    const dv = file('dvs.puffin', FileContent.PositionDeletes, 1, {
      fileFormat: 'PUFFIN', referencedDataFile: 's3://b/t/data/m.parquet', contentOffset: 4n, contentSizeInBytes: 40n,
    });
    dvs.add({ file: dv, specId: 1, sequenceNumber: 6n });
    const applying = (path: string, seq: bigint) => dvs.forDataFile(file(path, FileContent.Data, 1), 1, seq).map((d) => d.file.filePath);
    expect(applying('s3://b/t/data/m.parquet', 6n)).toEqual(['dvs.puffin']);
    expect(applying('s3://b/t/data/m.parquet', 7n)).toEqual([]);
    expect(applying('s3://b/t/data/n.parquet', 1n)).toEqual([]);
  });

  it('refuses delete files it cannot read, before any row is returned', () => {
    const fresh = new DeleteIndex(md);
    const add = (f: DataFile) => () => fresh.add({ file: f, specId: 1, sequenceNumber: 1n });
    expect(add(file('d.avro', FileContent.PositionDeletes, 1, { fileFormat: 'AVRO' }))).not.toThrow();
    expect(add(file('e.avro', FileContent.EqualityDeletes, 1, { fileFormat: 'AVRO', equalityIds: [3] }))).toThrow(UnsupportedDeletesError);
    expect(add(file('e.avro', FileContent.EqualityDeletes, 1, { fileFormat: 'AVRO', equalityIds: [3] }))).toThrow(/AVRO delete file e\.avro; Floe reads Parquet delete files, Avro position deletes and deletion vectors/);
    expect(add(file('d.orc', FileContent.PositionDeletes, 1, { fileFormat: 'ORC' }))).toThrow(/ORC delete file d\.orc/);
    expect(add(file('dv.puffin', FileContent.PositionDeletes, 1, { fileFormat: 'PUFFIN' }))).toThrow(/Puffin delete file dv\.puffin is not a deletion vector/);
    expect(add(file('e.parquet', FileContent.EqualityDeletes, 1))).toThrow(/names no equality columns/);
    expect(() => fresh.add({ file: file('x.parquet', FileContent.PositionDeletes, 1), specId: 9, sequenceNumber: 1n })).toThrow(/partition spec 9/);
  });
});
