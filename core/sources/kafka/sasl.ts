/**
 * SASL authentication on a fresh broker connection (KIP-152: SaslHandshake v1, then the
 * mechanism's messages inside SaslAuthenticate): PLAIN (RFC 4616) and SCRAM-SHA-256/512
 * (RFC 5802/7677). Credentials stay in this module's memory; errors name the mechanism and the
 * broker, never the password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KafkaConnection } from '../kafka-config.ts';
import type { BrokerConnection } from './connection.ts';
import { errorName, KafkaConfigurationError } from './errors.ts';
import { RequestWriter, ResponseReader } from './wire.ts';

type Sasl = NonNullable<KafkaConnection['sasl']>;

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export async function authenticate(conn: BrokerConnection, sasl: Sasl): Promise<void> {
  const mechanism = sasl.mechanism.toUpperCase();
  const hv = conn.version(SASL_HANDSHAKE, { min: 1, max: 1 });
  const hs = new ResponseReader(await conn.request(SASL_HANDSHAKE, hv, new RequestWriter().string(mechanism).done()));
  const error = hs.int16();
  const offered = hs.array((r) => r.string());
  if (error !== 0) {
    throw new KafkaConfigurationError(`Kafka broker ${conn.name} does not accept SASL ${mechanism} (it offers ${offered.join(', ') || 'none'}; ${errorName(error)})`);
  }
  const av = conn.version(SASL_AUTHENTICATE, { min: 0, max: 1 });
  const exchange = async (bytes: Buffer): Promise<Buffer> => {
    const r = new ResponseReader(await conn.request(SASL_AUTHENTICATE, av, new RequestWriter().bytes(bytes).done()));
    const code = r.int16();
    const message = r.nullableString();
    const answer = r.nullableBytes() ?? Buffer.alloc(0);
    if (code !== 0) {
      throw new KafkaConfigurationError(`SASL ${mechanism} authentication as "${sasl.username}" on Kafka broker ${conn.name} failed (${errorName(code)}`
        + `${message ? `: ${message}` : ''}); check the user name and password`);
    }
    return answer;
  };
  if (mechanism === 'PLAIN') {
    await exchange(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
    return;
  }
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : mechanism === 'SCRAM-SHA-512' ? 'sha512' : null;
  if (!hash) throw new KafkaConfigurationError(`SASL mechanism ${sasl.mechanism} is not supported: use plain, scram-sha-256 or scram-sha-512`);
  await scram(hash, sasl, exchange, conn.name);
}

/** RFC 5802 with no channel binding ("n,,"), the form Kafka brokers implement. */
async function scram(hash: 'sha256' | 'sha512', sasl: Sasl, exchange: (b: Buffer) => Promise<Buffer>, broker: string): Promise<void> {
  const nonce = randomBytes(24).toString('base64');
  // RFC 5802 5.1: "=" and "," in the user name are escaped.
  const user = sasl.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const clientFirstBare = `n=${user},r=${nonce}`;
  const serverFirst = (await exchange(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  const bad = (why: string) => new KafkaConfigurationError(`SCRAM authentication with Kafka broker ${broker} failed: ${why}`);
  const step = scramFinal(hash, sasl.password, nonce, clientFirstBare, serverFirst);
  if ('error' in step) throw bad(step.error);
  const serverFinal = parseAttributes((await exchange(Buffer.from(step.clientFinal, 'utf8'))).toString('utf8'));
  if (serverFinal.has('e')) throw bad(`the broker says "${serverFinal.get('e')}"`);
  // The broker proves it knows the password too; a man in the middle could not.
  const got = Buffer.from(serverFinal.get('v') ?? '', 'base64');
  if (got.length !== step.serverSignature.length || !timingSafeEqual(got, step.serverSignature)) {
    throw bad('the broker\'s signature does not match: it may not be the broker you meant to reach');
  }
}

/** The client's final SCRAM message for the server's first one, and the signature the server must answer with. */
export function scramFinal(hash: 'sha256' | 'sha512', password: string, nonce: string, clientFirstBare: string, serverFirst: string):
  { clientFinal: string; serverSignature: Buffer } | { error: string } {
  const attrs = parseAttributes(serverFirst);
  const serverNonce = attrs.get('r');
  const salt = attrs.get('s');
  const iterations = Number(attrs.get('i'));
  if (attrs.has('e')) return { error: `the broker says "${attrs.get('e')}"` };
  if (!serverNonce?.startsWith(nonce) || !salt || !Number.isInteger(iterations) || iterations < 1) return { error: 'the broker\'s first message is malformed' };
  const keyLength = hash === 'sha256' ? 32 : 64;
  const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, keyLength, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=biws,r=${serverNonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.alloc(keyLength);
  for (let i = 0; i < keyLength; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  const serverSignature = createHmac(hash, createHmac(hash, salted).update('Server Key').digest()).update(authMessage).digest();
  return { clientFinal: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}
