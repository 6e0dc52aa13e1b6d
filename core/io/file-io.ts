/**
 * FileIO: how Iceberg and the pipelines reach the object store or the local disk. Paths are
 * full locations as they appear in Iceberg metadata: `s3://bucket/key` (also `s3a://`, `s3n://`)
 * or `file:///abs/path` (Java's single-slash `file:/abs/path` too).
 */

export interface FileInfo {
  /** The location as the caller spelled its prefix (same scheme). */
  path: string;
  size: number;
  lastModified: Date;
}

export interface WriteOptions {
  /** Fail with AlreadyExistsError if the location exists (metadata files are never overwritten). */
  ifAbsent?: boolean;
  contentType?: string;
  signal?: AbortSignal;
}

export interface FileIO {
  /** The whole object. NotFoundError when absent. */
  read(path: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** `length` bytes from `offset` (fewer at the end of the object). NotFoundError when absent. */
  readRange(path: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Size and time of an object, or null when it does not exist. */
  stat(path: string, signal?: AbortSignal): Promise<FileInfo | null>;
  /** Writes a whole object; readers see either nothing or all of it. */
  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /**
   * Writes an object of unknown size from a stream in bounded memory (multipart on S3; a temporary
   * file renamed into place locally): readers never see a partial object. Returns bytes written.
   * If the source throws or the signal aborts, nothing is left at `path` and the error propagates.
   */
  writeStream(path: string, source: AsyncIterable<Uint8Array>, options?: WriteOptions): Promise<number>;
  /** Deletes objects; absent ones are not an error. */
  delete(paths: string[], signal?: AbortSignal): Promise<void>;
  /** Every object whose location starts with `prefix`, in lexicographic order. */
  list(prefix: string, signal?: AbortSignal): AsyncIterable<FileInfo>;
}

export class NotFoundError extends Error {
  constructor(readonly path: string, detail = '') {
    super(`${path} does not exist${detail ? `: ${detail}` : ''}`);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists and is never overwritten; another writer got there first (retry the operation)`);
    this.name = 'AlreadyExistsError';
  }
}

export interface S3Config {
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** http://host/bucket/key addressing, as MinIO and most self-hosted stores need. */
  forcePathStyle?: boolean;
}
