/**
 * Record batches (message format v2) built by hand for the decoder's tests, field by field as
 * https://kafka.apache.org/documentation/#recordbatch lays them out; CRCs left zero (not checked).
 */
export interface TestRecord {
  offsetDelta: number;
  timestampDelta?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: [string, string][];
  /** Bytes to append inside the record (after its headers) to test length handling. */
  padding?: number;
}

export interface TestBatch {
  baseOffset: number;
  baseTimestamp?: number;
  records: TestRecord[];
  /** Bits 0-2 codec, 4 transactional, 5 control. */
  attributes?: number;
  producerId?: bigint;
  magic?: number;
  /** Replaces the records' bytes (e.g. a compressed payload); `records` still gives the count. */
  payload?: Buffer;
}

/** A zigzag varint, for numbers up to 2^53. */
export function varint(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return Buffer.from(out);
}

const bytes = (b: Buffer | null | undefined) => (b == null ? varint(-1) : Buffer.concat([varint(b.length), b]));

export function encodeRecords(records: TestRecord[]): Buffer {
  return Buffer.concat(records.map((r) => {
    const headers = r.headers ?? [];
    const body = Buffer.concat([
      Buffer.from([0]), varint(r.timestampDelta ?? 0), varint(r.offsetDelta), bytes(r.key), bytes(r.value === undefined ? Buffer.from('') : r.value),
      varint(headers.length), ...headers.map(([k, v]) => Buffer.concat([bytes(Buffer.from(k)), bytes(Buffer.from(v))])),
      Buffer.alloc(r.padding ?? 0),
    ]);
    return Buffer.concat([varint(body.length), body]);
  }));
}

export function encodeBatch(b: TestBatch): Buffer {
  const payload = b.payload ?? encodeRecords(b.records);
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(BigInt(b.baseOffset), 0);
  header.writeInt32BE(61 - 12 + payload.length, 8);
  header.writeInt32BE(0, 12); // partition leader epoch
  header.writeInt8(b.magic ?? 2, 16);
  header.writeInt16BE(b.attributes ?? 0, 21);
  header.writeInt32BE(Math.max(0, ...b.records.map((r) => r.offsetDelta)), 23);
  header.writeBigInt64BE(BigInt(b.baseTimestamp ?? 0), 27);
  header.writeBigInt64BE(BigInt(b.baseTimestamp ?? 0), 35);
  header.writeBigInt64BE(b.producerId ?? -1n, 43);
  header.writeInt16BE(0, 51);
  header.writeInt32BE(0, 53);
  header.writeInt32BE(b.records.length, 57);
  return Buffer.concat([header, payload]);
}

/** A control batch's marker record: key (version 0, type 0 abort / 1 commit), value ignored. */
export function controlBatch(baseOffset: number, producerId: bigint, type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return encodeBatch({ baseOffset, producerId, attributes: 0x30, records: [{ offsetDelta: 0, key, value: Buffer.alloc(6) }] });
}
