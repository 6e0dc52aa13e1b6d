import { afterAll, describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../../core/io/local-file-io.ts';
import { S3FileIO } from '../../../core/io/s3-file-io.ts';
import {
  UnsupportedLocationError, fileIOFor, joinLocation, parseLocation, releaseFileIOs,
} from '../../../core/io/resolve-file-io.ts';

const s3 = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accessKeyId: 'ak', secretAccessKey: 'sk', forcePathStyle: true };

afterAll(() => releaseFileIOs());

describe('parseLocation', () => {
  it('takes S3 locations apart in all three spellings', () => {
    expect(parseLocation('s3://lake/warehouse/db/t/metadata/v1.json'))
      .toEqual({ scheme: 's3', bucket: 'lake', key: 'warehouse/db/t/metadata/v1.json', schemePrefix: 's3://' });
    expect(parseLocation('s3a://lake/k')).toEqual({ scheme: 's3', bucket: 'lake', key: 'k', schemePrefix: 's3a://' });
    expect(parseLocation('s3n://lake/k')).toMatchObject({ scheme: 's3', bucket: 'lake', key: 'k', schemePrefix: 's3n://' });
    expect(parseLocation('S3://lake/k')).toMatchObject({ scheme: 's3', bucket: 'lake', key: 'k' });
    expect(parseLocation('s3://lake')).toMatchObject({ bucket: 'lake', key: '' });
    expect(parseLocation('s3://lake/')).toMatchObject({ bucket: 'lake', key: '' });
  });

  it('takes file URIs (file:///, Java file:/, file://localhost/) and absolute paths', () => {
    expect(parseLocation('file:///tmp/wh/t')).toEqual({ scheme: 'file', path: '/tmp/wh/t', schemePrefix: 'file://' });
    expect(parseLocation('file:/tmp/wh/t')).toEqual({ scheme: 'file', path: '/tmp/wh/t', schemePrefix: 'file:' });
    expect(parseLocation('file://localhost/tmp/x')).toEqual({ scheme: 'file', path: '/tmp/x', schemePrefix: 'file://localhost' });
    expect(parseLocation('/tmp/wh/t')).toEqual({ scheme: 'file', path: '/tmp/wh/t', schemePrefix: '' });
    // taken literally: Iceberg writers put raw paths, not percent-encoded ones, in file: URIs
    expect(parseLocation('file:///tmp/a%20b')).toMatchObject({ path: '/tmp/a%20b' });
  });

  it('says which schemes are supported when given another', () => {
    for (const bad of ['gs://bucket/key', 'abfss://c@acct.dfs.core.windows.net/x', 'hdfs://nn/wh', 'http://host/x']) {
      expect(() => parseLocation(bad)).toThrow(UnsupportedLocationError);
      expect(() => parseLocation(bad)).toThrow(/s3:\/\/, s3a:\/\/, s3n:\/\/, file:/);
    }
    expect(() => parseLocation('gs://bucket/key')).toThrow('"gs:"');
  });

  it('rejects malformed and relative locations with the reason', () => {
    expect(() => parseLocation('s3:///key')).toThrow(/no bucket/);
    expect(() => parseLocation('s3:/lake/key')).toThrow(/s3:\/\/bucket/);
    expect(() => parseLocation('warehouse/db')).toThrow(/not an absolute path/);
    expect(() => parseLocation('file:relative/x')).toThrow(/absolute/);
    expect(() => parseLocation('file://otherhost/share/x')).toThrow(/another host/);
    expect(() => parseLocation('')).toThrow(UnsupportedLocationError);
  });
});

describe('joinLocation', () => {
  it('joins with exactly one slash at each seam', () => {
    expect(joinLocation('s3://lake/wh', 'db', 't')).toBe('s3://lake/wh/db/t');
    expect(joinLocation('s3://lake/wh/', '/db/', '//t')).toBe('s3://lake/wh/db/t');
    expect(joinLocation('s3a://lake/wh//', 'metadata/v1.json')).toBe('s3a://lake/wh/metadata/v1.json');
    expect(joinLocation('file:/tmp/wh', 'a')).toBe('file:/tmp/wh/a');
  });

  it('keeps a trailing slash on the last part and skips empty parts', () => {
    expect(joinLocation('s3://lake', 'wh', 'db/')).toBe('s3://lake/wh/db/');
    expect(joinLocation('s3://lake/wh', '', 'x')).toBe('s3://lake/wh/x');
    expect(joinLocation('s3://lake/wh')).toBe('s3://lake/wh');
  });

  it('keeps roots intact', () => {
    expect(joinLocation('/', 'tmp')).toBe('/tmp');
    expect(joinLocation('file:///', 'tmp')).toBe('file:///tmp');
    expect(joinLocation('file:/', 'tmp')).toBe('file:/tmp');
  });
});

describe('fileIOFor', () => {
  it('gives the local filesystem for file locations, with or without S3 settings', () => {
    expect(fileIOFor('file:///tmp/wh', {})).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('/tmp/wh', { s3 })).toBe(fileIOFor('file:/tmp/x', {}));
  });

  it('gives one S3FileIO per distinct S3 configuration, whatever the S3 spelling', () => {
    const first = fileIOFor('s3://lake/wh', { s3 });
    expect(first).toBeInstanceOf(S3FileIO);
    expect(fileIOFor('s3a://lake/other', { s3: { ...s3 } })).toBe(first);
    expect(fileIOFor('s3n://lake/other', { s3: { ...s3, region: 'eu-west-1' } })).not.toBe(first);
  });

  it('says an S3 location needs an S3 connection, and rejects unsupported schemes', () => {
    expect(() => fileIOFor('s3://lake/wh', {})).toThrow(/s3:\/\/lake\/wh is on S3, but no S3 connection is configured/);
    expect(() => fileIOFor('gs://lake/wh', { s3 })).toThrow(UnsupportedLocationError);
  });
});
