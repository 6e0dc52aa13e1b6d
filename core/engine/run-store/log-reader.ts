/**
 * Reads the JSON-lines logs RunLog writes: forward pages by byte offset, the last N lines, and a
 * follower that yields lines as a live run appends them. Offsets are byte positions, so a reader
 * can resume exactly where it stopped however large the file grows. A line without its newline is
 * still being written (or was cut by a crash): it is held back until the writer is known to be done.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogEntry } from './run-log.ts';
import type { LogLine } from '../../api/contract.ts';

export type { LogLine };

export interface LogPage {
  lines: LogLine[];
  /** Where the next page starts: just past the last complete line read. */
  nextOffset: number;
  /** True when the page stopped at the end of the file rather than at the limit. */
  end: boolean;
}

export interface ReadLogOptions {
  offset?: number;
  /** Most lines to return; default 1000. */
  limit?: number;
  filter?: (line: LogLine) => boolean;
  /** The writer has finished (or died): a last line with no newline is returned too. */
  writerDone?: boolean;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (err) {
    // No file yet: the run has not logged anything, which is an empty log, not an error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Reading run log ${file} failed: ${(err as Error).message}`);
  }
}

function parseLine(bytes: Buffer, offset: number): LogLine {
  const raw = bytes.toString('utf8');
  try {
    const value: unknown = JSON.parse(raw);
    if (value !== null && typeof value === 'object' && typeof (value as LogEntry).message === 'string') return { ...(value as LogEntry), offset };
  } catch {
    // reported as a line of its own below
  }
  return { ts: 0, level: 'warn', message: `unreadable log line (${bytes.length} bytes): ${raw.slice(0, 200)}`, offset };
}

export async function readLog(file: string, options: ReadLogOptions = {}): Promise<LogPage> {
  const start = options.offset ?? 0;
  const limit = options.limit ?? 1000;
  if (!Number.isSafeInteger(start) || start < 0) throw new Error(`readLog: offset must be a byte position (0 or more); got ${start}.`);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`readLog: limit must be a whole number of lines, 1 or more; got ${limit}.`);
  const handle = await openIfExists(file);
  if (!handle) return { lines: [], nextOffset: start, end: true };
  try {
    const lines: LogLine[] = [];
    let pending = Buffer.alloc(0);
    let pendingAt = start;
    let position = start;
    for (;;) {
      const chunk = Buffer.alloc(CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      pending = pending.length ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let from = 0;
      for (let nl = pending.indexOf(NEWLINE, from); nl !== -1; nl = pending.indexOf(NEWLINE, from)) {
        const line = parseLine(pending.subarray(from, nl), pendingAt + from);
        from = nl + 1;
        if (options.filter && !options.filter(line)) continue;
        lines.push(line);
        if (lines.length >= limit) return { lines, nextOffset: pendingAt + from, end: false };
      }
      pending = pending.subarray(from);
      pendingAt += from;
    }
    if (options.writerDone && pending.length > 0) {
      const line = parseLine(pending, pendingAt);
      if (!options.filter || options.filter(line)) lines.push(line);
      pendingAt += pending.length;
    }
    return { lines, nextOffset: pendingAt, end: true };
  } finally {
    await handle.close();
  }
}

/**
 * The last `count` complete lines (that pass the filter), in file order, read backwards from the end
 * so a long log costs only what is shown. `nextOffset` is where a follower continues.
 */
export async function tailLog(file: string, count: number, filter?: (line: LogLine) => boolean): Promise<LogPage> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`tailLog: count must be a whole number of lines, 1 or more; got ${count}.`);
  const handle = await openIfExists(file);
  if (!handle) return { lines: [], nextOffset: 0, end: true };
  try {
    const size = (await handle.stat()).size;
    const found: LogLine[] = [];
    // Bytes from `position` to `lineEnd`, the end of the latest complete line, not yet split into lines.
    let tail = Buffer.alloc(0);
    let position = size;
    let lineEnd = -1;
    while (found.length < count && position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      if (lineEnd < 0) {
        const last = tail.lastIndexOf(NEWLINE);
        if (last === -1) continue;
        lineEnd = position + last + 1;
        tail = tail.subarray(0, last + 1);
      }
      // Every line that starts after the first newline in `tail` is whole; the part before may not be.
      const firstNl = position === 0 ? -1 : tail.indexOf(NEWLINE);
      const whole = tail.subarray(firstNl + 1);
      const batch: LogLine[] = [];
      let from = 0;
      for (let nl = whole.indexOf(NEWLINE); nl !== -1; nl = whole.indexOf(NEWLINE, from)) {
        const line = parseLine(whole.subarray(from, nl), position + firstNl + 1 + from);
        from = nl + 1;
        if (!filter || filter(line)) batch.push(line);
      }
      found.unshift(...batch.slice(Math.max(0, batch.length - (count - found.length))));
      tail = tail.subarray(0, firstNl + 1);
    }
    return { lines: found, nextOffset: lineEnd < 0 ? 0 : lineEnd, end: true };
  } finally {
    await handle.close();
  }
}

export interface FollowLogOptions extends Omit<ReadLogOptions, 'limit' | 'writerDone'> {
  signal?: AbortSignal;
  /** How often to look for new lines; default 200 ms. */
  pollMs?: number;
  /** Polled when the follower has caught up: true once the writer has finished, which ends the follow. */
  done?: () => boolean | Promise<boolean>;
}

/**
 * Yields the log's lines from `offset`, then new ones as they are appended, until `done()` says
 * the writer has finished (after a last read) or `signal` aborts. Polling works the same on every
 * platform and file system, where file watching does not.
 */
export async function* followLog(file: string, options: FollowLogOptions = {}): AsyncGenerator<LogLine> {
  let offset = options.offset ?? 0;
  const pollMs = options.pollMs ?? 200;
  while (!options.signal?.aborted) {
    const finished = options.done ? await options.done() : false;
    // Checked before reading: a writer that finishes after this read is seen on the next turn.
    const page = await readLog(file, { offset, limit: 1000, writerDone: finished, ...(options.filter ? { filter: options.filter } : {}) });
    for (const line of page.lines) yield line;
    offset = page.nextOffset;
    if (!page.end) continue;
    if (finished) return;
    try {
      await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return; // aborted
    }
  }
}
