import { describe, expect, it } from 'vitest';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { testBed, uniqueName } from '../../services/testbed.ts';

const bed = testBed();
const s3 = new S3Client({
  endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true,
  credentials: { accessKeyId: bed.s3.accessKeyId, secretAccessKey: bed.s3.secretAccessKey },
});
const Bucket = bed.s3.bucket;
const prefix = uniqueName('s3-smoke');
const bytes = async (key: string, Range?: string) =>
  Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: key, Range }))).Body!.transformToByteArray());

describe('test bed: S3 server', () => {
  it('puts, gets, heads and deletes an object in the bucket', async () => {
    const Key = `${prefix}/hello.txt`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello floe' }));
    expect((await bytes(Key)).toString()).toBe('hello floe');
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength).toBe(10);
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('lists by prefix across pages', async () => {
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `${prefix}/list/k${i}`, Body: String(i) }));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${prefix}/list/`, MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}/list/k${i}`));
  });

  it('stores a multipart upload byte for byte and serves ranged and suffix reads of it', async () => {
    const Key = `${prefix}/big.bin`;
    const body = randomBytes(12 * 1024 * 1024);
    await new Upload({ client: s3, params: { Bucket, Key, Body: body }, partSize: 5 * 1024 * 1024 }).done();
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toMatch(/-3"$/); // three parts
    expect((await bytes(Key)).equals(body)).toBe(true);
    const boundary = 5 * 1024 * 1024;
    expect((await bytes(Key, `bytes=${boundary - 8}-${boundary + 7}`)).equals(body.subarray(boundary - 8, boundary + 8))).toBe(true);
    expect((await bytes(Key, 'bytes=-8')).equals(body.subarray(body.length - 8))).toBe(true);
  });

  it('refuses to overwrite an existing key when asked to write only if absent', async () => {
    const Key = `${prefix}/once.json`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'first', IfNoneMatch: '*' }));
    await expect(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'second', IfNoneMatch: '*' })))
      .rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await bytes(Key)).toString()).toBe('first');
  });
});
