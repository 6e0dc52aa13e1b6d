/**
 * FileIO on S3 and S3-compatible stores (MinIO, s3proxy, Ceph) through the AWS SDK. The SDK's
 * standard retry strategy (exponential backoff with jitter) handles throttling and transient
 * network failures; this class adds the FileIO contract: NotFound/AlreadyExists errors, messages
 * that name the operation and location, and multipart uploads that never leave parts behind.
 */
import {
  AbortMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { FileIO, FileInfo, S3Config, WriteOptions } from './file-io.ts';
import { AlreadyExistsError, NotFoundError } from './file-io.ts';
import { GuardedSource } from './guarded-source.ts';
import { parseLocation } from './location.ts';
import {
  S3OperationError, describeSdkError, errorCodeOf, httpStatusOf, isAlreadyExists, translateS3Error,
} from './s3-errors.ts';

// Node 20 is this app's runtime (Electron's and the headless server's) and the SDK version is
// pinned; its notice that future SDK releases will need Node 22 is for us, not for users' logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3FileIOOptions {
  /** Attempts per request, first one included (SDK standard retries). */
  maxAttempts?: number;
  /** Multipart part size in bytes; S3's minimum is 5 MiB. */
  partSize?: number;
  /** Parts uploaded concurrently. A writeStream holds a few times queueSize * partSize at most
   *  (parts in flight, the one being filled, copies awaiting GC), never the whole stream. */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
const DELETE_BATCH = 1000; // DeleteObjects' limit per request
const DEFAULTS: Required<S3FileIOOptions> = { maxAttempts: 5, partSize: 8 * MiB, queueSize: 2, listPageSize: 1000 };

interface S3Object {
  /** The location as the caller wrote it, for messages and results. */
  location: string;
  bucket: string;
  key: string;
  /** `s3a://bucket/`: the caller's spelling of the bucket, to which keys are appended. */
  bucketLocation: string;
}

export class S3FileIO implements FileIO {
  readonly client: S3Client;
  private readonly options: Required<S3FileIOOptions>;
  private readonly secrets: string[];

  constructor(config: S3Config, options: S3FileIOOptions = {}) {
    this.options = { ...DEFAULTS, ...definedOnly(options) };
    this.secrets = [config.secretAccessKey, config.sessionToken].filter((s): s is string => !!s);
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      // Without explicit keys the SDK's default chain applies (env, profile, SSO, instance role).
      credentials: config.accessKeyId && config.secretAccessKey
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken }
        : undefined,
      retryMode: 'standard',
      maxAttempts: this.options.maxAttempts,
      // A stalled socket (idle this long) fails the attempt so the retry strategy can take over;
      // without it a half-open connection would hang a pipeline forever.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
  }

  async read(path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const object = this.object(path, 'GetObject');
    return this.call('GetObject', object, signal, async () => {
      const response = await this.client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }), { abortSignal: signal });
      return bodyBytes(response.Body);
    });
  }

  async readRange(path: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(offset, length);
    const object = this.object(path, 'GetObject');
    // An empty range has no Range header form; asking for the object's metadata still reports absence.
    if (length === 0) {
      if (!(await this.stat(path, signal))) throw new NotFoundError(path, 'S3 HeadObject answered no such key');
      return new Uint8Array(0);
    }
    return this.call('GetObject', object, signal, async () => {
      try {
        const response = await this.client.send(new GetObjectCommand({
          Bucket: object.bucket, Key: object.key, Range: `bytes=${offset}-${offset + length - 1}`,
        }), { abortSignal: signal });
        const bytes = await bodyBytes(response.Body);
        // A store that ignores Range answers 200 with the whole object.
        return response.$metadata.httpStatusCode === 206 ? bytes : bytes.subarray(offset, offset + length);
      } catch (error) {
        // 416: the range starts at or past the end (or the object is empty): nothing to return.
        if (httpStatusOf(error) === 416) return new Uint8Array(0);
        throw error;
      }
    });
  }

  async stat(path: string, signal?: AbortSignal): Promise<FileInfo | null> {
    const object = this.object(path, 'HeadObject');
    return this.call('HeadObject', object, signal, async () => {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }), { abortSignal: signal });
        return { path, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
    });
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const object = this.object(path, 'PutObject');
    await this.call('PutObject', object, options.signal, async () => {
      await this.client.send(new PutObjectCommand({
        Bucket: object.bucket, Key: object.key, Body: data, ContentLength: data.byteLength,
        ContentType: options.contentType, IfNoneMatch: options.ifAbsent ? '*' : undefined,
      }), { abortSignal: options.signal });
    }, options.ifAbsent);
  }

  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<number> {
    const object = this.object(path, 'Upload');
    options.signal?.throwIfAborted();
    const counted = new GuardedSource(source, options.signal);
    // Upload reads the stream part by part, so at most queueSize parts (plus the one being
    // filled) are in memory. A stream that fits in one part goes up as a single PutObject.
    // Upload is not given the signal: its own abort rejects before the multipart upload is
    // aborted, whereas a failing source (GuardedSource throws on abort) makes it abort the
    // upload first and reject after.
    const upload = new Upload({
      client: this.client,
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: object.bucket, Key: object.key, Body: Readable.from(counted, { objectMode: true, highWaterMark: 1 }),
        ContentType: options.contentType,
        // Checked by PutObject for one-part streams and by CompleteMultipartUpload otherwise.
        IfNoneMatch: options.ifAbsent ? '*' : undefined,
      },
    });
    try {
      await upload.done();
    } catch (error) {
      const leftover = await this.abortLeftoverUpload(object, upload.uploadId);
      // The source's own failure (or the abort) is what the caller needs to see, not the
      // stream error Upload wrapped it in.
      if (counted.failure !== undefined && !leftover) throw counted.failure;
      if (options.ifAbsent && isAlreadyExists(error) && !leftover) throw new AlreadyExistsError(path);
      const operation = upload.uploadId ? 'multipart upload' : 'PutObject';
      const failure = translateS3Error(operation, path, counted.failure ?? error, this.secrets);
      if (!leftover) throw failure;
      throw new S3OperationError(operation, path, undefined,
        `${failure.message}; and its multipart upload ${upload.uploadId} could not be aborted (${leftover}), so its parts remain until the bucket's lifecycle rule removes them`,
        { cause: failure });
    }
    return counted.bytes;
  }

  /**
   * Upload aborts its multipart upload when it fails; this makes sure, since parts left behind
   * are invisible and billed. Returns why the abort failed, or undefined when nothing is left.
   */
  private async abortLeftoverUpload(object: S3Object, uploadId: string | undefined): Promise<string | undefined> {
    if (!uploadId) return undefined;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: object.bucket, Key: object.key, UploadId: uploadId }));
      return undefined;
    } catch (error) {
      // NoSuchUpload: already aborted (by Upload) or completed; either way nothing is pending.
      if (httpStatusOf(error) === 404 || errorCodeOf(error) === 'NoSuchUpload') return undefined;
      return describeSdkError(error, this.secrets);
    }
  }

  async delete(paths: string[], signal?: AbortSignal): Promise<void> {
    const byBucket = new Map<string, S3Object[]>();
    for (const path of paths) {
      const object = this.object(path, 'DeleteObjects');
      byBucket.set(object.bucket, [...(byBucket.get(object.bucket) ?? []), object]);
    }
    for (const [bucket, objects] of byBucket) {
      for (let start = 0; start < objects.length; start += DELETE_BATCH) {
        const batch = objects.slice(start, start + DELETE_BATCH);
        const first = batch[0]!;
        const where = batch.length === 1 ? first.location : `${first.location} and ${batch.length - 1} more`;
        await this.call('DeleteObjects', { ...first, location: where }, signal, async () => {
          const response = await this.client.send(new DeleteObjectsCommand({
            Bucket: bucket, Delete: { Objects: batch.map((o) => ({ Key: o.key })), Quiet: true },
          }), { abortSignal: signal });
          // Quiet mode reports only failures; an absent key is a success in S3's eyes already.
          const failures = (response.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
          if (failures.length > 0) {
            const listed = failures.slice(0, 5).map((e) => `${first.bucketLocation}${e.Key}: ${e.Code} ${e.Message ?? ''}`.trim());
            throw new S3OperationError('DeleteObjects', where, undefined,
              `${failures.length} object(s) not deleted: ${listed.join('; ')}${failures.length > 5 ? '; ...' : ''}`);
          }
        });
      }
    }
  }

  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<FileInfo> {
    const parsed = parseLocation(prefix);
    if (parsed.scheme !== 's3') throw new S3OperationError('ListObjectsV2', prefix, undefined, 'not an S3 location');
    const object: S3Object = { location: prefix, bucket: parsed.bucket, key: parsed.key, bucketLocation: `${parsed.schemePrefix}${parsed.bucket}/` };
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', object, signal, () => this.client.send(new ListObjectsV2Command({
        Bucket: parsed.bucket, Prefix: parsed.key || undefined, ContinuationToken: token, MaxKeys: this.options.listPageSize,
      }), { abortSignal: signal }));
      for (const entry of page.Contents ?? []) {
        if (entry.Key === undefined) continue;
        yield { path: object.bucketLocation + entry.Key, size: entry.Size ?? 0, lastModified: entry.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Closes the client's sockets; the instance cannot be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  private object(location: string, operation: string): S3Object {
    const parsed = parseLocation(location);
    if (parsed.scheme !== 's3') throw new S3OperationError(operation, location, undefined, 'not an S3 location (s3://, s3a:// or s3n://)');
    if (!parsed.key) throw new S3OperationError(operation, location, undefined, 'the location names a bucket, not an object');
    return { location, bucket: parsed.bucket, key: parsed.key, bucketLocation: `${parsed.schemePrefix}${parsed.bucket}/` };
  }

  /** Runs one S3 call and turns its failure into the FileIO contract's errors. */
  private async call<T>(
    operation: string, object: S3Object, signal: AbortSignal | undefined, run: () => Promise<T>, ifAbsent = false,
  ): Promise<T> {
    signal?.throwIfAborted();
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (ifAbsent && isAlreadyExists(error)) throw new AlreadyExistsError(object.location);
      throw translateS3Error(operation, object.location, error, this.secrets);
    }
  }
}

async function bodyBytes(body: { transformToByteArray(): Promise<Uint8Array> } | undefined): Promise<Uint8Array> {
  return body ? body.transformToByteArray() : new Uint8Array(0);
}

function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`readRange needs a non-negative integer offset and length, got offset ${offset}, length ${length}`);
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
