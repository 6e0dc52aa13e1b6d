/**
 * A query's rows as COPY text or binary (the fastest ways out of Postgres), as raw chunks of
 * bytes; copy-columns.ts and copy-binary.ts parse them.
 *
 * Read straight off the connection's socket: Postgres sends each row in a CopyData message of its
 * own, and a client that makes an object per message (pg's parser, or pg-copy-streams) spends more
 * CPU on W2's comments than parsing their rows costs. Here the message frames are stripped in one
 * pass per socket chunk, copying the payloads into one buffer. While the COPY lasts this module
 * owns the socket; the first message after CopyDone (or an ErrorResponse) goes back to pg, which
 * then finishes the query as usual (CommandComplete, ReadyForQuery, or the error).
 */
import type pg from 'pg';

const COPY_DATA = 0x64, COPY_DONE = 0x63, COPY_OUT_RESPONSE = 0x48;
/** Messages the server may send in the middle of a COPY, which a COPY reader passes over. */
const INTERSPERSED = new Set([0x4e /* NoticeResponse */, 0x53 /* ParameterStatus */, 0x41 /* NotificationResponse */]);

/**
 * CopyData payloads out of a stream of protocol bytes, chunk by chunk. `push` returns the payload
 * bytes of a chunk (possibly none) and, once the COPY data is over, where the rest of the chunk
 * starts: the message after CopyDone, or an ErrorResponse or any other message, for pg to read.
 */
export class CopyDataDeframer {
  /** The message being read: its type, and the bytes of it still to come (header bytes while `header` fills). */
  private code = -1;
  private left = 0;
  private readonly header = new Uint8Array(5);
  private headerBytes = 0;
  done = false;

  push(chunk: Uint8Array): { payload: Uint8Array; rest?: number } {
    const out = new Uint8Array(chunk.length);
    let used = 0;
    let p = 0;
    const end = chunk.length;
    while (p < end) {
      if (this.left > 0) {
        const n = Math.min(this.left, end - p);
        if (this.code === COPY_DATA) {
          out.set(chunk.subarray(p, p + n), used);
          used += n;
        }
        p += n;
        this.left -= n;
        continue;
      }
      // A message header: its type byte and 4-byte length, maybe split across chunks.
      if (this.headerBytes === 0) {
        const code = chunk[p]!;
        if (code !== COPY_DATA && code !== COPY_OUT_RESPONSE && !INTERSPERSED.has(code)) {
          if (code === COPY_DONE) this.done = true;
          // CopyDone is read here (pg has nothing to do with it); anything else is pg's to read.
          if (code !== COPY_DONE) return { payload: out.subarray(0, used), rest: p };
        }
      }
      while (this.headerBytes < 5 && p < end) this.header[this.headerBytes++] = chunk[p++]!;
      if (this.headerBytes < 5) break;
      this.headerBytes = 0;
      this.code = this.header[0]!;
      const length = (this.header[1]! << 24 | this.header[2]! << 16 | this.header[3]! << 8 | this.header[4]!) >>> 0;
      if (length < 4) throw new Error(`COPY: the server sent a message of type "${String.fromCharCode(this.code)}" with an impossible length ${length}`);
      this.left = length - 4;
      if (this.code === COPY_DONE) {
        if (this.left !== 0) throw new Error(`COPY: CopyDone with a body of ${this.left} bytes`);
        return { payload: out.subarray(0, used), rest: p };
      }
    }
    return { payload: out.subarray(0, used) };
  }
}

type DataListener = (chunk: Buffer) => void;

/** pg's Submittable for COPY ... TO STDOUT, handing the payload bytes to an async consumer. */
class CopyOutQuery {
  private readonly deframer = new CopyDataDeframer();
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private failure: Error | null = null;
  private finished = false;
  private serverFailed = false;
  private wake: (() => void) | null = null;
  private stream: NodeJS.ReadableStream | null = null;
  private pgData: DataListener | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  rowCount: number | null = null;

  /** `close` ends the connection (pg's own end(), so that pg reports no error for it). */
  constructor(private readonly text: string, private readonly close: () => void) {}

  /** Called by pg when the query's turn comes: take the socket, then send the query. */
  submit(connection: { stream: NodeJS.ReadableStream; query(text: string): void }): void {
    this.stream = connection.stream;
    const listeners = this.stream.listeners('data') as DataListener[];
    if (listeners.length !== 1) throw new Error(`COPY: expected pg alone to read the connection, found ${listeners.length} readers`);
    this.pgData = listeners[0]!;
    this.stream.removeListener('data', this.pgData);
    this.stream.on('data', this.onData);
    connection.query(this.text);
  }

  private receive(chunk: Buffer): void {
    let r: ReturnType<CopyDataDeframer['push']>;
    try {
      r = this.deframer.push(chunk);
    } catch (err) {
      this.abandon(err as Error); // the connection's framing is lost: it cannot go on
      return;
    }
    if (r.payload.length > 0) {
      this.queue.push(r.payload);
      this.queued += r.payload.length;
      // Backpressure: the socket waits while the consumer has this much to parse.
      if (this.queued > QUEUE_BYTES) this.stream!.pause();
    }
    if (r.rest !== undefined) this.giveBack(chunk.subarray(r.rest));
    this.notify();
  }

  /** The connection back to pg, with the bytes it has not read yet. */
  private giveBack(rest: Buffer): void {
    const stream = this.stream!;
    stream.removeListener('data', this.onData);
    stream.on('data', this.pgData!);
    stream.resume();
    if (rest.length > 0) this.pgData!(rest);
  }

  // pg calls these once it reads the messages after the COPY data.
  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.finished = true;
    this.notify();
  }

  handleError(err: Error): void {
    // The server's own error: pg reads on to ReadyForQuery, and the connection stays usable.
    this.serverFailed = true;
    this.fail(err);
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const next = this.queue.shift();
      if (next) {
        this.queued -= next.length;
        if (this.queued <= QUEUE_BYTES / 2 && !this.deframer.done) this.stream?.resume();
        yield next;
        continue;
      }
      if (this.finished) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  /**
   * Ends the reading early: a connection left in the middle of a COPY could never answer another
   * query (a COMMIT after it would wait forever), so it is closed.
   */
  abandon(reason: Error = new Error('COPY stopped before its end')): void {
    if (this.finished || this.serverFailed) return;
    this.fail(reason);
    this.close();
  }
}

/** Payload bytes waiting for the consumer before the socket is paused. */
const QUEUE_BYTES = 8 * 1024 * 1024;

export interface CopyOutOptions {
  signal?: AbortSignal;
  format?: 'text' | 'binary';
  /** Told the rows the server sent (its CommandComplete), once they all came. */
  onRowCount?: (rows: number) => void;
}

/**
 * COPY (sql) TO STDOUT on a pg client, as raw chunks. Aborting the signal, or stopping the
 * iteration before the end, closes the connection (it is in the middle of a COPY and could not
 * answer another query); the caller's transaction ends with it.
 */
export async function* copyOutChunks(client: pg.Client, sql: string, { signal, format = 'text', onRowCount }: CopyOutOptions = {}): AsyncGenerator<Uint8Array> {
  const query = new CopyOutQuery(`COPY (${sql}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`, () => {
    void client.end().catch(() => undefined);
  });
  // pg reports the query's end through the handlers above.
  client.query(query as unknown as pg.Submittable);
  const onAbort = () => query.abandon(signal!.reason as Error);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let complete = false;
  try {
    yield* query.chunks();
    complete = true;
    if (query.rowCount !== null) onRowCount?.(query.rowCount);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!complete) query.abandon();
  }
}
