/**
 * The three requests a range reader needs, in their non-flexible versions
 * (https://kafka.apache.org/protocol#protocol_messages): Metadata v1-8 (brokers and partition
 * leaders), ListOffsets v2-5 (log start, last stable offset, offset for a time) and Fetch v4-11
 * (record batches, with the aborted transactions of read_committed). Each encoder and decoder
 * handles every version in its range; the connection picks the highest the broker supports.
 */
import { RequestWriter, ResponseReader } from './wire.ts';

export const METADATA_VERSIONS = { min: 1, max: 8 };
export const LIST_OFFSETS_VERSIONS = { min: 2, max: 5 };
export const FETCH_VERSIONS = { min: 4, max: 11 };

/** Kafka's isolation levels: read_committed hides aborted transactions and stops at the LSO. */
export const READ_COMMITTED = 1;

export interface MetadataResponse {
  brokers: Map<number, { host: string; port: number }>;
  topics: {
    name: string;
    errorCode: number;
    partitions: { partition: number; errorCode: number; leader: number; leaderEpoch: number }[];
  }[];
}

export function encodeMetadata(version: number, topics: string[]): Buffer {
  const w = new RequestWriter().array(topics, (x, t) => x.string(t));
  if (version >= 4) w.bool(false); // never create a topic by asking about it
  if (version >= 8) w.bool(false).bool(false);
  return w.done();
}

export function decodeMetadata(version: number, body: Buffer): MetadataResponse {
  const r = new ResponseReader(body);
  if (version >= 3) r.int32(); // throttle time
  const brokers = new Map<number, { host: string; port: number }>();
  for (const b of r.array((x) => {
    const node = x.int32(), host = x.string(), port = x.int32();
    x.nullableString(); // rack
    return { node, host, port };
  })) brokers.set(b.node, { host: b.host, port: b.port });
  if (version >= 2) r.nullableString(); // cluster id
  r.int32(); // controller id
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string();
    t.bool(); // internal
    const partitions = t.array((p) => {
      const pe = p.int16(), partition = p.int32(), leader = p.int32();
      const leaderEpoch = version >= 7 ? p.int32() : -1;
      p.array((n) => n.int32()); // replicas
      p.array((n) => n.int32()); // in-sync replicas
      if (version >= 5) p.array((n) => n.int32()); // offline replicas
      return { partition, errorCode: pe, leader, leaderEpoch };
    });
    if (version >= 8) t.int32(); // authorized operations
    return { name, errorCode, partitions };
  });
  return { brokers, topics };
}

/** ListOffsets' special timestamps: the log start and (read_committed) the last stable offset. */
export const EARLIEST = -2n;
export const LATEST = -1n;

export interface ListOffsetsPartition { partition: number; errorCode: number; timestamp: bigint; offset: bigint }

export function encodeListOffsets(version: number, topic: string, partitions: { partition: number; leaderEpoch: number; timestamp: bigint }[]): Buffer {
  const w = new RequestWriter().int32(-1).int8(READ_COMMITTED);
  w.array([topic], (x, name) => {
    x.string(name).array(partitions, (y, p) => {
      y.int32(p.partition);
      if (version >= 4) y.int32(p.leaderEpoch);
      y.int64(p.timestamp);
    });
  });
  return w.done();
}

export function decodeListOffsets(version: number, body: Buffer): ListOffsetsPartition[] {
  const r = new ResponseReader(body);
  r.int32(); // throttle time
  const out: ListOffsetsPartition[] = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      const partition = p.int32(), errorCode = p.int16(), timestamp = p.int64(), offset = p.int64();
      if (version >= 4) p.int32(); // leader epoch
      out.push({ partition, errorCode, timestamp, offset });
    });
  });
  return out;
}

export interface FetchPartitionRequest { partition: number; leaderEpoch: number; offset: bigint; maxBytes: number }

export interface FetchRequestOptions { maxWaitMs: number; minBytes: number; maxBytes: number }

export function encodeFetch(version: number, topic: string, partitions: FetchPartitionRequest[], o: FetchRequestOptions): Buffer {
  const w = new RequestWriter().int32(-1).int32(o.maxWaitMs).int32(o.minBytes).int32(o.maxBytes).int8(READ_COMMITTED);
  // No fetch session (id 0, epoch -1): every request names its partitions and offsets in full.
  if (version >= 7) w.int32(0).int32(-1);
  w.array([topic], (x, name) => {
    x.string(name).array(partitions, (y, p) => {
      y.int32(p.partition);
      if (version >= 9) y.int32(p.leaderEpoch);
      y.int64(p.offset);
      if (version >= 5) y.int64(-1n); // log start offset: only followers send it
      y.int32(p.maxBytes);
    });
  });
  if (version >= 7) w.array([], () => undefined); // forgotten topics
  if (version >= 11) w.string(''); // rack
  return w.done();
}

export interface AbortedTransaction { producerId: bigint; firstOffset: bigint }

export interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  aborted: AbortedTransaction[];
  /** Record batches as the broker sent them (a view into the response; the last may be cut off). */
  records: Buffer;
}

export function decodeFetch(version: number, body: Buffer): { errorCode: number; throttleMs: number; partitions: FetchPartitionResponse[] } {
  const r = new ResponseReader(body);
  const throttleMs = r.int32();
  let errorCode = 0;
  if (version >= 7) {
    errorCode = r.int16();
    r.int32(); // session id
  }
  const partitions: FetchPartitionResponse[] = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      const partition = p.int32(), pe = p.int16(), highWatermark = p.int64(), lastStableOffset = p.int64();
      const logStartOffset = version >= 5 ? p.int64() : -1n;
      const aborted = p.array((a) => ({ producerId: a.int64(), firstOffset: a.int64() }));
      if (version >= 11) p.int32(); // preferred read replica: Floe reads from leaders
      const records = p.nullableBytes() ?? Buffer.alloc(0);
      partitions.push({ partition, errorCode: pe, highWatermark, lastStableOffset, logStartOffset, aborted, records });
    });
  });
  return { errorCode, throttleMs, partitions };
}
