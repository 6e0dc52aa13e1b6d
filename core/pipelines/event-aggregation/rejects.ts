/**
 * Events that cannot count are counted by reason and kept: each raw message with its topic,
 * partition and offset goes to a JSON Lines spool on local disk (bounded memory), which is
 * uploaded as one object next to the warehouse before the run commits.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileIO } from '../../io/file-io.ts';
import type { RawMessage } from '../../sources/kafka-range-reader.ts';
import { REJECT_REASONS, type RejectReason } from './parse-event.ts';

export type RejectCounts = Record<RejectReason, number>;

export const emptyRejectCounts = (): RejectCounts => Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as RejectCounts;

export class RejectSpool {
  readonly counts = emptyRejectCounts();
  private total = 0;
  private constructor(private readonly dir: string, private readonly file: string, private readonly out: WriteStream) {}

  static async create(): Promise<RejectSpool> {
    const dir = await mkdtemp(join(tmpdir(), 'floe-rejects-'));
    const file = join(dir, 'rejects.jsonl');
    return new RejectSpool(dir, file, createWriteStream(file));
  }

  get size(): number {
    return this.total;
  }

  /** Records one rejected message; await `drain()` now and then to respect backpressure. */
  add(m: RawMessage, reason: RejectReason): void {
    this.counts[reason]++;
    this.total++;
    const value = m.value === null ? null : m.value.toString('utf8');
    // Bytes that are not valid UTF-8 are kept exactly, as base64.
    const exact = m.value === null || Buffer.from(value!, 'utf8').equals(m.value);
    this.out.write(`${JSON.stringify({
      topic: m.topic, partition: m.partition, offset: m.offset, reason, timestamp_ms: m.timestampMs,
      key: m.key?.toString('utf8') ?? null, ...(exact ? { value } : { value_base64: m.value!.toString('base64') }),
    })}\n`);
  }

  /** The spool's buffer is full: await drain() before adding more. */
  get needsDrain(): boolean {
    return this.out.writableNeedDrain;
  }

  async drain(): Promise<void> {
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  /** Uploads the spool to `location` (nothing is written when there were no rejects). */
  async upload(io: FileIO, location: string, signal?: AbortSignal): Promise<string | null> {
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.total === 0) return null;
    await io.writeStream(location, createReadStream(this.file), { contentType: 'application/x-ndjson', signal });
    return location;
  }

  async dispose(): Promise<void> {
    this.out.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
