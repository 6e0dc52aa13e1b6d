/**
 * The network checks under a connection test: name lookup, a TCP connect, a TLS handshake, and
 * Postgres's SSLRequest (does the server offer TLS at all). Each takes an AbortSignal (the test's
 * deadline or the user's cancel) and fails with a ProbeError whose text a user can act on.
 */
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class ProbeError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** host:port, with an IPv6 host in brackets. */
export const endpointText = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Rejects when `signal` aborts, so a call with no signal of its own (dns.lookup) cannot hang the test. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_NONAME: 'no such host',
  EAI_AGAIN: 'the DNS server did not answer (temporary failure)',
  ESERVFAIL: 'the DNS server failed',
};

/** The host's addresses. An IP address is its own answer. */
export async function resolveHost(host: string, signal: AbortSignal): Promise<string[]> {
  if (isIP(host.replace(/^\[|\]$/g, ''))) return [host.replace(/^\[|\]$/g, '')];
  try {
    const found = await abortable(lookup(host, { all: true }), signal);
    if (found.length === 0) throw new ProbeError(`"${host}" has no addresses`, 'ENOTFOUND');
    return found.map((a) => a.address);
  } catch (err) {
    if (err instanceof ProbeError || signal.aborted) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
    throw new ProbeError(`the host name "${host}" does not resolve (${DNS_REASONS[code] ?? code}): check the spelling, or the DNS or VPN settings of this machine`, code);
  }
}

const TCP_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is the server running and is the port right?',
  ECONNRESET: 'the connection was reset — is something else listening on that port?',
  EHOSTUNREACH: 'host unreachable — check the network, VPN or firewall',
  ENETUNREACH: 'network unreachable — check the network or VPN',
  ETIMEDOUT: 'no answer (timed out) — is a firewall dropping the connection, or is the host wrong?',
  ENOENT: 'no such socket — is the server running, and is the socket directory right?',
  EACCES: 'permission denied on the socket',
};

/** A TCP connection to the first address that accepts one, closed again; the address that answered. */
export async function tcpCheck(addresses: string[], port: number, signal: AbortSignal): Promise<string> {
  let last: ProbeError | undefined;
  for (const address of addresses) {
    try {
      const socket = await openSocket(() => tcpConnect({ host: address, port }), signal);
      socket.destroy();
      return address;
    } catch (err) {
      if (signal.aborted) throw err;
      last = err as ProbeError;
    }
  }
  throw last ?? new ProbeError('no address to connect to');
}

/** The same for a Unix socket (a Postgres host given as a directory). */
export async function unixSocketCheck(path: string, signal: AbortSignal): Promise<void> {
  (await openSocket(() => tcpConnect({ path }), signal)).destroy();
}

function openSocket(make: () => Socket, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = make();
    const done = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
    const onAbort = () => done(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(new ProbeError(TCP_REASONS[err.code ?? ''] ?? err.message, err.code)));
  });
}

export interface TlsOptions {
  servername?: string;
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  /** Replaces the host name check (libpq's verify-ca checks the CA only). */
  checkServerIdentity?: () => undefined;
}

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server\'s certificate is self-signed: give its CA certificate, or turn certificate verification off if you trust this network',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server\'s certificate chain ends in a self-signed CA that is not trusted: give that CA certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server\'s certificate is signed by a CA that is not trusted: give that CA certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server\'s certificate is signed by a CA that is not trusted: give that CA certificate',
  CERT_HAS_EXPIRED: 'the server\'s certificate has expired: renew it on the server',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server\'s certificate is for another host name: connect by the name on the certificate',
  ECONNRESET: 'the server closed the connection during the TLS handshake — does this port speak TLS, and does the server want a client certificate?',
  EPROTO: 'the server does not speak TLS on this port (or speaks a TLS version this client refuses)',
};

/**
 * A full TLS handshake with certificate verification as configured (on a new connection, or on
 * an open socket already past a protocol's own preamble); the negotiated protocol version.
 */
export function tlsCheck(to: { address: string; port: number } | { socket: Socket }, options: TlsOptions, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({
      ...('socket' in to ? { socket: to.socket } : { host: to.address, port: to.port }),
      servername: options.servername && !isIP(options.servername) ? options.servername : undefined,
      ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized ?? true,
      checkServerIdentity: options.checkServerIdentity,
    });
    const finish = (err?: Error, protocol?: string) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(protocol ?? 'TLS');
    };
    const onAbort = () => finish(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish(undefined, socket.getProtocol() ?? 'TLS'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      const reason = TLS_REASONS[code] ?? (/wrong version number|packet length too long|unknown protocol/i.test(err.message)
        ? TLS_REASONS.EPROTO! : `TLS handshake failed: ${err.message}`);
      finish(new ProbeError(reason, code));
    });
  });
}

/**
 * Asks a Postgres server whether it accepts TLS (the SSLRequest message libpq sends first). With
 * `tls`, also completes the handshake on that connection, verifying as the options say. This is
 * how sslmode=prefer can be honoured with pg, which otherwise either insists on TLS or never tries.
 */
export async function postgresTls(
  target: { host: string; port: number } | { path: string }, tls: TlsOptions | null, signal: AbortSignal,
): Promise<{ offered: boolean; protocol?: string }> {
  const socket = await openSocket(() => tcpConnect('path' in target ? { path: target.path } : { host: target.host, port: target.port }), signal);
  try {
    const offered = await new Promise<boolean>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('data', (data: Buffer) => {
        signal.removeEventListener('abort', onAbort);
        resolve(data[0] === 0x53);
      });
      socket.once('error', (err) => reject(new ProbeError(`the server broke off the TLS question: ${err.message}`)));
      socket.once('end', () => reject(new ProbeError('the server closed the connection without answering — is this a Postgres server?')));
      // Length 8, then the SSLRequest code 80877103 (1234 << 16 | 5679).
      socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
    });
    if (!offered || !tls) return { offered };
    return { offered, protocol: await tlsCheck({ socket }, tls, signal) };
  } finally {
    socket.destroy();
  }
}
