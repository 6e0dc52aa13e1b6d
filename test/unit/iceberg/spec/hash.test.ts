import { describe, expect, it } from 'vitest';
import { hashValue, murmur3Hash32 } from '../../../../core/iceberg/spec/hash.ts';

const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
const days = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('Appendix B hash test vectors', () => {
  it('hashes ints and longs alike, so promoting int to long keeps buckets', () => {
    expect(hashValue('int', 34)).toBe(2017239379);
    expect(hashValue('long', 34n)).toBe(2017239379);
    for (const v of [0, 1, -1, 2147483647, -2147483648]) expect(hashValue('int', v)).toBe(hashValue('long', BigInt(v)));
  });

  it('hashes a decimal by its minimal big-endian unscaled bytes, whatever the scale', () => {
    expect(hashValue('decimal(4, 2)', 1420n)).toBe(-500754589);
    expect(hashValue('decimal(9, 4)', 1420n)).toBe(-500754589);
  });

  it('hashes dates as longs of days (the spec table says hashInt, its vector says otherwise)', () => {
    expect(hashValue('date', days('2017-11-16'))).toBe(-653330422);
  });

  it('hashes times and timestamps as microseconds', () => {
    expect(hashValue('time', BigInt(22 * 3600 + 31 * 60 + 8) * 1_000_000n)).toBe(-662762989);
    expect(hashValue('timestamp', micros('2017-11-16T22:31:08Z'))).toBe(-2047944441);
    expect(hashValue('timestamp', micros('2017-11-16T22:31:08Z') + 1n)).toBe(-1207196810);
    expect(hashValue('timestamptz', micros('2017-11-16T14:31:08-08:00'))).toBe(-2047944441);
    expect(hashValue('timestamptz', micros('2017-11-16T14:31:08-08:00') + 1n)).toBe(-1207196810);
  });

  it('hashes nanosecond timestamps as their microsecond', () => {
    const nanos = micros('2017-11-16T22:31:08Z') * 1000n;
    expect(hashValue('timestamp_ns', nanos)).toBe(-2047944441);
    expect(hashValue('timestamp_ns', nanos + 1001n)).toBe(-1207196810);
    expect(hashValue('timestamptz_ns', nanos + 1001n)).toBe(-1207196810);
    // Floor, not truncation: 1 ns before the epoch is microsecond -1.
    expect(hashValue('timestamp_ns', -1n)).toBe(hashValue('timestamp', -1n));
  });

  it('hashes strings, uuids, fixed and binary by their bytes', () => {
    expect(hashValue('string', 'iceberg')).toBe(1210000089);
    expect(hashValue('string', '34')).toBe(-427558391);
    expect(hashValue('uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe(1488055340);
    expect(hashValue('uuid', 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe(1488055340);
    expect(hashValue('fixed[4]', Uint8Array.of(0, 1, 2, 3))).toBe(-188683207);
    expect(hashValue('binary', Uint8Array.of(0, 1, 2, 3))).toBe(-188683207);
  });

  it('matches the vectors of the types that cannot be bucketed yet', () => {
    expect(hashValue('boolean', true)).toBe(1392991556);
    expect(hashValue('float', 1)).toBe(-142385009);
    expect(hashValue('float', 0)).toBe(1669671676);
    expect(hashValue('float', -0)).toBe(1669671676);
    expect(hashValue('double', 1)).toBe(-142385009);
    expect(hashValue('double', -0)).toBe(1669671676);
    expect(hashValue('double', NaN)).toBe(hashValue('double', -NaN));
  });

  it('handles every tail length of the byte hash', () => {
    // Values from Python's mmh3 (Murmur3 x86_32, seed 0).
    expect(murmur3Hash32(new Uint8Array(0))).toBe(0);
    expect(murmur3Hash32(new TextEncoder().encode('a'))).toBe(1009084850);
    expect(murmur3Hash32(new TextEncoder().encode('ab'))).toBe(-1681926305);
    expect(murmur3Hash32(new TextEncoder().encode('abc'))).toBe(-1277324294);
    expect(murmur3Hash32(new TextEncoder().encode('abcd'))).toBe(1139631978);
  });
});
