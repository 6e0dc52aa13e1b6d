import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deletedPositions } from '../../../../core/iceberg/read/deletion-vector.ts';

type Container = { key: number; kind: 'array'; values: number[] } | { key: number; kind: 'bitmap'; values: number[] } | { key: number; kind: 'runs'; runs: [number, number][] };

/** A 32-bit portable Roaring bitmap, laid out by hand from the format's description. */
function roaring32(containers: Container[], withRunCookie: boolean): number[] {
  const out: number[] = [];
  const u16 = (v: number) => out.push(v & 0xff, v >> 8);
  const u32 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  const cardinality = (c: Container) => (c.kind === 'runs' ? c.runs.reduce((n, [, len]) => n + len + 1, 0) : c.values.length);
  if (withRunCookie) {
    u32(12347 | ((containers.length - 1) << 16));
    const flags = new Array<number>(Math.ceil(containers.length / 8)).fill(0);
    containers.forEach((c, i) => { if (c.kind === 'runs') flags[i >> 3]! |= 1 << (i & 7); });
    out.push(...flags);
  } else {
    u32(12346);
    u32(containers.length);
  }
  for (const c of containers) { u16(c.key); u16(cardinality(c) - 1); }
  if (!withRunCookie || containers.length >= 4) for (let i = 0; i < containers.length; i++) u32(0); // offsets, unused by the reader
  for (const c of containers) {
    if (c.kind === 'runs') { u16(c.runs.length); for (const [start, len] of c.runs) { u16(start); u16(len); } }
    else if (c.kind === 'array') for (const v of c.values) u16(v);
    else {
      const bits = new Array<number>(8192).fill(0);
      for (const v of c.values) bits[v >> 3]! |= 1 << (v & 7);
      out.push(...bits);
    }
  }
  return out;
}

/** A deletion-vector blob: length, magic, the 64-bit bitmap (count, then key and 32-bit bitmap each), CRC. */
function blob(bitmaps: { key: number; bytes: number[] }[]): Uint8Array {
  const body: number[] = [0xd1, 0xd3, 0x39, 0x64, bitmaps.length, 0, 0, 0, 0, 0, 0, 0];
  for (const b of bitmaps) body.push(b.key & 0xff, (b.key >> 8) & 0xff, (b.key >> 16) & 0xff, b.key >>> 24, ...b.bytes);
  const out = new Uint8Array(body.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, false);
  out.set(body, 4);
  view.setUint32(4 + body.length, crc32(Uint8Array.from(body)) >>> 0, false);
  return out;
}

const dense = Array.from({ length: 5000 }, (_, i) => 2 * i + 1);

describe('deletion vectors', () => {
  it('reads run, bitmap and array containers of several 32-bit bitmaps, in ascending order', () => {
    const positions = deletedPositions(blob([
      { key: 0, bytes: roaring32([{ key: 0, kind: 'array', values: [3, 17, 65535] }, { key: 1, kind: 'runs', runs: [[0, 2], [10, 0]] }], true) },
      { key: 2, bytes: roaring32([{ key: 7, kind: 'bitmap', values: dense }], false) },
    ]), 'test blob');
    const high = 2 * 2 ** 32 + 7 * 65536;
    expect([...positions]).toEqual([3, 17, 65535, 65536, 65537, 65538, 65546, ...dense.map((v) => high + v)]);
  });

  it('reads four or more containers with runs (offsets present) and an empty vector', () => {
    const containers: Container[] = [0, 1, 2, 3].map((key) => ({ key, kind: 'runs', runs: [[key, 1]] }));
    expect([...deletedPositions(blob([{ key: 0, bytes: roaring32(containers, true) }]), 'test')])
      .toEqual([0, 1, 65537, 65538, 131074, 131075, 196611, 196612]);
    expect([...deletedPositions(blob([]), 'empty')]).toEqual([]);
  });

  it('says which blob is corrupt and how: checksum, magic, length, truncation', () => {
    const good = blob([{ key: 0, bytes: roaring32([{ key: 0, kind: 'array', values: [1, 2] }], false) }]);
    const flipped = good.slice(); flipped[20]! ^= 1;
    expect(() => deletedPositions(flipped, 'file.puffin@4')).toThrow(/Deletion vector file\.puffin@4 is corrupt: its CRC-32 is/);
    const magic = good.slice(); magic[4] = 0;
    expect(() => deletedPositions(magic, 'x')).toThrow(/magic bytes/);
    expect(() => deletedPositions(good.subarray(0, good.length - 2), 'x')).toThrow(/length field says/);
    const truncated = blob([{ key: 0, bytes: roaring32([{ key: 0, kind: 'array', values: [1, 2] }], false).slice(0, -1) }]);
    expect(() => deletedPositions(truncated, 'x')).toThrow(/the bitmap ends early/);
  });
});
