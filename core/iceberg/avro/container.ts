/**
 * Avro object container files (Avro spec, "Object Container Files"): magic `Obj\x01`, a metadata
 * map, a 16-byte sync marker, then blocks of (record count, byte length, data, sync marker).
 *
 * The framing is done here by hand and only the records go through avsc: that keeps the schema
 * JSON we were given byte for byte in `avro.schema` (Iceberg's field ids live there) and lets
 * longs be bigint. Records are decoded with the writer's schema from the file, so a reader sees
 * every field the writer wrote, known to it or not, under the writer's field names.
 */
import { randomBytes } from 'node:crypto';
import { avscType, withoutDefaults, type AvroSchema } from './avro-schema.ts';
import { compressBlock, decompressBlock, isReadableCodec, type AvroReadCodec, type AvroWriteCodec } from './codecs.ts';

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" then format version 1
const SYNC_SIZE = 16;
/** Uncompressed bytes per block before a new one starts; Java's default sync interval is ~64 kB. */
const DEFAULT_BLOCK_BYTES = 64 * 1024;

export interface AvroContainer {
  /** The writer's schema, parsed from `avro.schema` exactly as stored. */
  schema: AvroSchema;
  /** Every header key, `avro.schema` and `avro.codec` included, values decoded as UTF-8. */
  metadata: Record<string, string>;
  codec: AvroReadCodec;
  records: unknown[];
}

export interface AvroContainerInput {
  /** Written verbatim into `avro.schema`: keep `field-id` and other attributes on it. */
  schema: AvroSchema;
  records: Iterable<unknown>;
  /** Extra header keys (Iceberg's `schema`, `partition-spec`, `snapshot-id`...). */
  metadata?: Record<string, string>;
  codec?: AvroWriteCodec;
  /** Only for reproducible bytes in tests; random otherwise, as the Avro spec intends. */
  syncMarker?: Uint8Array;
  blockBytes?: number;
}

export class AvroFormatError extends Error {
  constructor(detail: string) {
    super(`Not a valid Avro container file: ${detail}`);
    this.name = 'AvroFormatError';
  }
}

export function writeAvroContainer(input: AvroContainerInput): Uint8Array {
  const codec = input.codec ?? 'deflate';
  const sync = input.syncMarker ?? randomBytes(SYNC_SIZE);
  if (sync.length !== SYNC_SIZE) throw new Error(`An Avro sync marker is ${SYNC_SIZE} bytes, not ${sync.length}`);
  const type = avscType(input.schema);
  const out = new ByteSink();

  out.bytes(Uint8Array.from(MAGIC));
  // avro.codec is written even for "null": PyIceberg reads a missing codec as its own default
  // (gzip), which it then rejects as unknown.
  const metadata = { ...input.metadata, 'avro.schema': JSON.stringify(input.schema), 'avro.codec': codec };
  const entries = Object.entries(metadata);
  const utf8 = new TextEncoder();
  out.long(entries.length);
  for (const [key, value] of entries) {
    out.lengthPrefixed(utf8.encode(key));
    out.lengthPrefixed(utf8.encode(value));
  }
  out.long(0);
  out.bytes(sync);

  const blockLimit = input.blockBytes ?? DEFAULT_BLOCK_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const data = compressBlock(codec, Buffer.concat(pending, pendingBytes));
    out.long(pending.length);
    out.lengthPrefixed(data);
    out.bytes(sync);
    pending = [];
    pendingBytes = 0;
  };
  for (const record of input.records) {
    const encoded = type.toBuffer(record);
    pending.push(encoded);
    pendingBytes += encoded.length;
    if (pendingBytes >= blockLimit) flush();
  }
  flush();
  return out.concat();
}

export function readAvroContainer(bytes: Uint8Array): AvroContainer {
  const src = new ByteSource(bytes);
  for (const b of MAGIC) {
    if (src.byte() !== b) throw new AvroFormatError('the file does not start with "Obj\\x01"');
  }
  const metadata = readMetadataMap(src);
  const sync = src.take(SYNC_SIZE);

  const schemaJson = metadata['avro.schema'];
  if (schemaJson === undefined) throw new AvroFormatError('the header has no avro.schema');
  const schema = JSON.parse(schemaJson) as AvroSchema;
  const codec = metadata['avro.codec'] ?? 'null';
  if (!isReadableCodec(codec)) {
    throw new AvroFormatError(`codec "${codec}" is not supported (Floe reads null, deflate, snappy and zstandard)`);
  }
  const type = avscType(withoutDefaults(schema));

  const records: unknown[] = [];
  while (!src.atEnd()) {
    const count = src.long();
    const data = src.take(src.long());
    const block = decompressBlock(codec, data);
    const buf = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const decoded = type.decode(buf, offset);
      if (decoded.offset < 0) throw new AvroFormatError(`a block ends inside record ${i + 1} of ${count}`);
      records.push(decoded.value);
      offset = decoded.offset;
    }
    if (offset !== buf.length) throw new AvroFormatError(`a block has ${buf.length - offset} bytes after its ${count} records`);
    if (!equalBytes(src.take(SYNC_SIZE), sync)) throw new AvroFormatError('a block is not followed by the sync marker');
  }
  return { schema, metadata, codec, records };
}

/** The header map<bytes>: blocks of entries, a negative count meaning "byte size follows". */
function readMetadataMap(src: ByteSource): Record<string, string> {
  const utf8 = new TextDecoder();
  const metadata: Record<string, string> = {};
  for (let count = src.long(); count !== 0; count = src.long()) {
    if (count < 0) {
      count = -count;
      src.long();
    }
    for (let i = 0; i < count; i++) {
      const key = utf8.decode(src.take(src.long()));
      metadata[key] = utf8.decode(src.take(src.long()));
    }
  }
  return metadata;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Zig-zag varints in plain arithmetic: framing numbers are counts and lengths, far below 2^53. */
class ByteSink {
  private chunks: Uint8Array[] = [];

  bytes(b: Uint8Array): void {
    this.chunks.push(b);
  }

  long(n: number): void {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    const out: number[] = [];
    while (z >= 0x80) {
      out.push((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    out.push(z);
    this.chunks.push(Uint8Array.from(out));
  }

  lengthPrefixed(b: Uint8Array): void {
    this.long(b.length);
    this.bytes(b);
  }

  concat(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

class ByteSource {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new AvroFormatError('unexpected end of file');
    return b;
  }

  long(): number {
    let z = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      z += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new AvroFormatError('a count or length is too large');
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new AvroFormatError('unexpected end of file');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
