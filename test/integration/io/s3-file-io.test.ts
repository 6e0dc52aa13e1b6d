import { afterAll, describe, expect, it } from 'vitest';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, NotFoundError, type FileInfo } from '../../../core/io/file-io.ts';
import { S3FileIO } from '../../../core/io/s3-file-io.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';

const bed = testBed();
const config = {
  endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true,
  accessKeyId: bed.s3.accessKeyId, secretAccessKey: bed.s3.secretAccessKey,
};
const MiB = 1024 * 1024;
// The smallest part S3 allows, so ~12 MB makes three parts; small list pages to exercise paging.
const io = new S3FileIO(config, { partSize: 5 * MiB, listPageSize: 7 });
const prefix = `s3://${bed.s3.bucket}/${uniqueName('s3-file-io')}`;
const at = (name: string) => `${prefix}/${name}`;
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const utf8 = (s: string) => new TextEncoder().encode(s);

async function collect(iterable: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const all: FileInfo[] = [];
  for await (const info of iterable) all.push(info);
  return all;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** The names of the commands the client sends from now on, to see which path an upload took. */
function recordCommands(client: S3Client): string[] {
  const sent: string[] = [];
  client.middlewareStack.add((next, context) => (args) => {
    sent.push(context.commandName ?? 'unknown');
    return next(args);
  }, { step: 'initialize', name: 'recordCommandsForTest' });
  return sent;
}
const sent = recordCommands(io.client);

async function pendingUploads(keyPrefix: string): Promise<string[]> {
  const answer = await io.client.send(new ListMultipartUploadsCommand({ Bucket: bed.s3.bucket, Prefix: keyPrefix }));
  return (answer.Uploads ?? []).map((u) => u.Key ?? '');
}

/** `total` bytes in chunks of `chunk`, optionally throwing once `failAt` bytes have gone out. */
async function* chunks(data: Uint8Array, chunk: number, failAt = Infinity): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < data.length; start += chunk) {
    if (start >= failAt) throw new Error('source broke halfway');
    yield data.subarray(start, Math.min(start + chunk, data.length));
  }
}

afterAll(async () => {
  // The bed's bucket outlives this file: leave it as it was found.
  await io.delete((await collect(io.list(`${prefix}/`))).map((f) => f.path));
  io.destroy();
});

describe('S3FileIO against a real S3 server', () => {
  it('retries with the SDK standard strategy, five attempts by default', async () => {
    const plain = new S3FileIO(config);
    try {
      expect(await plain.client.config.maxAttempts()).toBe(5);
      expect(await plain.client.config.retryStrategy()).toMatchObject({ mode: 'standard' });
    } finally {
      plain.destroy();
    }
  });

  it('writes an object and reads back the same bytes, with its size from stat', async () => {
    const path = at('round-trip/hello.json');
    await io.write(path, utf8('{"hello":"floe ✓"}'), { contentType: 'application/json' });
    expect(text(await io.read(path))).toBe('{"hello":"floe ✓"}');
    const info = await io.stat(path);
    expect(info).toMatchObject({ path, size: utf8('{"hello":"floe ✓"}').length });
    expect(info!.lastModified.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
  });

  it('reads byte ranges, footer-style tails, and a range running past the end', async () => {
    const path = at('ranges/data.bin');
    const data = randomBytes(1000);
    await io.write(path, data);
    expect(Buffer.from(await io.readRange(path, 10, 20)).equals(data.subarray(10, 30))).toBe(true);
    // How a Parquet reader finds its footer: the last 8 bytes, then the footer before them.
    expect(Buffer.from(await io.readRange(path, 992, 8)).equals(data.subarray(992))).toBe(true);
    expect(Buffer.from(await io.readRange(path, 990, 100)).equals(data.subarray(990))).toBe(true);
    expect((await io.readRange(path, 1000, 10)).length).toBe(0);
    expect((await io.readRange(path, 5000, 10)).length).toBe(0);
    expect((await io.readRange(path, 0, 0)).length).toBe(0);
  });

  it('reports a missing object as null from stat and NotFoundError naming the path from reads', async () => {
    const path = at('missing/nothing.avro');
    expect(await io.stat(path)).toBeNull();
    const read = io.read(path);
    await expect(read).rejects.toBeInstanceOf(NotFoundError);
    await expect(read).rejects.toThrow(path);
    await expect(io.readRange(path, 0, 4)).rejects.toBeInstanceOf(NotFoundError);
    await expect(io.readRange(path, 0, 0)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to overwrite with ifAbsent and leaves the first object unchanged', async () => {
    const path = at('if-absent/v1.metadata.json');
    await io.write(path, utf8('first'), { ifAbsent: true });
    const second = io.write(path, utf8('second'), { ifAbsent: true });
    await expect(second).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(second).rejects.toThrow(path);
    expect(text(await io.read(path))).toBe('first');
    await io.write(path, utf8('replaced'));
    expect(text(await io.read(path))).toBe('replaced');
  });

  it('refuses ifAbsent on writeStream too, for one-part and multipart streams', async () => {
    const small = at('if-absent/small.bin');
    await io.writeStream(small, chunks(utf8('one'), 2), { ifAbsent: true });
    await expect(io.writeStream(small, chunks(utf8('two'), 2), { ifAbsent: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(text(await io.read(small))).toBe('one');

    const big = at('if-absent/big.bin');
    await io.write(big, utf8('already here'));
    const data = randomBytes(11 * MiB);
    await expect(io.writeStream(big, chunks(data, 64 * 1024), { ifAbsent: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(text(await io.read(big))).toBe('already here');
    expect(await pendingUploads(big.slice(`s3://${bed.s3.bucket}/`.length))).toEqual([]);
  });

  it('streams ~12 MB from many small chunks as a multipart upload, byte for byte', async () => {
    const path = at('stream/big.parquet');
    const data = randomBytes(12 * MiB + 12345);
    sent.length = 0;
    const written = await io.writeStream(path, chunks(data, 16 * 1024));
    expect(written).toBe(data.length);
    expect(sent.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect((await io.stat(path))?.size).toBe(data.length);
    expect(Buffer.from(await io.read(path)).equals(data)).toBe(true);
    // Across the first part boundary, to catch a misordered or duplicated part.
    expect(Buffer.from(await io.readRange(path, 5 * MiB - 4, 8)).equals(data.subarray(5 * MiB - 4, 5 * MiB + 4))).toBe(true);
  });

  it('streams a small or empty source as one object', async () => {
    const path = at('stream/small.txt');
    sent.length = 0;
    expect(await io.writeStream(path, chunks(utf8('a small stream'), 3))).toBe(14);
    expect(sent).toEqual(['PutObjectCommand']);
    expect(text(await io.read(path))).toBe('a small stream');
    const empty = at('stream/empty.txt');
    expect(await io.writeStream(empty, chunks(new Uint8Array(0), 3))).toBe(0);
    expect(await io.stat(empty)).toMatchObject({ size: 0 });
  });

  it('leaves nothing behind when the source throws halfway through a multipart upload', async () => {
    const path = at('stream/broken.parquet');
    const data = randomBytes(12 * MiB);
    sent.length = 0;
    await expect(io.writeStream(path, chunks(data, 64 * 1024, 11 * MiB))).rejects.toThrow('source broke halfway');
    expect(sent).toContain('UploadPartCommand');
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(await io.stat(path)).toBeNull();
    expect(await pendingUploads(path.slice(`s3://${bed.s3.bucket}/`.length))).toEqual([]);
  });

  it('stops at once on abort, even while the source waits, and leaves nothing behind', async () => {
    const path = at('stream/aborted.parquet');
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield randomBytes(6 * MiB); // a whole part, so a multipart upload is under way
      controller.abort(new Error('user cancelled the run'));
      await new Promise(() => undefined); // never yields again
    }
    sent.length = 0;
    await expect(io.writeStream(path, stalls(), { signal: controller.signal })).rejects.toThrow('user cancelled the run');
    expect(sent).toContain('CreateMultipartUploadCommand');
    expect(await io.stat(path)).toBeNull();
    expect(await pendingUploads(path.slice(`s3://${bed.s3.bucket}/`.length))).toEqual([]);
  });

  it('lists every object under a prefix across pages, in key order', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `list/part-${String(i).padStart(3, '0')}.parquet`);
    await Promise.all(names.map((name) => io.write(at(name), utf8(name))));
    await io.write(at('list-other/not-me.txt'), utf8('x'));
    const listed = await collect(io.list(at('list/')));
    expect(listed.map((f) => f.path)).toEqual(names.map(at));
    expect(listed[3]).toMatchObject({ size: names[3]!.length });
    // A prefix is a string prefix, not a directory: "list" also matches "list-other/".
    expect((await collect(io.list(at('list')))).length).toBe(31);
  });

  it('lists in the scheme the caller used (s3a:// in, s3a:// out)', async () => {
    await io.write(at('scheme/a.txt'), utf8('a'));
    const s3a = prefix.replace(/^s3:/, 's3a:');
    const listed = await collect(io.list(`${s3a}/scheme/`));
    expect(listed.map((f) => f.path)).toEqual([`${s3a}/scheme/a.txt`]);
    expect(text(await io.read(listed[0]!.path))).toBe('a');
    expect(await io.stat(`${s3a}/scheme/a.txt`)).toMatchObject({ path: `${s3a}/scheme/a.txt` });
  });

  it('deletes present objects and ignores absent ones', async () => {
    await io.write(at('delete/keep.txt'), utf8('keep'));
    await io.write(at('delete/a.txt'), utf8('a'));
    await io.write(at('delete/b.txt'), utf8('b'));
    await io.delete([at('delete/a.txt'), at('delete/never-was.txt'), at('delete/b.txt')]);
    expect((await collect(io.list(at('delete/')))).map((f) => f.path)).toEqual([at('delete/keep.txt')]);
    await io.delete([]);
  });

  it('lists and deletes past S3\'s 1000-key page and batch limits', async () => {
    const defaults = new S3FileIO(config);
    const sentByDefaults = recordCommands(defaults.client);
    try {
      const paths = Array.from({ length: 1005 }, (_, i) => at(`many/k${String(i).padStart(5, '0')}`));
      for (let i = 0; i < paths.length; i += 50) await Promise.all(paths.slice(i, i + 50).map((p) => defaults.write(p, utf8('1'))));
      sentByDefaults.length = 0;
      expect((await collect(defaults.list(at('many/')))).map((f) => f.path)).toEqual(paths);
      expect(sentByDefaults.filter((name) => name === 'ListObjectsV2Command')).toHaveLength(2);
      await defaults.delete(paths);
      expect(sentByDefaults.filter((name) => name === 'DeleteObjectsCommand')).toHaveLength(2);
      expect(await collect(defaults.list(at('many/')))).toEqual([]);
    } finally {
      defaults.destroy();
    }
  });

  it('names the operation and location in errors and never shows the secret key', async () => {
    const wrongKey = new S3FileIO({ ...config, secretAccessKey: 'not-the-secret-floe' }, { maxAttempts: 1 });
    try {
      const failure = await failureOf(wrongKey.read(at('round-trip/hello.json')));
      expect(failure.message).toContain(`S3 GetObject ${at('round-trip/hello.json')} failed:`);
      expect(failure.message).not.toContain('not-the-secret-floe');
      // A HEAD answer has no body to explain itself; the message still says what the status means.
      const headFailure = await failureOf(wrongKey.stat(at('round-trip/hello.json')));
      expect(headFailure.message).toMatch(/^S3 HeadObject s3:.* failed: Forbidden .*HTTP 403/);
    } finally {
      wrongKey.destroy();
    }
    const noBucket = `s3://${uniqueName('no-such-bucket')}/x.json`;
    await expect(io.read(noBucket)).rejects.toBeInstanceOf(NotFoundError);
    await expect(io.read(noBucket)).rejects.toThrow(noBucket);
  });
});
