/**
 * The Kafka wire format's primitive types (https://kafka.apache.org/protocol#protocol_types):
 * big-endian integers, int16-prefixed strings, int32-prefixed bytes and arrays. Only the
 * non-flexible encodings: every request Floe sends has a version from before KIP-482's compact
 * forms, which brokers from Kafka 2.3 on (and Redpanda) all accept.
 */

/** Builds one request body; grows as needed. */
export class RequestWriter {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this { this.room(1); this.buf.writeInt8(v, this.pos); this.pos += 1; return this; }
  int16(v: number): this { this.room(2); this.buf.writeInt16BE(v, this.pos); this.pos += 2; return this; }
  int32(v: number): this { this.room(4); this.buf.writeInt32BE(v, this.pos); this.pos += 4; return this; }
  int64(v: bigint): this { this.room(8); this.buf.writeBigInt64BE(v, this.pos); this.pos += 8; return this; }
  bool(v: boolean): this { return this.int8(v ? 1 : 0); }

  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new Error(`a Kafka protocol string is limited to 32767 bytes; got ${n}`);
    this.int16(n);
    this.room(n);
    this.pos += this.buf.write(v, this.pos, 'utf8');
    return this;
  }

  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  array<T>(items: readonly T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Thrown when a response ends before its fields do: the connection is out of step and is closed. */
export class TruncatedResponseError extends Error {}

/** Reads one response body front to back. */
export class ResponseReader {
  pos: number;
  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new TruncatedResponseError(`Kafka response ended early: needed ${n} bytes at ${at}, body is ${this.end} bytes`);
    this.pos = at + n;
    return at;
  }

  int8(): number { return this.buf.readInt8(this.need(1)); }
  int16(): number { return this.buf.readInt16BE(this.need(2)); }
  int32(): number { return this.buf.readInt32BE(this.need(4)); }
  int64(): bigint { return this.buf.readBigInt64BE(this.need(8)); }
  bool(): boolean { return this.int8() !== 0; }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new TruncatedResponseError('Kafka response has a null where a string is required');
    return s;
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }

  /** A view into the response (no copy); null for a null field. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  array<T>(each: (r: this) => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.end - this.pos) throw new TruncatedResponseError(`Kafka response claims an array of ${n} items in ${this.end - this.pos} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
}
