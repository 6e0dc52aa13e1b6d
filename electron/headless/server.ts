/**
 * `floe serve`: the API over HTTP on 127.0.0.1, for the browser UI and scripts. Every request
 * needs the token printed at start (a new one each start); the Host and Origin headers must name
 * this server, so a web page elsewhere cannot drive it (DNS rebinding, cross-site requests).
 *   POST /api/{method}   JSON input -> JSON output, errors as { error: { kind, message } }
 *   GET  /api/events     server-sent events (token in ?token=, since EventSource sends no headers)
 *   GET  /               the renderer build, when there is one
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ApiEvent, FloeClient } from '../../core/api/contract.ts';
import { apiError } from '../../core/api/errors.ts';
import { isApiMethod, InvalidInputError } from '../../core/api/validate.ts';

export interface ServeOptions {
  client: FloeClient;
  port?: number;
  token?: string;
  /** The renderer build (index.html and assets). */
  staticDir?: string;
  redact?: (text: string) => string;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new InvalidInputError(`The request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('The request body is not JSON');
  }
}

const STATUS = { 'invalid-input': 400, 'not-found': 404, conflict: 409, failed: 500 } as const;

export async function serve(o: ServeOptions): Promise<RunningServer> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const streams = new Set<ServerResponse>();
  let origin = '';

  const handleEvents = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = o.client.subscribe((event: ApiEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => { clearInterval(ping); unsubscribe(); streams.delete(res); });
  };

  const handleStatic = async (path: string, res: ServerResponse) => {
    if (!o.staticDir) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Floe API server. The desktop UI is not built into this server; use the API under /api/.\n');
      return;
    }
    const file = normalize(join(o.staticDir, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(normalize(o.staticDir) + sep)) return send(res, 404, { error: { kind: 'not-found', message: 'No such file' } });
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
      res.end(body);
    } catch {
      send(res, 404, { error: { kind: 'not-found', message: `No file ${path}` } });
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      // Only this server's own names: a rebinding DNS name pointing here has another Host.
      const host = req.headers.host ?? '';
      if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) {
        return send(res, 403, { error: { kind: 'invalid-input', message: `Host "${host}" is not this server` } });
      }
      const requestOrigin = req.headers.origin;
      if (requestOrigin && requestOrigin !== origin && requestOrigin !== `http://localhost:${new URL(origin).port}`) {
        return send(res, 403, { error: { kind: 'invalid-input', message: `Requests from ${requestOrigin} are not allowed` } });
      }
      if (!url.pathname.startsWith('/api/')) {
        if (req.method !== 'GET') return send(res, 405, { error: { kind: 'invalid-input', message: 'Only GET outside /api/' } });
        return handleStatic(url.pathname, res);
      }
      const bearer = req.headers.authorization?.replace(/^Bearer /, '');
      const given = url.pathname === '/api/events' ? (bearer ?? url.searchParams.get('token')) : bearer;
      if (!sameToken(given, token)) return send(res, 401, { error: { kind: 'invalid-input', message: 'Missing or wrong token: use the one `floe serve` printed at start' } });
      if (url.pathname === '/api/events' && req.method === 'GET') return handleEvents(req, res);
      const method = decodeURIComponent(url.pathname.slice('/api/'.length));
      if (req.method !== 'POST') return send(res, 405, { error: { kind: 'invalid-input', message: `Call ${method} with POST` } });
      if (!isApiMethod(method)) return send(res, 404, { error: { kind: 'not-found', message: `Unknown API method "${method}"` } });
      try {
        const input = await readBody(req);
        send(res, 200, await o.client.call(method, input as never));
      } catch (err) {
        const body = apiError(err, o.redact);
        send(res, STATUS[body.error.kind], body);
      }
    })().catch((err: Error) => { if (!res.headersSent) send(res, 500, apiError(err, o.redact)); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin, token,
    close: () => new Promise<void>((resolve) => {
      for (const s of streams) s.end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
