/**
 * FileIO on the local filesystem: the embedded warehouse of the demo and first start. Writes go
 * to a temporary file beside the target, are fsynced, and are renamed into place, so readers
 * (PyIceberg, DuckDB) never see half a file and a crash never leaves one.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import type { FileIO, FileInfo, WriteOptions } from './file-io.ts';
import { AlreadyExistsError, NotFoundError } from './file-io.ts';
import { GuardedSource } from './guarded-source.ts';
import { parseLocation } from './location.ts';

/** Temporary files are hidden and marked, so list() can skip writes in progress. */
const TEMP_MARK = '.floe-tmp-';
const isTempName = (name: string) => name.startsWith('.') && name.includes(TEMP_MARK);

export class LocalFileError extends Error {
  constructor(readonly operation: string, readonly location: string, cause: unknown) {
    super(`Local ${operation} ${location} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'LocalFileError';
  }
}

export class LocalFileIO implements FileIO {
  async read(path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const file = filePath(path, 'read');
    try {
      return new Uint8Array(await readFile(file, { signal }));
    } catch (error) {
      throw translate('read', path, error, signal);
    }
  }

  async readRange(path: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`readRange needs a non-negative integer offset and length, got offset ${offset}, length ${length}`);
    }
    const file = filePath(path, 'readRange');
    let handle: FileHandle | undefined;
    try {
      signal?.throwIfAborted();
      handle = await open(file, 'r');
      const size = (await handle.stat()).size;
      // Sized by what the file holds, so a huge `length` ("to the end") allocates only that.
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let filled = 0;
      while (filled < buffer.length) {
        signal?.throwIfAborted();
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
        if (bytesRead === 0) break; // the file shrank under us
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      throw translate('readRange', path, error, signal);
    } finally {
      await handle?.close();
    }
  }

  async stat(path: string, signal?: AbortSignal): Promise<FileInfo | null> {
    const file = filePath(path, 'stat');
    try {
      signal?.throwIfAborted();
      const info = await stat(file);
      // Directories are not objects: an object store would not find one either.
      return info.isFile() ? { path, size: info.size, lastModified: info.mtime } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw translate('stat', path, error, signal);
    }
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    await this.writeVia(path, 'write', options, async (handle) => {
      let written = 0;
      while (written < data.byteLength) {
        written += (await handle.write(data, written, data.byteLength - written)).bytesWritten;
      }
    });
  }

  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<number> {
    const guarded = new GuardedSource(source, options.signal);
    try {
      await this.writeVia(path, 'writeStream', options, async (handle) => {
        for await (const chunk of guarded) {
          let written = 0;
          while (written < chunk.byteLength) {
            written += (await handle.write(chunk, written, chunk.byteLength - written)).bytesWritten;
          }
        }
      });
    } catch (error) {
      // The source's own failure, unwrapped, is what the caller needs to see.
      throw guarded.failure ?? error;
    }
    return guarded.bytes;
  }

  async delete(paths: string[], signal?: AbortSignal): Promise<void> {
    for (const path of paths) {
      const file = filePath(path, 'delete');
      try {
        signal?.throwIfAborted();
        await unlink(file);
      } catch (error) {
        if (isMissing(error)) continue;
        throw translate('delete', path, error, signal);
      }
    }
  }

  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<FileInfo> {
    const parsed = parseLocation(prefix);
    if (parsed.scheme !== 'file') throw new LocalFileError('list', prefix, new Error('not a file location'));
    // Walk from the deepest directory the prefix names in full; the rest of it filters names.
    const wanted = normalize(parsed.path);
    const start = wanted.endsWith('/') ? wanted.replace(/\/+$/, '') || '/' : dirname(wanted);
    yield* walk(start, wanted, parsed.schemePrefix, signal);
  }

  /**
   * Writes through a temporary file in the target's directory (same filesystem, so rename and
   * link are atomic), then moves it into place. With `ifAbsent` the move is link(), which fails
   * with EEXIST atomically if the target exists, where rename() would replace it.
   */
  private async writeVia(
    path: string, operation: string, options: WriteOptions, fill: (handle: FileHandle) => Promise<void>,
  ): Promise<void> {
    const file = filePath(path, operation);
    const directory = dirname(file);
    // The name is cut short so that a long target name still leaves room for the marks (NAME_MAX).
    const temp = join(directory, `.${basename(file).slice(0, 120)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    let committed = false;
    try {
      options.signal?.throwIfAborted();
      await mkdir(directory, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await fill(handle);
        await handle.sync();
      } finally {
        await handle.close();
      }
      options.signal?.throwIfAborted();
      if (options.ifAbsent) {
        await linkUnlessExists(temp, file, path);
        committed = true;
        await unlink(temp).catch(() => undefined); // a stray temp file is hidden from list()
      } else {
        await rename(temp, file);
        committed = true;
      }
      await syncDirectory(directory);
    } catch (error) {
      if (!committed) await unlink(temp).catch(() => undefined);
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof AlreadyExistsError || error instanceof LocalFileError) throw error;
      // Not NotFoundError even for ENOENT: a write that fails is a write error (a parent is a file,
      // the directory vanished), not a missing object.
      throw new LocalFileError(operation, path, error);
    }
  }
}

async function linkUnlessExists(temp: string, file: string, location: string): Promise<void> {
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(location);
    throw error;
  }
}

/**
 * Files under `directory` whose path starts with `prefix`, in lexicographic order of path.
 * Sorting each directory's entries by name, with "/" appended to subdirectories, yields the
 * global order depth-first: "a-b" comes before "a/x" because "-" sorts before "/".
 */
async function* walk(directory: string, prefix: string, schemePrefix: string, signal?: AbortSignal): AsyncGenerator<FileInfo> {
  signal?.throwIfAborted();
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw translate('list', `${schemePrefix}${directory}`, error, signal);
  }
  const children = entries
    .filter((entry) => !isTempName(entry.name) && (entry.isFile() || entry.isDirectory()))
    .map((entry) => {
      const path = join(directory, entry.name);
      return { path, isDirectory: entry.isDirectory(), sortKey: entry.isDirectory() ? `${path}/` : path };
    })
    .sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
  for (const child of children) {
    if (child.isDirectory) {
      if (child.sortKey.startsWith(prefix) || prefix.startsWith(child.sortKey)) yield* walk(child.path, prefix, schemePrefix, signal);
    } else if (child.path.startsWith(prefix)) {
      try {
        const info = await stat(child.path);
        yield { path: `${schemePrefix}${child.path}`, size: info.size, lastModified: info.mtime };
      } catch (error) {
        if (!isMissing(error)) throw translate('list', `${schemePrefix}${child.path}`, error, signal);
        // deleted since readdir: it is no longer there to list
      }
    }
  }
}

function filePath(location: string, operation: string): string {
  const parsed = parseLocation(location);
  if (parsed.scheme !== 'file') throw new LocalFileError(operation, location, new Error('not a file location'));
  return parsed.path;
}

/** ENOTDIR: a parent of the path is a file, so the path cannot exist either. */
const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException)?.code ?? '');

function translate(operation: string, location: string, error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted) return signal.reason as Error;
  if (error instanceof NotFoundError || error instanceof AlreadyExistsError || error instanceof LocalFileError) return error;
  if (isMissing(error)) return new NotFoundError(location);
  return new LocalFileError(operation, location, error);
}

/** Makes the rename itself durable. Not every platform can open a directory (Windows): best effort. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // durability of the directory entry is a bonus, the write itself already succeeded
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
