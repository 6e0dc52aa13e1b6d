/**
 * How Floe reaches a Kafka (or Redpanda) cluster. Secrets arrive here already resolved from the
 * secret store; nothing in this module logs or prints them.
 */
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { registerKafkaCodecs } from './kafka-codecs.ts';

export interface KafkaConnection {
  brokers: string[];
  clientId?: string;
  ssl?: boolean | { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Which client reads message ranges: Floe's own wire-protocol reader (the default, several
   * times faster), or kafkajs for what the wire reader does not serve (messages in the pre-0.11
   * format, brokers without Fetch v4-11, SASL mechanisms other than PLAIN and SCRAM).
   */
  reader?: 'wire' | 'kafkajs';
}

export function kafkaClient(c: KafkaConnection): Kafka {
  registerKafkaCodecs();
  if (c.brokers.length === 0) throw new Error('Kafka connection has no brokers: give at least one host:port');
  const config: KafkaConfig = {
    clientId: c.clientId ?? 'floe',
    brokers: c.brokers,
    ssl: c.ssl,
    sasl: c.sasl as SASLOptions | undefined,
    connectionTimeout: c.connectionTimeoutMs ?? 10_000,
    requestTimeout: c.requestTimeoutMs ?? 30_000,
    // kafkajs logs connection details (and retries noisily) through its own logger; Floe reports
    // failures itself, with the broker list and cause, never the credentials.
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 300 },
  };
  return new Kafka(config);
}
