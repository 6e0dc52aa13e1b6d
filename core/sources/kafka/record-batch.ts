/**
 * Record batches, message format v2 (https://kafka.apache.org/documentation/#recordbatch), read
 * straight from the fetch response: the 61-byte batch headers first (enough to know where the
 * next fetch starts, before anything is decompressed), then each batch's records into a
 * MessageColumns, keeping only offsets, timestamps and where keys and values lie. Record headers
 * are skipped by the record's length, never parsed. CRCs are not checked (TCP and TLS already
 * guard the bytes; librdkafka skips them by default too).
 */
import { KafkaUnsupportedError } from './errors.ts';
import type { MessageColumns } from './messages.ts';

export const BATCH_HEADER_BYTES = 61;

export interface BatchHeader {
  /** Where the batch starts in the partition's record bytes, and its total size. */
  at: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  baseTimestamp: number;
  codec: number;
  transactional: boolean;
  control: boolean;
  producerId: bigint;
  records: number;
}

const int64 = (buf: Buffer, at: number) => buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);

/**
 * The complete batches in `records` (a fetch response may end with a cut-off one), and the size
 * of that cut-off batch when no complete batch fits before it (the next fetch must allow it).
 */
export function scanBatches(records: Buffer, where: string): { batches: BatchHeader[]; blockedBy: number } {
  const batches: BatchHeader[] = [];
  let at = 0;
  while (at + BATCH_HEADER_BYTES <= records.length) {
    const size = 12 + records.readInt32BE(at + 8);
    if (at + size > records.length) break;
    const magic = records[at + 16]!;
    if (magic !== 2) {
      throw new KafkaUnsupportedError(`${where} holds messages in the legacy format v${magic} (before Kafka 0.11); `
        + 'set the Kafka connection\'s reader to "kafkajs" to read it');
    }
    if (size < BATCH_HEADER_BYTES) throw new Error(`${where}: record batch at offset ${int64(records, at)} is ${size} bytes, shorter than its header: the data is corrupt`);
    const attributes = records.readInt16BE(at + 21);
    const baseOffset = int64(records, at);
    batches.push({
      at, size, baseOffset, lastOffset: baseOffset + records.readInt32BE(at + 23), baseTimestamp: int64(records, at + 27),
      codec: attributes & 7, transactional: (attributes & 0x10) !== 0, control: (attributes & 0x20) !== 0,
      producerId: records.readBigInt64BE(at + 43), records: records.readInt32BE(at + 57),
    });
    at += size;
  }
  const blockedBy = batches.length === 0 && records.length >= 12 ? 12 + records.readInt32BE(8) : 0;
  return { batches, blockedBy };
}

// The decoder's cursor: module state rather than a returned pair, so reading a varint allocates nothing.
let p = 0;

/** A zigzag varint (Kafka's varint and varlong; exact to 2^53). */
function varint(buf: Buffer): number {
  let b = buf[p++]!;
  let v = b & 0x7f;
  if (b < 0x80) return (v >>> 1) ^ -(v & 1);
  b = buf[p++]!; v |= (b & 0x7f) << 7;
  if (b < 0x80) return (v >>> 1) ^ -(v & 1);
  b = buf[p++]!; v |= (b & 0x7f) << 14;
  if (b < 0x80) return (v >>> 1) ^ -(v & 1);
  b = buf[p++]!; v |= (b & 0x7f) << 21;
  if (b < 0x80) return (v >>> 1) ^ -(v & 1);
  // Beyond 28 bits (only timestamp deltas get here): float arithmetic, exact up to 2^53.
  let n = v >>> 0;
  let scale = 2 ** 28;
  do {
    if (scale > 2 ** 63) throw new Error('varint longer than 10 bytes: the record batch is corrupt');
    b = buf[p++]!;
    n += (b & 0x7f) * scale;
    scale *= 128;
  } while (b >= 0x80);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/**
 * Appends the records of one batch with `from <= offset < to` to `out`. `data` holds the
 * records (the batch's bytes after its header, decompressed if it was compressed) from `start`
 * to `end`.
 */
export function decodeRecords(h: BatchHeader, data: Buffer, start: number, end: number, from: number, to: number, out: MessageColumns, where: string): void {
  p = start;
  let n = out.count;
  const { offsets, timestamps, keyStart, keyEnd, valueStart, valueEnd } = out;
  for (let i = 0; i < h.records; i++) {
    const length = varint(data);
    const next = p + length;
    if (length < 0 || next > end) throw new Error(`${where}: record ${i} of the batch at offset ${h.baseOffset} runs past the batch's end: the data is corrupt`);
    p++; // record attributes: unused by format v2
    const timestamp = h.baseTimestamp + varint(data);
    const offset = h.baseOffset + varint(data);
    const keyLength = varint(data);
    const key = p;
    if (keyLength > 0) p += keyLength;
    const valueLength = varint(data);
    const value = p;
    if (valueLength > 0) p += valueLength;
    if (p > next) throw new Error(`${where}: record at offset ${offset} is longer than its stated length: the data is corrupt`);
    if (offset >= from && offset < to) {
      offsets[n] = offset;
      timestamps[n] = timestamp;
      keyStart[n] = keyLength < 0 ? -1 : key;
      keyEnd[n] = keyLength < 0 ? -1 : key + keyLength;
      valueStart[n] = valueLength < 0 ? -1 : value;
      valueEnd[n] = valueLength < 0 ? -1 : value + valueLength;
      n++;
    }
    p = next; // record headers are skipped whole
  }
  out.count = n;
}

/** A control batch's marker: 0 abort, 1 commit (the key of its only record), or -1 if unreadable. */
export function controlType(data: Buffer, start: number, end: number): number {
  p = start;
  varint(data); // length
  p++;
  varint(data); // timestamp delta
  varint(data); // offset delta
  const keyLength = varint(data);
  if (keyLength < 4 || p + 4 > end) return -1;
  return data.readInt16BE(p + 2);
}

/**
 * read_committed filtering (the algorithm of KIP-98): the fetch response lists the aborted
 * transactions overlapping it as (producer, first offset). A transactional batch is dropped while
 * its producer has an abort open at that offset; the producer's ABORT marker closes it.
 */
export class AbortFilter {
  private readonly pending: { producerId: bigint; firstOffset: number }[];
  private readonly open = new Set<bigint>();

  constructor(aborted: { producerId: bigint; firstOffset: bigint }[]) {
    this.pending = aborted.map((a) => ({ producerId: a.producerId, firstOffset: Number(a.firstOffset) })).sort((a, b) => a.firstOffset - b.firstOffset);
  }

  get none(): boolean {
    return this.pending.length === 0 && this.open.size === 0;
  }

  /** True when the batch's records must be skipped (aborted data or a control marker). */
  skip(h: BatchHeader, data: Buffer, start: number, end: number): boolean {
    while (this.pending.length > 0 && this.pending[0]!.firstOffset <= h.lastOffset) this.open.add(this.pending.shift()!.producerId);
    if (h.control) {
      if (this.open.has(h.producerId) && controlType(data, start, end) === 0) this.open.delete(h.producerId);
      return true;
    }
    return h.transactional && this.open.has(h.producerId);
  }
}
