/**
 * Image ids (UUIDs) interned as small integers, straight from the message bytes: the 32 hex
 * digits become four 32-bit words in a typed-array hash table, so an event costs no string.
 * Equal UUIDs in any letter case get the same number, and `idOf` gives the canonical lower-case
 * text. Ordering by the words is ordering by that text (hex digits sort as their values).
 */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }
const DASH = 45;
const EMPTY = -1;
const LOWER_HEX = Buffer.from('0123456789abcdef');
/** Bytes of a UUID's text. */
export const TEXT_BYTES = 36;

/** Four hex digits' value, or a negative number if one is not a hex digit. */
function hex4(d: Uint8Array, at: number): number {
  const a = HEX[d[at]!]!, b = HEX[d[at + 1]!]!, c = HEX[d[at + 2]!]!, e = HEX[d[at + 3]!]!;
  return (a | b | c | e) < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | e;
}

const hash = (a: number, b: number, c: number, d: number) => Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(c ^ d, 0xc2b2ae35);

export class ImageIds {
  private words = new Int32Array(4 * 1024);
  private slots = new Int32Array(2048).fill(EMPTY);
  private count = 0;
  // The word decoder's output, reused: no allocation per id.
  private readonly w = new Int32Array(4);

  get size(): number {
    return this.count;
  }

  /** The number of the UUID at bytes [at, at + 36), or -1 if they are not one. */
  fromBytes(d: Uint8Array, at: number): number {
    return this.read(d, at) ? this.interned() : -1;
  }

  /** Reads the UUID at bytes [at, at + 36) without numbering it yet; false if they are not one. */
  read(d: Uint8Array, at: number): boolean {
    if (at < 0 || at + 36 > d.length) return false;
    if (d[at + 8] !== DASH || d[at + 13] !== DASH || d[at + 18] !== DASH || d[at + 23] !== DASH) return false;
    const a = hex4(d, at), b = hex4(d, at + 4), c = hex4(d, at + 9), e = hex4(d, at + 14);
    const f = hex4(d, at + 19), g = hex4(d, at + 24), h = hex4(d, at + 28), k = hex4(d, at + 32);
    if ((a | b | c | e | f | g | h | k) < 0) return false;
    const w = this.w;
    w[0] = (a << 16) | b;
    w[1] = (c << 16) | e;
    w[2] = (f << 16) | g;
    w[3] = (h << 16) | k;
    return true;
  }

  /** The number of a UUID given as text (already validated as 8-4-4-4-12 hex digits). */
  fromString(id: string): number {
    const bytes = Buffer.from(id, 'latin1');
    const n = bytes.length === 36 ? this.fromBytes(bytes, 0) : -1;
    if (n < 0) throw new Error(`"${id}" is not a UUID`);
    return n;
  }

  idOf(n: number): string {
    const text = new Uint8Array(TEXT_BYTES);
    this.writeText(n, text, 0);
    return Buffer.from(text.buffer).toString('latin1');
  }

  /** Writes image n's canonical text (36 ASCII bytes) into `out` at `at`. */
  writeText(n: number, out: Uint8Array, at: number): void {
    let o = at;
    for (let i = 0; i < 4; i++) {
      const word = this.words[4 * n + i]!;
      for (let shift = 28; shift >= 0; shift -= 4) {
        if (o - at === 8 || o - at === 13 || o - at === 18 || o - at === 23) out[o++] = DASH;
        out[o++] = LOWER_HEX[(word >>> shift) & 15]!;
      }
    }
  }

  /** Image numbers ordered by their canonical text. */
  sorted(): Int32Array {
    const order = Int32Array.from({ length: this.count }, (_, i) => i);
    const words = this.words;
    return order.sort((x, y) => {
      for (let i = 0; i < 4; i++) {
        const a = words[4 * x + i]! >>> 0, b = words[4 * y + i]! >>> 0;
        if (a !== b) return a < b ? -1 : 1;
      }
      return 0;
    });
  }

  /** The number of the UUID last read. */
  interned(): number {
    const w = this.w;
    const mask = this.slots.length - 1;
    let slot = hash(w[0]!, w[1]!, w[2]!, w[3]!) & mask;
    for (;;) {
      const n = this.slots[slot]!;
      if (n === EMPTY) break;
      const o = 4 * n;
      if (this.words[o] === w[0] && this.words[o + 1] === w[1] && this.words[o + 2] === w[2] && this.words[o + 3] === w[3]) return n;
      slot = (slot + 1) & mask;
    }
    const n = this.count++;
    if (4 * this.count > this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words.set(w, 4 * n);
    this.slots[slot] = n;
    if (this.count * 2 > this.slots.length) this.rehash();
    return n;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = this.slots.length - 1;
    const words = this.words;
    for (let n = 0; n < this.count; n++) {
      const o = 4 * n;
      let slot = hash(words[o]!, words[o + 1]!, words[o + 2]!, words[o + 3]!) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = n;
    }
  }
}
