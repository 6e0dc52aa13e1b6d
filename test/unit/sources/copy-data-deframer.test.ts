import { describe, expect, it } from 'vitest';
import { CopyDataDeframer } from '../../../core/sources/postgres-copy.ts';

/** A protocol message: type byte, 4-byte length (counting itself), body. */
function message(type: string, body: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const b = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const m = new Uint8Array(5 + b.length);
  m[0] = type.charCodeAt(0);
  new DataView(m.buffer).setUint32(1, 4 + b.length);
  m.set(b, 5);
  return m;
}
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const rows = ['1\tfirst\n', '2\t🍜 second\n', '3\t' + 'x'.repeat(3000) + '\n', '4\t\\N\n'];
const after = concat([message('C', 'COPY 4\0'), message('Z', 'T')]);
const stream = concat([
  message('H', new Uint8Array([0, 0, 2, 0, 0, 0, 0])),
  message('d', rows[0]!), message('N', 'SNOTICE\0Mhello\0\0'), message('d', rows[1]!), message('S', 'a\0b\0'),
  message('d', rows[2]!), message('d', rows[3]!), message('c'), after,
]);
const expected = new TextEncoder().encode(rows.join(''));

function run(bytes: Uint8Array, chunk: number) {
  const d = new CopyDataDeframer();
  const payload: number[] = [];
  let rest: Uint8Array | undefined;
  for (let i = 0; i < bytes.length && rest === undefined; i += chunk) {
    const c = bytes.subarray(i, i + chunk);
    const r = d.push(c);
    payload.push(...r.payload);
    if (r.rest !== undefined) rest = c.subarray(r.rest);
  }
  return { payload: Uint8Array.from(payload), rest, done: d.done };
}

describe('CopyData frames stripped from the protocol stream', () => {
  it('gives the payloads back, passing over CopyOutResponse, notices and parameter status, wherever the chunks end', () => {
    for (const size of [1, 2, 3, 4, 5, 6, 7, 11, 64, 4096, stream.length]) {
      const { payload, rest, done } = run(stream, size);
      expect(payload, `chunks of ${size}`).toEqual(expected);
      expect(done).toBe(true);
      // What follows CopyDone starts pg's part; it may begin in a later chunk than CopyDone's.
      if (rest && rest.length > 0) expect(rest[0]).toBe('C'.charCodeAt(0));
    }
    expect(run(stream, stream.length).rest).toEqual(after);
  });

  it('hands an ErrorResponse to pg where it starts, with the rows before it', () => {
    const error = concat([message('E', 'SERROR\0C22012\0Mdivision by zero\0\0'), message('Z', 'I')]);
    const bytes = concat([message('H', new Uint8Array(7)), message('d', rows[0]!), error]);
    const { payload, rest, done } = run(bytes, bytes.length);
    expect(new TextDecoder().decode(payload)).toBe(rows[0]);
    expect(rest).toEqual(error);
    expect(done).toBe(false);
  });

  it('refuses a message length that cannot be', () => {
    const bad = concat([message('d', 'ok\n'), Uint8Array.from([0x64, 0, 0, 0, 2])]);
    expect(() => new CopyDataDeframer().push(bad)).toThrow(/impossible length 2/);
  });
});
