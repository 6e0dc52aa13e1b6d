/**
 * A private, short-lived Kafka broker with the listeners the shared test bed does not have:
 * SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256/512), SSL and SASL_SSL, with a throwaway CA. It runs the
 * jars test/services/kafka.sh installed, in a temporary folder, and is stopped by its own pid.
 */
import { freePort } from '../../services/testbed.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WireKafka } from '../../../core/sources/kafka/client.ts';

export const USER = 'floe-user';
export const PASSWORD = 'floe-secret-pw';

export interface SecureBroker {
  saslPlaintext: string;
  ssl: string;
  saslSsl: string;
  /** The CA that signed the broker's certificate (PEM). */
  ca: string;
  stop(): Promise<void>;
}

const KAFKA_HOME = join(process.env.FLOE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'floe-testbed'), 'kafka-4.1.2');


function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')}... failed (${r.status}): ${(r.stderr || r.stdout).slice(-1500)}`);
}

export async function startSecureBroker(): Promise<SecureBroker> {
  if (!existsSync(join(KAFKA_HOME, 'libs'))) {
    throw new Error(`No Kafka jars at ${KAFKA_HOME}: the secure-broker tests use the broker test/services/kafka.sh installs (npm run services:up installs it)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'floe-secure-kafka-'));
  // A CA, and a broker certificate it signed for 127.0.0.1; the broker reads key and chain as PEM (KIP-651).
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=floe-test-ca'], dir);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.crt', '-days', '2', '-extfile', 'san.ext'], dir);
  writeFileSync(join(dir, 'broker.pem'), readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.crt'), 'utf8'));

  const [internal, saslPlain, ssl, saslSsl, controller] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const jaas = (listener: string) => [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${USER}="${PASSWORD}";`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  const at = (name: string, port: number) => `${name}://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'server.properties'), [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=${at('INTERNAL', internal)},${at('SASL_PLAINTEXT', saslPlain)},${at('SSL', ssl)},${at('SASL_SSL', saslSsl)},${at('CONTROLLER', controller)}`,
    `advertised.listeners=${at('INTERNAL', internal)},${at('SASL_PLAINTEXT', saslPlain)},${at('SSL', ssl)},${at('SASL_SSL', saslSsl)}`,
    'listener.security.protocol.map=INTERNAL:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=INTERNAL',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512', ...jaas('sasl_plaintext'), ...jaas('sasl_ssl'),
    'ssl.keystore.type=PEM', `ssl.keystore.location=${join(dir, 'broker.pem')}`,
    `log.dirs=${join(dir, 'data')}`, 'num.partitions=2', 'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=1', 'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0', 'num.network.threads=1', 'num.io.threads=1',
  ].join('\n') + '\n');

  const java = ['-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${resolve(import.meta.dirname, '../../services/kafka/log4j2.xml')}`, '-cp', `${KAFKA_HOME}/libs/*`];
  const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
  run('java', [...java, '-XX:TieredStopAtLevel=1', 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', 'server.properties',
    '--add-scram', `SCRAM-SHA-256=[name=${USER},password=${PASSWORD}]`, '--add-scram', `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`], dir);
  const child: ChildProcess = spawn('java', [...java, '-Xms128m', '-Xmx384m', 'kafka.Kafka', 'server.properties'], { cwd: dir, stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const stop = async () => {
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const broker = {
    saslPlaintext: `127.0.0.1:${saslPlain}`, ssl: `127.0.0.1:${ssl}`, saslSsl: `127.0.0.1:${saslSsl}`,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), stop,
  };
  // Ready once it answers metadata over SASL (the question is about a topic that does not exist).
  const deadline = Date.now() + 90_000;
  for (;;) {
    const probe = new WireKafka({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'plain', username: USER, password: PASSWORD }, connectionTimeoutMs: 2000 });
    try {
      await probe.partitions('floe-probe');
    } catch (err) {
      if (/does not exist/.test((err as Error).message)) break;
      if (exited || Date.now() > deadline) {
        await stop();
        throw new Error(`the private SASL/TLS broker did not start within 90 s (${(err as Error).message}); its files were in ${dir}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      probe.close();
    }
  }
  return broker;
}
