/**
 * Deletion vectors (Iceberg v3, spec "Deletion Vectors"): a blob of a Puffin file holding the
 * deleted row positions of one data file as a 64-bit Roaring bitmap in its portable form. The blob
 * is framed by its length (4 bytes, big-endian), the magic D1 D3 39 64, and a CRC-32 (big-endian)
 * of the magic and the bitmap. The 64-bit bitmap is a count of 32-bit bitmaps (8 bytes,
 * little-endian), then per bitmap its key (the positions' high 32 bits, 4 bytes little-endian) and
 * the bitmap in the standard 32-bit portable Roaring format.
 */
import { crc32 } from 'node:zlib';

const MAGIC = [0xd1, 0xd3, 0x39, 0x64];
const COOKIE_NO_RUNS = 12346;
const COOKIE_WITH_RUNS = 12347;
/** A container with more values than this is a bitmap (when it is not runs). */
const MAX_ARRAY_VALUES = 4096;
/** With run containers, the offsets header is only written from this many containers on. */
const NO_OFFSET_THRESHOLD = 4;

/** The deleted positions of a deletion vector blob, ascending. `where` names the blob in errors. */
export function deletedPositions(blob: Uint8Array, where: string): number[] {
  const fail = (why: string): never => { throw new Error(`Deletion vector ${where} is corrupt: ${why}`); };
  if (blob.length < 12) fail(`${blob.length} bytes is too short for a deletion vector`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const framed = view.getUint32(0, false);
  if (framed + 8 !== blob.length) fail(`its length field says ${framed} bytes of magic and bitmap, the blob has ${blob.length - 8}`);
  for (let i = 0; i < 4; i++) if (blob[4 + i] !== MAGIC[i]) fail('its magic bytes are not D1 D3 39 64');
  const expected = view.getUint32(4 + framed, false);
  const actual = crc32(blob.subarray(4, 4 + framed)) >>> 0;
  if (actual !== expected) fail(`its CRC-32 is ${actual.toString(16)}, the blob says ${expected.toString(16)}`);
  return roaring64(new Reader(blob.subarray(8, 4 + framed), fail));
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly fail: (why: string) => never) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.at + n > this.bytes.length) this.fail(`the bitmap ends early (at byte ${this.at}, ${n} more needed)`);
  }
  u16(): number { this.need(2); const v = this.view.getUint16(this.at, true); this.at += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.at, true); this.at += 4; return v; }
  advance(n: number): void { this.need(n); this.at += n; }
  get offset(): number { return this.at; }
}

function roaring64(r: Reader): number[] {
  const low = r.u32();
  const high = r.u32();
  if (high !== 0 || low > 0xffffffff) r.fail('it holds more 32-bit bitmaps than positions can need');
  const out: number[] = [];
  let previousKey = -1;
  for (let b = 0; b < low; b++) {
    const key = r.u32();
    if (key <= previousKey) r.fail('its 32-bit bitmaps are not in ascending key order');
    previousKey = key;
    roaring32(r, key * 2 ** 32, out);
  }
  if (r.offset !== r.bytes.length) r.fail(`${r.bytes.length - r.offset} bytes follow the bitmap`);
  return out;
}

/** One 32-bit portable Roaring bitmap, its values plus `base` appended to `out` in ascending order. */
function roaring32(r: Reader, base: number, out: number[]): void {
  const cookie = r.u32();
  let containers: number;
  let runFlags: Uint8Array | null = null;
  if ((cookie & 0xffff) === COOKIE_WITH_RUNS) {
    containers = (cookie >>> 16) + 1;
    const bytes = Math.ceil(containers / 8);
    r.need(bytes);
    runFlags = r.bytes.slice(r.offset, r.offset + bytes);
    r.advance(bytes);
  } else if (cookie === COOKIE_NO_RUNS) {
    containers = r.u32();
  } else {
    return r.fail(`a 32-bit bitmap starts with cookie ${cookie}, not a portable Roaring bitmap's`);
  }
  const keys: number[] = [];
  const cardinalities: number[] = [];
  for (let c = 0; c < containers; c++) {
    keys.push(r.u16());
    cardinalities.push(r.u16() + 1);
  }
  if (!runFlags || containers >= NO_OFFSET_THRESHOLD) r.advance(4 * containers); // offsets: containers follow in order anyway
  for (let c = 0; c < containers; c++) {
    const high = base + keys[c]! * 65536;
    if (c > 0 && keys[c]! <= keys[c - 1]!) r.fail('its containers are not in ascending key order');
    if (runFlags && (runFlags[c >> 3]! >> (c & 7)) & 1) {
      const runs = r.u16();
      for (let k = 0; k < runs; k++) {
        const start = r.u16();
        const length = r.u16();
        for (let v = start; v <= start + length; v++) out.push(high + v);
      }
    } else if (cardinalities[c]! > MAX_ARRAY_VALUES) {
      r.need(8192);
      const bits = r.bytes.subarray(r.offset, r.offset + 8192);
      for (let byte = 0; byte < 8192; byte++) {
        const v = bits[byte]!;
        if (v === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (v & (1 << bit)) out.push(high + byte * 8 + bit);
      }
      r.advance(8192);
    } else {
      for (let k = 0; k < cardinalities[c]!; k++) out.push(high + r.u16());
    }
  }
}
