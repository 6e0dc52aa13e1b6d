import { describe, expect, it } from 'vitest';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { decodeFetch, decodeListOffsets, decodeMetadata, encodeFetch } from '../../../core/sources/kafka/protocol.ts';
import { scramFinal } from '../../../core/sources/kafka/sasl.ts';
import { RequestWriter, ResponseReader, TruncatedResponseError } from '../../../core/sources/kafka/wire.ts';

/** A Fetch response body of `version` with one partition, written field by field as the protocol guide lists them. */
function fetchResponse(version: number, records: Buffer | null): Buffer {
  const w = new RequestWriter().int32(0);
  if (version >= 7) w.int16(0).int32(0);
  return w.array(['t'], (x, name) => x.string(name).array([2], (y, p) => {
    y.int32(p).int16(0).int64(100n).int64(90n);
    if (version >= 5) y.int64(10n);
    y.array([{ producerId: 7n, firstOffset: 95n }], (z, a) => z.int64(a.producerId).int64(a.firstOffset));
    if (version >= 11) y.int32(-1);
    y.bytes(records);
  })).done();
}

describe('Kafka wire primitives', () => {
  it('round-trips every primitive, null strings and arrays included', () => {
    const body = new RequestWriter().int8(-3).int16(-300).int32(2 ** 31 - 1).int64(-(2n ** 63n)).bool(true)
      .string('Где 🍜').string(null).bytes(Buffer.from([1, 2])).bytes(null).array([5, 6], (w, n) => w.int32(n)).array(null, () => undefined).done();
    const r = new ResponseReader(body);
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.bool(), r.string(), r.nullableString()]).toEqual([-3, -300, 2 ** 31 - 1, -(2n ** 63n), true, 'Где 🍜', null]);
    expect([r.nullableBytes(), r.nullableBytes(), r.array((x) => x.int32()), r.array((x) => x.int32())]).toEqual([Buffer.from([1, 2]), null, [5, 6], []]);
    expect(r.pos).toBe(body.length);
  });

  it('refuses a response that ends early or claims more items than it has bytes', () => {
    expect(() => new ResponseReader(Buffer.from([0, 0, 0])).int32()).toThrow(TruncatedResponseError);
    expect(() => new ResponseReader(new RequestWriter().int32(1000).done()).array((x) => x.int8())).toThrow(/claims an array of 1000 items in 0 bytes/);
  });
});

describe('Kafka messages in every version the reader speaks', () => {
  it.each([4, 5, 7, 9, 11])('Fetch v%i: decodes partitions, aborted transactions and records', (version) => {
    const f = decodeFetch(version, fetchResponse(version, Buffer.from('batches')));
    expect(f.partitions).toEqual([{
      partition: 2, errorCode: 0, highWatermark: 100n, lastStableOffset: 90n, logStartOffset: version >= 5 ? 10n : -1n,
      aborted: [{ producerId: 7n, firstOffset: 95n }], records: Buffer.from('batches'),
    }]);
    expect(decodeFetch(version, fetchResponse(version, null)).partitions[0]!.records).toEqual(Buffer.alloc(0));
  });

  it.each([4, 7, 9, 11])('Fetch v%i request: the fields of its version, in order', (version) => {
    const body = encodeFetch(version, 't', [{ partition: 3, leaderEpoch: 5, offset: 42n, maxBytes: 1000 }], { maxWaitMs: 200, minBytes: 1, maxBytes: 4000 });
    const r = new ResponseReader(body);
    expect([r.int32(), r.int32(), r.int32(), r.int32(), r.int8()]).toEqual([-1, 200, 1, 4000, 1]);
    if (version >= 7) expect([r.int32(), r.int32()]).toEqual([0, -1]);
    const topics = r.array((t) => [t.string(), t.array((p) => [p.int32(), version >= 9 ? p.int32() : null, p.int64(), version >= 5 ? p.int64() : null, p.int32()])]);
    expect(topics).toEqual([['t', [[3, version >= 9 ? 5 : null, 42n, version >= 5 ? -1n : null, 1000]]]]);
    if (version >= 7) expect(r.array((x) => x.string())).toEqual([]);
    if (version >= 11) expect(r.string()).toBe('');
    expect(r.pos).toBe(body.length);
  });

  it.each([1, 5, 7, 8])('Metadata v%i: brokers and partition leaders', (version) => {
    const w = new RequestWriter();
    if (version >= 3) w.int32(0);
    w.array([{ id: 1, host: 'b1', port: 9092 }], (x, b) => x.int32(b.id).string(b.host).int32(b.port).string(null));
    if (version >= 2) w.string('cluster');
    w.int32(1);
    w.array(['t'], (x, name) => {
      x.int16(0).string(name).bool(false).array([0, 1], (y, p) => {
        y.int16(0).int32(p).int32(1);
        if (version >= 7) y.int32(4);
        y.array([1], (z, n) => z.int32(n)).array([1], (z, n) => z.int32(n));
        if (version >= 5) y.array([], () => undefined);
      });
      if (version >= 8) x.int32(0);
    });
    if (version >= 8) w.int32(0);
    const md = decodeMetadata(version, w.done());
    expect([...md.brokers]).toEqual([[1, { host: 'b1', port: 9092 }]]);
    expect(md.topics[0]!.partitions.map((p) => [p.partition, p.leader, p.leaderEpoch])).toEqual([[0, 1, version >= 7 ? 4 : -1], [1, 1, version >= 7 ? 4 : -1]]);
  });

  it.each([2, 4])('ListOffsets v%i: offsets and errors per partition', (version) => {
    const w = new RequestWriter().int32(0).array(['t'], (x, name) => x.string(name).array([[0, 0, 12n], [1, 6, -1n]] as const, (y, [p, e, o]) => {
      y.int32(p).int16(e).int64(-1n).int64(o);
      if (version >= 4) y.int32(3);
    }));
    expect(decodeListOffsets(version, w.done())).toEqual([
      { partition: 0, errorCode: 0, timestamp: -1n, offset: 12n }, { partition: 1, errorCode: 6, timestamp: -1n, offset: -1n },
    ]);
  });
});

describe('SCRAM', () => {
  it('computes RFC 7677\'s SCRAM-SHA-256 example exactly', () => {
    const nonce = 'rOprNGfwEbeRWgbNEkqO';
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const step = scramFinal('sha256', 'pencil', nonce, `n=user,r=${nonce}`, serverFirst);
    expect(step).toEqual({
      clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      serverSignature: Buffer.from('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', 'base64'),
    });
  });

  it('gives a SCRAM-SHA-512 proof the server side of RFC 5802 accepts', () => {
    const nonce = 'abc';
    const salt = Buffer.from('salty');
    const serverFirst = `r=abcdef,s=${salt.toString('base64')},i=4096`;
    const step = scramFinal('sha512', 'secret', nonce, 'n=u,r=abc', serverFirst);
    if ('error' in step) throw new Error(step.error);
    // What a broker stores (StoredKey) and how it checks the proof.
    const salted = pbkdf2Sync('secret', salt, 4096, 64, 'sha512');
    const storedKey = createHash('sha512').update(createHmac('sha512', salted).update('Client Key').digest()).digest();
    const withoutProof = step.clientFinal.slice(0, step.clientFinal.indexOf(',p='));
    const signature = createHmac('sha512', storedKey).update(`n=u,r=abc,${serverFirst},${withoutProof}`).digest();
    const proof = Buffer.from(step.clientFinal.slice(step.clientFinal.indexOf(',p=') + 3), 'base64');
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    expect(createHash('sha512').update(clientKey).digest()).toEqual(storedKey);
  });

  it('refuses a server whose nonce does not extend ours, or that reports an error', () => {
    expect(scramFinal('sha256', 'p', 'abc', 'n=u,r=abc', 'r=xyz,s=c2FsdA==,i=4096')).toEqual({ error: 'the broker\'s first message is malformed' });
    expect(scramFinal('sha256', 'p', 'abc', 'n=u,r=abc', 'e=unknown-user')).toEqual({ error: 'the broker says "unknown-user"' });
  });
});
