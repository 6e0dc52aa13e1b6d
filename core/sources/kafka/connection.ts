/**
 * One TCP (or TLS) connection to one broker: size-prefixed frames, correlation ids, any number of
 * requests in flight (the broker answers them in order; ids still match each answer to its
 * request), the API versions the broker supports, and SASL authentication before first use.
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { KafkaConnection } from '../kafka-config.ts';
import { KafkaConfigurationError, KafkaConnectionError, KafkaProtocolError, KafkaUnsupportedError } from './errors.ts';
import { authenticate } from './sasl.ts';
import { RequestWriter, ResponseReader } from './wire.ts';

export const ApiKey = { Fetch: 1, ListOffsets: 2, Metadata: 3, SaslHandshake: 17, ApiVersions: 18, SaslAuthenticate: 36 } as const;

const API_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ApiKey).map(([k, v]) => [v, k]));

export interface BrokerAddress { host: string; port: number }

export interface ConnectionOptions {
  clientId: string;
  ssl?: KafkaConnection['ssl'];
  sasl?: KafkaConnection['sasl'];
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

interface Pending {
  resolve: (body: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class BrokerConnection {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedWith: Error | null = null;
  private versions = new Map<number, { min: number; max: number }>();
  // Frame assembly: the 4-byte size, then a body buffer filled chunk by chunk (one copy per byte).
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFilled = 0;
  private frame: Buffer | null = null;
  private frameFilled = 0;

  private constructor(private readonly socket: Socket, readonly address: BrokerAddress, private readonly o: ConnectionOptions) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new KafkaConnectionError(`connection to Kafka broker ${this.name} failed: ${err.message}`)));
    socket.on('close', () => this.fail(new KafkaConnectionError(`Kafka broker ${this.name} closed the connection`)));
  }

  get name(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Connects, learns the broker's API versions, and authenticates when SASL is configured. */
  static async open(address: BrokerAddress, o: ConnectionOptions): Promise<BrokerConnection> {
    const socket = await openSocket(address, o);
    const conn = new BrokerConnection(socket, address, o);
    try {
      await conn.loadVersions();
      if (o.sasl) await authenticate(conn, o.sasl);
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** The highest version of `apiKey` both sides speak, from the versions this client implements. */
  version(apiKey: number, ours: { min: number; max: number }): number {
    const theirs = this.versions.get(apiKey);
    const v = Math.min(ours.max, theirs?.max ?? -1);
    if (!theirs || v < ours.min || v < theirs.min) {
      throw new KafkaUnsupportedError(`Kafka broker ${this.name} does not support ${API_NAMES[apiKey]} versions ${ours.min}-${ours.max} `
        + `(it offers ${theirs ? `${theirs.min}-${theirs.max}` : 'none'}); set the Kafka connection's reader to "kafkajs"`);
    }
    return v;
  }

  /** Sends one request; resolves with the response body (after the correlation id). */
  request(apiKey: number, version: number, body: Buffer, timeoutMs = this.o.requestTimeoutMs): Promise<Buffer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId;
    this.nextId = this.nextId === 0x7fffffff ? 1 : this.nextId + 1;
    const header = new RequestWriter().int32(0).int16(apiKey).int16(version).int32(id).string(this.o.clientId).done();
    header.writeInt32BE(header.length - 4 + body.length, 0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new KafkaConnectionError(`Kafka broker ${this.name} did not answer ${API_NAMES[apiKey]} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.cork();
      this.socket.write(header);
      this.socket.write(body);
      this.socket.uncork();
    });
  }

  close(): void {
    this.fail(new KafkaConnectionError(`connection to Kafka broker ${this.name} was closed`));
  }

  private async loadVersions(): Promise<void> {
    // ApiVersions v0: every broker since 0.10 answers it, whatever else it supports.
    const r = new ResponseReader(await this.request(ApiKey.ApiVersions, 0, Buffer.alloc(0)));
    const error = r.int16();
    const list = r.array((x) => ({ key: x.int16(), min: x.int16(), max: x.int16() }));
    if (error !== 0) throw new KafkaProtocolError(error, `Kafka broker ${this.name} refused ApiVersions`);
    this.versions = new Map(list.map((v) => [v.key, { min: v.min, max: v.max }]));
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        const n = Math.min(4 - this.sizeFilled, chunk.length - at);
        chunk.copy(this.sizeBytes, this.sizeFilled, at, at + n);
        this.sizeFilled += n;
        at += n;
        if (this.sizeFilled < 4) return;
        const size = this.sizeBytes.readInt32BE(0);
        if (size < 4) return this.fail(new KafkaConnectionError(`Kafka broker ${this.name} sent a frame of ${size} bytes; closing the connection`));
        this.frame = Buffer.allocUnsafe(size);
        this.frameFilled = 0;
      }
      const n = Math.min(this.frame.length - this.frameFilled, chunk.length - at);
      chunk.copy(this.frame, this.frameFilled, at, at + n);
      this.frameFilled += n;
      at += n;
      if (this.frameFilled === this.frame.length) {
        const frame = this.frame;
        this.frame = null;
        this.sizeFilled = 0;
        this.deliver(frame);
      }
    }
  }

  private deliver(frame: Buffer): void {
    const id = frame.readInt32BE(0);
    const p = this.pending.get(id);
    if (!p) return this.fail(new KafkaConnectionError(`Kafka broker ${this.name} answered request ${id}, which is not waiting; closing the connection`));
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(frame.subarray(4));
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}

function openSocket(address: BrokerAddress, o: ConnectionOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const name = `${address.host}:${address.port}`;
    const tls = o.ssl === true ? {} : o.ssl || null;
    const socket = tls
      ? tlsConnect({
        host: address.host, port: address.port, ca: tls.ca, cert: tls.cert, key: tls.key,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        // SNI only for names: RFC 6066 forbids IP addresses there.
        servername: isIP(address.host) ? undefined : address.host,
      })
      : tcpConnect({ host: address.host, port: address.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new KafkaConnectionError(`could not connect to Kafka broker ${name} within ${o.connectionTimeoutMs} ms; check the address and that the broker is up`));
    }, o.connectionTimeoutMs);
    const onError = (err: Error & { code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      const hint = tls ? ' (TLS: check the CA certificate and that the listener speaks TLS)' : '';
      const message = `could not connect to Kafka broker ${name}: ${err.message}${hint}`;
      // A certificate that does not verify will not verify on the next attempt either.
      reject(tls && /CERT|SIGNATURE|ALTNAME|SELF_SIGNED/.test(err.code ?? '') ? new KafkaConfigurationError(message) : new KafkaConnectionError(message));
    };
    socket.once('error', onError);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
