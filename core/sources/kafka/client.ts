/**
 * Floe's own Kafka reader for the hot path: metadata, offsets and fetches over the wire protocol,
 * no consumer group. A range is read by one fetch loop per partition leader (range-fetch.ts);
 * leadership changes and dropped connections are retried with fresh metadata, from where each
 * partition had got to.
 */
import type { KafkaConnection } from '../kafka-config.ts';
import { ApiKey, BrokerConnection, type BrokerAddress, type ConnectionOptions } from './connection.ts';
import { ErrorCode, KafkaConnectionError, KafkaProtocolError } from './errors.ts';
import {
  decodeListOffsets, decodeMetadata, EARLIEST, encodeListOffsets, encodeMetadata, LATEST, LIST_OFFSETS_VERSIONS, METADATA_VERSIONS,
} from './protocol.ts';
import { PARTITION_MAX_BYTES, RangeFetch, type PartitionState, type WireReadOptions } from './range-fetch.ts';

export interface PartitionLayout { partition: number; leader: number; leaderEpoch: number }

export type { WireReadOptions } from './range-fetch.ts';

const RETRIES = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isRetriable = (err: unknown) => err instanceof KafkaConnectionError || (err instanceof KafkaProtocolError && err.retriable);

export class WireKafka {
  private readonly connections = new Map<string, { conn?: BrokerConnection; opening: Promise<BrokerConnection> }>();
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly bootstrap: BrokerAddress[];
  private readonly options: ConnectionOptions;
  readonly requestTimeoutMs: number;

  constructor(c: KafkaConnection) {
    if (c.brokers.length === 0) throw new Error('Kafka connection has no brokers: give at least one host:port');
    this.bootstrap = c.brokers.map(parseAddress);
    this.options = {
      clientId: c.clientId ?? 'floe', ssl: c.ssl, sasl: c.sasl,
      connectionTimeoutMs: c.connectionTimeoutMs ?? 10_000, requestTimeoutMs: c.requestTimeoutMs ?? 30_000,
    };
    this.requestTimeoutMs = this.options.requestTimeoutMs;
  }

  close(): void {
    for (const { conn, opening } of this.connections.values()) {
      if (conn) conn.close();
      else opening.then((x) => x.close(), () => undefined);
    }
    this.connections.clear();
  }

  private connect(address: BrokerAddress): Promise<BrokerConnection> {
    const key = `${address.host}:${address.port}`;
    const known = this.connections.get(key);
    if (known && !known.conn?.closed) return known.opening;
    const entry: { conn?: BrokerConnection; opening: Promise<BrokerConnection> } = { opening: BrokerConnection.open(address, this.options) };
    entry.opening.then((conn) => { entry.conn = conn; }, () => { if (this.connections.get(key) === entry) this.connections.delete(key); });
    this.connections.set(key, entry);
    return entry.opening;
  }

  private leader(node: number, topic: string, partition: number): Promise<BrokerConnection> {
    const address = this.brokers.get(node);
    if (!address) throw new KafkaProtocolError(5, `no broker is leading ${topic} partition ${partition} (leader ${node})`);
    return this.connect(address);
  }

  /** Runs `fn`, retrying transient failures (leadership moves, dropped connections) with backoff. */
  private async retrying<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isRetriable(err) || attempt >= RETRIES || signal?.aborted) throw err;
        await sleep(Math.min(250 * 2 ** attempt, 5000));
      }
    }
  }

  /** The topic's partitions and their leaders; learns the cluster's brokers on the way. */
  async partitions(topic: string): Promise<PartitionLayout[]> {
    let lastError: unknown;
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    for (const address of candidates) {
      let conn: BrokerConnection;
      try {
        conn = await this.connect(address);
      } catch (err) {
        if (!(err instanceof KafkaConnectionError)) throw err; // refused credentials or certificates: another broker will not differ
        lastError = err;
        continue;
      }
      const v = conn.version(ApiKey.Metadata, METADATA_VERSIONS);
      const md = decodeMetadata(v, await conn.request(ApiKey.Metadata, v, encodeMetadata(v, [topic])));
      for (const [node, b] of md.brokers) this.brokers.set(node, b);
      const t = md.topics.find((x) => x.name === topic);
      if (!t || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new Error(`Kafka topic "${topic}" does not exist: check the topic name in the pipeline settings`);
      if (t.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) throw new Error(`Kafka refuses access to topic "${topic}" (TOPIC_AUTHORIZATION_FAILED): grant the Floe user Describe and Read on it`);
      if (t.errorCode !== 0) throw new KafkaProtocolError(t.errorCode, `metadata for Kafka topic "${topic}"`);
      if (t.partitions.some((p) => p.leader < 0)) throw new KafkaProtocolError(5, `Kafka topic "${topic}" has a partition without a leader`);
      return t.partitions.map((p) => ({ partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch })).sort((a, b) => a.partition - b.partition);
    }
    throw new KafkaConnectionError(`no Kafka broker answered (tried ${candidates.map((a) => `${a.host}:${a.port}`).join(', ')}): ${(lastError as Error).message}`);
  }

  /** ListOffsets for every partition: EARLIEST, LATEST (the last stable offset) or a time in ms. */
  listOffsets(topic: string, timestamp: bigint, signal?: AbortSignal): Promise<Map<number, bigint>> {
    return this.retrying(async () => {
      const layout = await this.partitions(topic);
      const byLeader = groupBy(layout, (p) => p.leader);
      const out = new Map<number, bigint>();
      await Promise.all([...byLeader].map(async ([node, parts]) => {
        const conn = await this.leader(node, topic, parts[0]!.partition);
        const v = conn.version(ApiKey.ListOffsets, LIST_OFFSETS_VERSIONS);
        const body = encodeListOffsets(v, topic, parts.map((p) => ({ partition: p.partition, leaderEpoch: p.leaderEpoch, timestamp })));
        for (const r of decodeListOffsets(v, await conn.request(ApiKey.ListOffsets, v, body))) {
          if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `ListOffsets for ${topic} partition ${r.partition} on broker ${conn.name}`);
          out.set(r.partition, r.offset);
        }
      }));
      return out;
    }, signal);
  }

  /** Per partition: the log start and the last stable offset (the high watermark when no transaction is open). */
  async watermarks(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    const [low, high] = await Promise.all([this.listOffsets(topic, EARLIEST), this.listOffsets(topic, LATEST)]);
    return [...low].map(([partition, l]) => ({ partition, low: l, high: high.get(partition)! })).sort((a, b) => a.partition - b.partition);
  }

  /**
   * Per partition: the first offset whose timestamp is at or after `ms`, or the end when none is.
   * Never past the stable end: a match inside a still-open transaction starts where it begins.
   */
  async offsetsForTime(topic: string, ms: number): Promise<Map<number, bigint>> {
    const [at, end] = await Promise.all([this.listOffsets(topic, BigInt(Math.floor(ms))), this.listOffsets(topic, LATEST)]);
    return new Map([...at].map(([p, o]) => [p, o < 0n || o > end.get(p)! ? end.get(p)! : o]));
  }

  /** Reads [from, to) of every range, in offset order per partition, then resolves. */
  async readRange(topic: string, ranges: { partition: number; from: bigint; to: bigint }[], o: WireReadOptions): Promise<void> {
    const states = ranges.filter((r) => r.to > r.from).map((r): PartitionState => {
      if (r.to > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`offset ${r.to} of ${topic} partition ${r.partition} is beyond 2^53, which this reader does not handle; use the kafkajs reader`);
      return { partition: r.partition, next: Number(r.from), to: Number(r.to), maxBytes: PARTITION_MAX_BYTES, first: false, done: false };
    });
    const reader = new RangeFetch(this, topic, o);
    let attempt = 0;
    while (states.some((s) => !s.done)) {
      if (o.signal?.aborted) throw o.signal.reason;
      const before = states.reduce((n, s) => n + s.next, 0);
      try {
        const layout = await this.retrying(() => this.partitions(topic), o.signal);
        const leaders = new Map(layout.map((p) => [p.partition, p]));
        const pending = states.filter((s) => !s.done);
        for (const s of pending) if (!leaders.has(s.partition)) throw new Error(`Kafka topic "${topic}" has no partition ${s.partition} any more: was it recreated?`);
        const byLeader = groupBy(pending, (s) => leaders.get(s.partition)!.leader);
        // One loop per leader; when one fails the others stop too, before any is started again.
        const round = { stop: false };
        const results = await Promise.allSettled([...byLeader].map(async ([node, parts]) => {
          try {
            await reader.fetchLoop(await this.leader(node, topic, parts[0]!.partition), parts, leaders, round);
          } catch (err) {
            round.stop = true;
            throw err;
          }
        }));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      } catch (err) {
        if (!isRetriable(err) || o.signal?.aborted) {
          await reader.settle();
          throw err;
        }
        attempt = states.reduce((n, s) => n + s.next, 0) > before ? 0 : attempt + 1;
        if (attempt > RETRIES) {
          await reader.settle();
          throw err;
        }
        await sleep(Math.min(250 * 2 ** attempt, 5000));
      }
    }
    await reader.finish();
  }
}

function groupBy<T, K>(items: T[], key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const x of items) {
    const k = key(x);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(x);
  }
  return out;
}

function parseAddress(s: string): BrokerAddress {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`Kafka broker address "${s}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

