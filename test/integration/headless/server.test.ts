import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'node:http';
import type { ApiEvent, PipelineView, RunDetail, RunSummary, TableDetail } from '../../../core/api/contract.ts';
import { workspaceOnTestBed, type TestWorkspace } from './workspace-on-testbed.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/floe.mjs');

describe('floe serve: the API over HTTP', () => {
  let ws: TestWorkspace;
  let server: ChildProcess;
  let url = '';
  let token = '';
  const call = async (method: string, input: unknown, auth = token) => {
    const res = await fetch(`${url}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    ws = await workspaceOnTestBed({ events: false });
    server = spawn(process.execPath, [BIN, 'serve', '--json', '--no-schedule', '--workspace', ws.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    server.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise<void>((resolveStart, reject) => {
      server.on('exit', (code) => reject(new Error(`floe serve exited (${code}): ${err}`)));
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          ({ url, token } = JSON.parse(out) as { url: string; token: string });
          resolveStart();
        } catch { /* not all of it yet */ }
      });
    });
  });
  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  });

  it('listens on 127.0.0.1 only and refuses calls without the token or from another host name', async () => {
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect((await call('pipelines.list', {}, 'wrong')).status).toBe(401);
    expect((await fetch(`${url}/api/pipelines.list`, { method: 'POST' })).status).toBe(401);
    const rebinding = await new Promise<number>((done, fail) => {
      const req = request(`${url}/api/pipelines.list`, { method: 'POST', headers: { host: 'evil.example:80', authorization: `Bearer ${token}` } }, (res) => { res.resume(); done(res.statusCode!); });
      req.on('error', fail);
      req.end('{}');
    });
    expect(rebinding).toBe(403);
    const crossSite = await fetch(`${url}/api/pipelines.list`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
  });

  it('validates input at the boundary, naming the field', async () => {
    const bad = await call('pipelines.run', { pipeline: 'drop_tables' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/Invalid input for pipelines.run: pipeline/);
    const extra = await call('runs.list', { limit: 5, sql: 'x' });
    expect(extra.status).toBe(400);
    expect((await call('runs.get', { runId: '00000000-0000-0000-0000-000000000000' })).status).toBe(404);
    expect((await call('no.such', {})).status).toBe(404);
  });

  it('lists the pipelines with their tasks and schedules', async () => {
    const { status, body } = await call('pipelines.list', {});
    expect(status).toBe(200);
    const list = body as unknown as PipelineView[];
    expect(list.map((p) => p.name)).toEqual(['event_aggregation', 'etl_moderation', 'verify']);
    expect(list.find((p) => p.name === 'event_aggregation')!.schedule).toMatchObject({ cron: '0 * * * *', timezone: 'UTC', paused: false });
    expect(list.find((p) => p.name === 'event_aggregation')!.schedule!.nextFireTimes).toHaveLength(3);
    expect(list.find((p) => p.name === 'verify')!.schedule).toBeNull();
  });

  it('runs a pipeline and streams its events live over server-sent events', async () => {
    const events: ApiEvent[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${url}/api/events?token=${token}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
          const data = buffer.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
          buffer = buffer.slice(i + 2);
          if (data) events.push(JSON.parse(data.slice(6)) as ApiEvent);
        }
        if (events.some((e) => e.type === 'run' && e.run.state === 'success' || e.type === 'run' && e.run.state === 'failed')) break;
      }
    })().catch(() => undefined);
    const started = await call('pipelines.run', { pipeline: 'etl_moderation' });
    expect(started.status).toBe(200);
    const run = started.body as unknown as RunSummary;
    await Promise.race([reading, new Promise((r) => setTimeout(r, 90_000))]);
    controller.abort();
    const states = events.filter((e) => e.type === 'run' && e.run.id === run.id).map((e) => (e.type === 'run' ? e.run.state : ''));
    expect(states).toEqual(['queued', 'running', 'success']);
    expect(events.some((e) => e.type === 'task' && e.task.name === 'extract' && e.task.state === 'success')).toBe(true);
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    expect(events.some((e) => e.type === 'log' && e.runId === run.id)).toBe(true);

    const detail = (await call('runs.get', { runId: run.id })).body as unknown as RunDetail;
    expect(detail.state).toBe('success');
    const logs = (await call('runs.logs', { runId: run.id, limit: 1000 })).body as { lines: { message: string }[] };
    expect(logs.lines.at(-1)!.message).toBe('run success');
    const table = (await call('catalog.table', { table: { namespace: ['moderation'], name: 'training_data' } })).body as unknown as TableDetail;
    const rows = table.summary.currentSnapshot!.totals.totalRecords!;
    expect(rows).toBeGreaterThan(0);
    expect(rows % 3).toBe(0);
    expect(table.snapshots.at(-1)!.summary['floe.run-id']).toBe(run.id);
  });
});
