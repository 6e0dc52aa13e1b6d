import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaConnection } from '../../../core/sources/kafka-config.ts';
import { fetchWatermarks, readRange } from '../../../core/sources/kafka-range-reader.ts';
import { PASSWORD, startSecureBroker, USER, type SecureBroker } from './secure-broker.ts';

const TOPIC = 'secure-events';
const MESSAGES = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ event_type: 'view', n: i }));

async function readAllValues(c: KafkaConnection): Promise<string[]> {
  const marks = await fetchWatermarks(c, TOPIC);
  const out: string[] = [];
  await readRange(c, TOPIC, marks.map((m) => ({ partition: m.partition, from: m.low, to: m.high })), {
    onBatch: (b) => { for (let i = 0; i < b.count; i++) out.push(b.data.toString('utf8', b.valueStart[i]!, b.valueEnd[i]!)); },
  });
  return out.sort();
}

describe('the wire reader over SASL and TLS (a private broker with those listeners)', () => {
  let broker: SecureBroker;
  const sasl = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', password = PASSWORD) => ({ mechanism, username: USER, password });

  beforeAll(async () => {
    broker = await startSecureBroker();
    const kafka = new Kafka({ clientId: 'floe-test', brokers: [broker.saslPlaintext], sasl: sasl('plain') as SASLOptions, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, compression: CompressionTypes.GZIP, messages: MESSAGES.map((value) => ({ value })) });
    await producer.disconnect();
  }, 180_000);
  afterAll(async () => { await broker?.stop(); }, 30_000);

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('authenticates with SASL %s and reads every message', async (mechanism) => {
    expect(await readAllValues({ brokers: [broker.saslPlaintext], sasl: sasl(mechanism) })).toEqual([...MESSAGES].sort());
  });

  it('reads over TLS, checking the broker\'s certificate against the given CA', async () => {
    expect(await readAllValues({ brokers: [broker.ssl], ssl: { ca: broker.ca } })).toEqual([...MESSAGES].sort());
  });

  it('reads over TLS with SCRAM-SHA-512 (SASL_SSL)', async () => {
    expect(await readAllValues({ brokers: [broker.saslSsl], ssl: { ca: broker.ca }, sasl: sasl('scram-sha-512') })).toEqual([...MESSAGES].sort());
  });

  it('refuses a broker whose certificate it cannot verify, and says what to check', async () => {
    await expect(fetchWatermarks({ brokers: [broker.ssl], ssl: true, connectionTimeoutMs: 5000 }, TOPIC))
      .rejects.toThrow(/could not connect to Kafka broker 127\.0\.0\.1:\d+: .*certificate.*\(TLS: check the CA certificate/);
  });

  it.each(['plain', 'scram-sha-256'] as const)('names the mechanism, user and broker on a wrong %s password, never the password', async (mechanism) => {
    const wrong = 'not-the-password-123';
    const failure = await fetchWatermarks({ brokers: [broker.saslPlaintext], sasl: sasl(mechanism, wrong) }, TOPIC).then(() => null, (e: Error) => e);
    expect(failure?.message).toMatch(new RegExp(`SASL ${mechanism.toUpperCase()} authentication as "${USER}" on Kafka broker 127\\.0\\.0\\.1:\\d+ failed .*check the user name and password`));
    expect(failure?.message).not.toContain(wrong);
  });
});
