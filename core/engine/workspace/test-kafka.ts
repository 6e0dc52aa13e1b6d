/**
 * Testing the Kafka connection: the brokers resolve and one accepts TCP (and TLS when on), the
 * cluster takes the login (SASL when configured), the brokers it advertises are reachable from
 * here (the classic advertised.listeners trap), and the topics event_aggregation reads exist.
 */
import { kafkaClient } from '../../sources/kafka-config.ts';
import type { WorkspaceConfig } from './config.ts';
import { endpointText, resolveHost, tcpCheck, tlsCheck, type ProbeError } from './probes.ts';
import { kafkaConnectionFor } from './resolve.ts';
import type { SecretStore } from './secrets.ts';
import { StepFailure, withCleanup, type TestRun } from './test-run.ts';

function splitBroker(broker: string): { host: string; port: number } {
  const cut = broker.lastIndexOf(':');
  return { host: broker.slice(0, cut).replace(/^\[|\]$/g, ''), port: Number(broker.slice(cut + 1)) };
}

/** The error kafkajs wrapped (retries exhausted -> the last attempt's error). */
function rootCause(err: unknown): Error {
  let e = err as Error & { cause?: unknown; originalError?: unknown };
  while ((e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError') && (e.cause ?? e.originalError)) {
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return e;
}

export async function testKafka(run: TestRun, config: WorkspaceConfig, secrets: SecretStore): Promise<void> {
  const settings = config.connections.kafka;
  if (!settings) throw new StepFailure('No Kafka connection is configured: set connections.kafka.brokers (host:port, e.g. 127.0.0.1:9092). Without Kafka, etl_moderation uses its milestone fallback.');
  const connection = await kafkaConnectionFor(settings, secrets, { connectionTimeoutMs: run.stepTimeoutMs, requestTimeoutMs: run.stepTimeoutMs });
  const brokers = settings.brokers.map(splitBroker);
  const at = `Kafka brokers ${settings.brokers.join(', ')}`;

  const resolved = await run.step('dns', at, async (signal) => {
    const results = await Promise.all(brokers.map(async (b): Promise<typeof b & { addresses: string[]; error?: string }> => {
      try {
        return { ...b, addresses: await resolveHost(b.host, signal) };
      } catch (err) {
        if (signal.aborted) throw err;
        return { ...b, addresses: [], error: (err as ProbeError).message };
      }
    }));
    const good = results.filter((r) => r.addresses.length > 0);
    const bad = results.filter((r) => r.addresses.length === 0);
    const badText = bad.map((r) => `${endpointText(r.host, r.port)}: ${r.error}`).join('; ');
    if (good.length === 0) throw new StepFailure(`Kafka broker ${badText}`);
    const names = good.map((r) => endpointText(r.host, r.port)).join(', ');
    return { value: good, detail: bad.length ? `${names} resolve${good.length === 1 ? 's' : ''}; ${badText}` : `${names} resolve${good.length === 1 ? 's' : ''}` };
  });

  const reachable = await run.step('tcp', at, async (signal) => {
    const failures: string[] = [];
    for (const b of resolved) {
      try {
        return { value: { ...b, address: await tcpCheck(b.addresses, b.port, signal) }, detail: `${endpointText(b.host, b.port)} accepts connections` };
      } catch (err) {
        if (signal.aborted) throw err;
        failures.push(`${endpointText(b.host, b.port)}: ${(err as Error).message}`);
      }
    }
    throw new StepFailure(`No Kafka broker accepts connections — ${failures.join('; ')}`);
  });

  if (connection.ssl) {
    const ssl = connection.ssl === true ? {} : connection.ssl;
    await run.step('tls', `Kafka broker ${endpointText(reachable.host, reachable.port)}`, async (signal) => {
      const protocol = await tlsCheck({ address: reachable.address, port: reachable.port }, { ...ssl, servername: reachable.host }, signal);
      return { value: undefined, detail: `${protocol} handshake${ssl.rejectUnauthorized === false ? ' (certificate not verified)' : ', certificate verified'}` };
    });
  }

  const kafka = kafkaClient(connection);
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    const cluster = await run.step('auth', at, async (signal) => {
      try {
        await withCleanup(admin.connect(), signal, () => admin.disconnect());
        const info = await withCleanup(admin.describeCluster(), signal, () => admin.disconnect());
        const login = connection.sasl ? `SASL ${connection.sasl.mechanism} login as "${connection.sasl.username}" accepted` : 'connected (no SASL login configured)';
        return { value: info, detail: `${login}; cluster ${info.clusterId} with ${info.brokers.length} broker${info.brokers.length > 1 ? 's' : ''}` };
      } catch (err) {
        if (signal.aborted) throw err;
        const cause = rootCause(err);
        if (cause.name === 'KafkaJSSASLAuthenticationError') {
          throw new StepFailure(`${at}: SASL ${connection.sasl?.mechanism} login as "${connection.sasl?.username}" was refused — check the user name and password (the secret "kafka.sasl.password") and the mechanism.`);
        }
        if (/SASL|authenticat/i.test(cause.message)) throw new StepFailure(`${at}: login failed (${cause.message}) — check connections.kafka.sasl.`);
        if (!connection.sasl && /closed|disconnect/i.test(cause.message)) {
          throw new StepFailure(`${at}: the broker closed the connection (${cause.message}) — does it require TLS (connections.kafka.ssl) or a SASL login (connections.kafka.sasl)?`);
        }
        throw new StepFailure(`${at}: ${cause.message}`);
      }
    });

    await run.step('topic', at, async (signal) => {
      // Readers fetch from the brokers the cluster advertises, not the ones configured: check those too.
      for (const b of cluster.brokers) {
        try {
          await tcpCheck(await resolveHost(b.host, signal), b.port, signal);
        } catch (err) {
          if (signal.aborted) throw err;
          throw new StepFailure(`The Kafka cluster advertises broker ${b.nodeId} as ${endpointText(b.host, b.port)}, which this machine cannot reach (${(err as Error).message}): set the broker's advertised.listeners to an address clients can reach.`);
        }
      }
      const existing = new Set(await withCleanup(admin.listTopics(), signal, () => admin.disconnect()));
      const topics = config.pipelines.event_aggregation.topics;
      const missing = Object.entries(topics).filter(([, topic]) => !existing.has(topic));
      if (missing.length > 0) {
        const [kind, topic] = missing[0]!;
        const more = missing.length > 1 ? ` (nor do ${missing.slice(1).map(([, t]) => t).join(', ')})` : '';
        throw new StepFailure(`Kafka topic ${topic} does not exist on brokers ${settings.brokers.join(', ')}${more}: create it, or fix pipelines.event_aggregation.topics.${kind}.`);
      }
      return { value: undefined, detail: `topics ${Object.values(topics).join(', ')} exist` };
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
