import { describe, expect, it } from 'vitest';
import { crc32, deflateRawSync } from 'node:zlib';
import { compress as snappyCompress } from 'snappyjs';
import { avscType, type AvroSchema } from '../../../../core/iceberg/avro/avro-schema.ts';
import { AvroFormatError, readAvroContainer, writeAvroContainer } from '../../../../core/iceberg/avro/container.ts';

const schema: AvroSchema = {
  type: 'record',
  name: 'r',
  fields: [
    { name: 'id', type: 'long', 'field-id': 1 },
    { name: 's', type: 'string', 'field-id': 2 },
    { name: 'ts', type: ['null', { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true }], default: null, 'field-id': 3 },
    {
      name: 'm', 'field-id': 4,
      type: ['null', { type: 'array', logicalType: 'map', items: { type: 'record', name: 'k5_v6', fields: [
        { name: 'key', type: 'int', 'field-id': 5 }, { name: 'value', type: 'bytes', 'field-id': 6 },
      ] } }],
      default: null,
    },
  ],
};

const records = [
  { id: 9223372036854775807n, s: 'max', ts: 1714564800000000n, m: [{ key: 1, value: Buffer.from([1, 2, 3]) }] },
  { id: -9223372036854775808n, s: 'min', ts: null, m: null },
  { id: 8333333333333333333n, s: 'ünïcödé 🧊', ts: -1n, m: [] },
];

const sync = Uint8Array.from({ length: 16 }, (_, i) => i);

/** A container framed by hand, its blocks already compressed: how another writer's file looks. */
function frame(codec: string | undefined, blocks: { count: number; data: Uint8Array }[]): Uint8Array {
  const parts: number[] = [0x4f, 0x62, 0x6a, 0x01];
  const long = (n: number) => {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) { parts.push((z & 0x7f) | 0x80); z = Math.floor(z / 128); }
    parts.push(z);
  };
  const bytes = (b: Uint8Array) => { long(b.length); parts.push(...b); };
  const utf8 = (s: string) => bytes(new TextEncoder().encode(s));
  long(codec === undefined ? 1 : 2);
  utf8('avro.schema'); utf8(JSON.stringify(schema));
  if (codec !== undefined) { utf8('avro.codec'); utf8(codec); }
  long(0);
  parts.push(...sync);
  for (const b of blocks) { long(b.count); bytes(b.data); parts.push(...sync); }
  return Uint8Array.from(parts);
}

function encoded(recs: unknown[]): Uint8Array {
  const type = avscType(schema);
  return Buffer.concat(recs.map((r) => type.toBuffer(r)));
}

function expectDecoded(values: unknown[]): void {
  expect(values.map((v) => ({ ...(v as object) }))).toEqual(records);
}

describe('Avro container files', () => {
  for (const codec of ['null', 'deflate'] as const) {
    it(`round-trips 63-bit longs, unicode, unions and int-keyed maps with codec ${codec}`, () => {
      const bytes = writeAvroContainer({ schema, records, codec, metadata: { 'snapshot-id': '8333333333333333333' } });
      const file = readAvroContainer(bytes);
      expect(file.codec).toBe(codec);
      expect(file.metadata['avro.codec']).toBe(codec);
      expect(file.metadata['snapshot-id']).toBe('8333333333333333333');
      expectDecoded(file.records);
    });
  }

  it('stores the schema JSON verbatim, field ids and logicalType map included', () => {
    const file = readAvroContainer(writeAvroContainer({ schema, records: [] }));
    expect(file.metadata['avro.schema']).toBe(JSON.stringify(schema));
    expect(file.schema).toEqual(schema);
    expect(file.records).toEqual([]);
  });

  it('splits records over several blocks and reads them all back', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ id: BigInt(i) * 18446744073709551n, s: `row ${i}`, ts: null, m: null }));
    const bytes = writeAvroContainer({ schema, records: many, blockBytes: 256, syncMarker: sync });
    let syncs = 0;
    for (let i = 0; i + 16 <= bytes.length; i++) if (sync.every((b, j) => bytes[i + j] === b)) syncs++;
    expect(syncs).toBeGreaterThan(10);
    expect(readAvroContainer(bytes).records.map((r) => (r as { id: bigint }).id)).toEqual(many.map((r) => r.id));
  });

  it('writes reproducible bytes given a sync marker', () => {
    const a = writeAvroContainer({ schema, records, syncMarker: sync });
    const b = writeAvroContainer({ schema, records, syncMarker: sync });
    expect(a).toEqual(b);
  });

  it('refuses longs that are not bigint or do not fit in 64 bits', () => {
    expect(() => writeAvroContainer({ schema, records: [{ ...records[1], id: 5 }] })).toThrow();
    expect(() => writeAvroContainer({ schema, records: [{ ...records[1], id: 2n ** 63n }] })).toThrow();
  });

  it('reads deflate blocks framed by another writer', () => {
    expectDecoded(readAvroContainer(frame('deflate', [{ count: 3, data: deflateRawSync(encoded(records)) }])).records);
  });

  it('reads snappy blocks and checks their CRC-32 trailer', () => {
    const raw = encoded(records);
    const block = (crc: number) => {
      const compressed = snappyCompress(raw);
      const out = new Uint8Array(compressed.length + 4);
      out.set(compressed);
      new DataView(out.buffer).setUint32(compressed.length, crc, false);
      return out;
    };
    expectDecoded(readAvroContainer(frame('snappy', [{ count: 3, data: block(crc32(raw)) }])).records);
    expect(() => readAvroContainer(frame('snappy', [{ count: 3, data: block(crc32(raw) ^ 1) }]))).toThrow(/checksum mismatch/);
  });

  it('reads zstandard blocks as Python zstandard writes them, with and without the content size', () => {
    // Made by the zstandard package (0.25) for a test: block 1 one-shot (frame has the content
    // size, as PyIceberg writes), block 2 streamed (no content size, checksum on, as Java writes).
    const fixture = Buffer.from(
      'T2JqAQQWYXZyby5zY2hlbWGUAnsidHlwZSI6ICJyZWNvcmQiLCAibmFtZSI6ICJyIiwgImZpZWxkcyI6IFt7Im5hbWUiOiAiaWQiLCAidHlwZSI6ICJsb25nIiwgImZpZWxkLWlkIjogMX0sIHsibmFtZSI6ICJzIiwgInR5cGUiOiAic3RyaW5nIiwgImZpZWxkLWlkIjogMn1dfRRhdnJvLmNvZGVjEnpzdGFuZGFyZAAAAQIDBAUGBwgJCgsMDQ4PBlwotS/9IGMtAQDY/v8BBm1heP8BBm1pbqrVioT5oPml5wF4YmlnAwCtOwE86II2AAECAwQFBgcICQoLDA0ODwQ6KLUv/QRYgQAAAgZvbmUBEm1pbnVzIG9uZe+U+34AAQIDBAUGBwgJCgsMDQ4P',
      'base64',
    );
    const file = readAvroContainer(fixture);
    expect(file.codec).toBe('zstandard');
    expect(file.records.map((r) => ({ ...(r as object) }))).toEqual([
      { id: 9223372036854775807n, s: 'max' },
      { id: -9223372036854775808n, s: 'min' },
      { id: 8333333333333333333n, s: 'big'.repeat(20) },
      { id: 1n, s: 'one' },
      { id: -1n, s: 'minus one' },
    ]);
  });

  it('says which codec it cannot read', () => {
    expect(() => readAvroContainer(frame('bzip2', []))).toThrow(/codec "bzip2" is not supported/);
  });

  it('reads a file without avro.codec as uncompressed, as the Avro spec says', () => {
    const file = readAvroContainer(frame(undefined, [{ count: 3, data: encoded(records) }]));
    expect(file.codec).toBe('null');
    expectDecoded(file.records);
  });

  it('rejects files that are not Avro, truncated or with a wrong sync marker', () => {
    const good = writeAvroContainer({ schema, records, syncMarker: sync, codec: 'null' });
    expect(() => readAvroContainer(new TextEncoder().encode('PAR1'))).toThrow(AvroFormatError);
    expect(() => readAvroContainer(good.subarray(0, good.length - 20))).toThrow(AvroFormatError);
    const badSync = good.slice();
    badSync[badSync.length - 1] = (good[good.length - 1] ?? 0) ^ 0xff;
    expect(() => readAvroContainer(badSync)).toThrow(/sync marker/);
  });
});
