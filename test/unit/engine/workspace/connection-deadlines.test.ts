/**
 * A server that accepts connections and then says nothing (a wrong port on a busy host, a
 * half-dead proxy) must not hang a connection test: each step gives up at its deadline, and a
 * cancel ends the test at once. The silent server is a plain local socket, no service needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { parseWorkspaceConfig, type WorkspaceConfigInput } from '../../../../core/engine/workspace/config.ts';
import { testConnection } from '../../../../core/engine/workspace/connection-test.ts';
import { MemorySecretStore } from '../../../../core/engine/workspace/secrets.ts';

let server: Server;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const config = (connections: Partial<WorkspaceConfigInput['connections']>) => parseWorkspaceConfig({
  connections: { catalog: { type: 'sql', uri: '/tmp/unused.db' }, ...connections }, storage: { root: 'file:///tmp/unused' },
});

describe('connection test deadlines', () => {
  it('gives up on a silent Postgres server at the step deadline', async () => {
    const started = Date.now();
    const r = await testConnection('postgres', config({ postgres: { url: `postgresql://u@127.0.0.1:${port}/db` } }), new MemorySecretStore(), undefined, { stepTimeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([['dns', true], ['tcp', true], ['tls', false]]);
    expect(r.steps[2]!.detail).toBe(`Postgres at 127.0.0.1:${port}: no answer within 400 ms — is this the right port for this service, is the server overloaded, or is a firewall dropping the connection?`);
  });

  it('gives up on a silent Kafka broker and a silent REST catalog', async () => {
    const started = Date.now();
    const kafka = await testConnection('kafka', config({ kafka: { brokers: [`127.0.0.1:${port}`] } }), new MemorySecretStore(), undefined, { stepTimeoutMs: 400 });
    expect(kafka.steps.map((s) => [s.step, s.ok])).toEqual([['dns', true], ['tcp', true], ['auth', false]]);
    const rest = await testConnection('catalog', config({ catalog: { type: 'rest', uri: `http://127.0.0.1:${port}` } }), new MemorySecretStore(), undefined, { stepTimeoutMs: 400 });
    expect(rest.steps.map((s) => [s.step, s.ok])).toEqual([['dns', true], ['tcp', true], ['auth', false]]);
    expect(rest.steps[2]!.detail).toMatch(/no answer within 400 ms/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('stops at once when cancelled mid-step', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const r = await testConnection('postgres', config({ postgres: { url: `postgresql://u@127.0.0.1:${port}/db` } }), new MemorySecretStore(), controller.signal, { stepTimeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(r.ok).toBe(false);
    expect(r.steps.at(-1)).toMatchObject({ step: 'tls', ok: false, detail: `Postgres at 127.0.0.1:${port}: the test was cancelled` });
  });
});
