/**
 * One readRange over the wire: a fetch loop per partition leader, and one queue that parses
 * their responses in order. As soon as a response arrives its batch headers say where every
 * partition continues, so the next fetch is on its way before the response is decompressed and
 * parsed; decompression runs ahead of the parser (inflater.ts); unparsed responses are capped in
 * bytes, so memory stays bounded however far behind the parser is.
 */
import type { BrokerConnection } from './connection.ts';
import { ApiKey } from './connection.ts';
import { ErrorCode, KafkaProtocolError } from './errors.ts';
import { Inflater, type Inflated } from './inflater.ts';
import { MessageColumns, type MessageBatch } from './messages.ts';
import { decodeFetch, encodeFetch, FETCH_VERSIONS, type FetchPartitionResponse } from './protocol.ts';
import { AbortFilter, BATCH_HEADER_BYTES, decodeRecords, scanBatches, type BatchHeader } from './record-batch.ts';

export interface WireReadOptions {
  onBatch: (batch: MessageBatch) => Promise<void> | void;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
}

export interface PartitionState { partition: number; next: number; to: number; maxBytes: number; first: boolean; done: boolean }

/** What a range fetch needs of its client. */
export interface FetchClient {
  readonly requestTimeoutMs: number;
  watermarks(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]>;
}

export const PARTITION_MAX_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
// Fetched bytes not yet parsed; past this the reader waits before fetching more.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const MAX_WAIT_MS = 200;
// Batches decompressed (or being decompressed) ahead of the parser.
const INFLATE_AHEAD = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RangeFetch {
  private processing: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown = null;
  private waiters: (() => void)[] = [];
  private lastProgress = Date.now();
  private readonly out: MessageColumns;
  private readonly inflater = new Inflater(INFLATE_AHEAD);

  constructor(private readonly kafka: FetchClient, private readonly topic: string, private readonly o: WireReadOptions) {
    this.out = new MessageColumns(topic);
  }

  async fetchLoop(conn: BrokerConnection, parts: PartitionState[], leaders: Map<number, { leaderEpoch: number }>, round: { stop: boolean }): Promise<void> {
    const v = conn.version(ApiKey.Fetch, FETCH_VERSIONS);
    const stallMs = this.o.stallTimeoutMs ?? 60_000;
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.o.signal?.aborted) throw this.o.signal.reason;
      // Partitions that came back empty or blocked go first: only the first is sure to get data (KIP-74).
      const active = parts.filter((s) => !s.done).sort((a, b) => Number(b.first) - Number(a.first));
      if (active.length === 0 || round.stop) return;
      while (this.queued > MAX_QUEUED_BYTES && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
      const request = active.map((s) => ({ partition: s.partition, leaderEpoch: leaders.get(s.partition)!.leaderEpoch, offset: BigInt(s.next), maxBytes: s.maxBytes }));
      const body = encodeFetch(v, this.topic, request, { maxWaitMs: MAX_WAIT_MS, minBytes: 1, maxBytes: FETCH_MAX_BYTES });
      const response = decodeFetch(v, await conn.request(ApiKey.Fetch, v, body, MAX_WAIT_MS + this.kafka.requestTimeoutMs));
      if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode, `Fetch of ${this.topic} from broker ${conn.name}`);
      for (const part of response.partitions) {
        const s = active.find((x) => x.partition === part.partition);
        if (!s) continue;
        const where = `${this.topic} partition ${s.partition}`;
        if (part.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) throw await this.outOfRange(s);
        if (part.errorCode !== 0) throw new KafkaProtocolError(part.errorCode, `Fetch of ${where} at offset ${s.next} from broker ${conn.name}`);
        const { batches, blockedBy } = scanBatches(part.records, where);
        const wasFirst = s === active[0];
        s.first = batches.length === 0;
        if (batches.length === 0) {
          // A batch bigger than the partition's byte limit: allow it next time.
          if (blockedBy > 0) s.maxBytes = Math.max(s.maxBytes, blockedBy);
          else if (wasFirst && response.throttleMs === 0) this.nothingLeft(s, part);
          continue;
        }
        const from = s.next;
        s.next = Math.max(s.next, batches.at(-1)!.lastOffset + 1);
        if (s.next >= s.to) s.done = true;
        this.lastProgress = Date.now();
        this.enqueue(part, batches, from, s.to, where);
      }
      if (Date.now() - this.lastProgress > stallMs) {
        throw new Error(`Reading Kafka topic "${this.topic}" made no progress for ${stallMs / 1000} s on broker ${conn.name} `
          + `(partitions still pending: ${active.map((s) => `${s.partition} at ${s.next} of ${s.to}`).join(', ')})`);
      }
      if (response.throttleMs > 0) await sleep(response.throttleMs);
    }
  }

  /**
   * The first partition of a fetch came back empty with no error: nothing exists between its
   * position and the stable end of the log. If that end is at or past the range's end, the rest
   * of the range was removed (compaction); before it, the log was truncated under the run.
   */
  private nothingLeft(s: PartitionState, part: FetchPartitionResponse): void {
    const end = Number(part.lastStableOffset >= 0n ? part.lastStableOffset : part.highWatermark);
    if (end >= s.to) {
      s.done = true;
      return;
    }
    if (end <= s.next) {
      throw new Error(`${this.topic} partition ${s.partition} now ends at offset ${end}, but offsets up to ${s.to} existed when the run started `
        + '(the log was truncated, e.g. by an unclean leader election); run again to read what is there now');
    }
  }

  private async outOfRange(s: PartitionState): Promise<Error> {
    const marks = await this.kafka.watermarks(this.topic).catch(() => []);
    const m = marks.find((x) => x.partition === s.partition);
    const where = `${this.topic} partition ${s.partition}`;
    if (m && BigInt(s.next) < m.low) {
      return new Error(`${where}: offsets ${s.next} to ${m.low - 1n} were deleted by Kafka retention while this run was reading them `
        + `(${m.low - BigInt(s.next)} messages); run again: the next run reports them as missing and continues from ${m.low}`);
    }
    return new Error(`${where}: offset ${s.next} is outside the log (${m ? `now ${m.low} to ${m.high}` : 'its bounds could not be read'}); `
      + 'was the topic deleted and recreated while the run was reading?');
  }

  private enqueue(part: FetchPartitionResponse, batches: BatchHeader[], from: number, to: number, where: string): void {
    const bytes = part.records.length;
    this.queued += bytes;
    // Queued for decompression now: it runs (in the inflate worker) while earlier batches are parsed.
    const inflated = batches.map((h) => (h.codec === 0 || (!h.control && (h.lastOffset < from || h.baseOffset >= to))
      ? null : this.inflater.inflate(h.codec, part.records.subarray(h.at + BATCH_HEADER_BYTES, h.at + h.size))));
    for (const p of inflated) p?.catch(() => undefined); // awaited in order below; an early failure must not go unhandled meanwhile
    this.processing = this.processing.then(async () => {
      try {
        if (!this.failure) await this.parse(part, batches, inflated, from, to, where);
      } catch (err) {
        this.failure ??= err;
      } finally {
        this.queued -= bytes;
        this.lastProgress = Date.now(); // a slow consumer holds fetching back: that is not a stall
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }

  private async parse(part: FetchPartitionResponse, batches: BatchHeader[], inflated: (Promise<Inflated> | null)[], from: number, to: number, where: string): Promise<void> {
    const filter = new AbortFilter(part.aborted);
    for (let i = 0; i < batches.length; i++) {
      const h = batches[i]!;
      if (this.o.signal?.aborted) throw this.o.signal.reason;
      if (!h.control && (h.lastOffset < from || h.baseOffset >= to) && filter.none) continue;
      let data = part.records, start = h.at + BATCH_HEADER_BYTES, end = h.at + h.size;
      const pending = inflated[i];
      let batch: Inflated | null = null;
      if (pending) {
        batch = await pending;
        data = batch.data;
        start = 0;
        end = data.length;
      } else if (h.codec !== 0) {
        continue; // outside the range and never decompressed; only its transaction state mattered
      }
      try {
        if (filter.skip(h, data, start, end) || h.control) continue;
        this.out.reset(part.partition, data, h.records);
        decodeRecords(h, data, start, end, from, to, this.out, where);
        if (this.out.count > 0) {
          const r = this.o.onBatch(this.out);
          if (r) await r;
        }
      } finally {
        batch?.release(); // its buffer is reused: the batch handed over is no longer valid
      }
    }
  }

  /** Waits for every queued response to be parsed; rethrows the first failure. */
  async finish(): Promise<void> {
    await this.processing;
    if (this.failure) throw this.failure;
  }

  /** Waits for the queue after a failure elsewhere, so nothing is still calling back afterwards. */
  async settle(): Promise<void> {
    this.failure ??= new Error('reading stopped');
    await this.processing;
  }
}

