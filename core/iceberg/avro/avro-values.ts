/**
 * Conversions between Floe's values and what avsc encodes and decodes: avsc wants Buffers for
 * bytes and fixed (a plain Uint8Array is refused), gives bigint for every long (see
 * avro-schema.ts), and int-keyed maps are arrays of key/value records.
 */
import type { WriterRecord } from './writer-fields.ts';

export function toAvroBytes(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toAvroBytesOrNull(bytes: Uint8Array | null | undefined): Buffer | null {
  return bytes === null || bytes === undefined ? null : toAvroBytes(bytes);
}

/** A copy as a plain Uint8Array: decoded Buffers are views into the whole decompressed block. */
export function fromAvroBytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error(`expected bytes, found ${typeof value}`);
  return new Uint8Array(value);
}

/** A long, also from a writer that declared the field `int` (ints promote to long). */
export function toBigInt(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new Error(`${what}: expected an integer, found ${String(value)}`);
}

export function toInt(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  // PyIceberg declares equality_ids' elements long although the spec says int.
  if (typeof value === 'bigint' && value >= -(2n ** 31n) && value < 2n ** 31n) return Number(value);
  throw new Error(`${what}: expected an int, found ${String(value)}`);
}

export function encodeIntMap<V>(map: Map<number, V> | undefined, encode: (v: V) => unknown): { key: number; value: unknown }[] | null {
  if (map === undefined) return null;
  return [...map].map(([key, value]) => ({ key, value: encode(value) }));
}

/**
 * An int-keyed map as the writer stored it: an array of key/value records (its first field the
 * key, its second the value, whatever they are named), or an Avro map with string keys.
 */
export function decodeIntMap<V>(raw: unknown, entry: WriterRecord, decode: (v: unknown) => V): Map<number, V> | undefined {
  if (raw === null || raw === undefined) return undefined;
  const out = new Map<number, V>();
  if (Array.isArray(raw)) {
    const [keyName, valueName] = entry.fieldNames();
    if (keyName === undefined || valueName === undefined) throw new Error('a map entry record has fewer than two fields');
    for (const item of raw as Record<string, unknown>[]) out.set(toInt(item[keyName], 'map key'), decode(item[valueName]));
  } else {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) out.set(Number(key), decode(value));
  }
  return out;
}
