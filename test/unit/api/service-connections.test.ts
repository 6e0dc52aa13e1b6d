import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FloeService } from '../../../core/api/service.ts';
import { Runtime, configPath } from '../../../core/engine/runtime.ts';
import { saveWorkspaceConfig } from '../../../core/engine/workspace/config-file.ts';

const opened: Runtime[] = [];
afterEach(async () => { for (const rt of opened.splice(0)) await rt.close(); });

async function service(): Promise<{ api: FloeService; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-api-'));
  await saveWorkspaceConfig(configPath(dir), {
    connections: { catalog: { type: 'sql', uri: `sqlite:///${join(dir, 'catalog.db')}` } },
    storage: { root: pathToFileURL(join(dir, 'lake')).href },
  });
  const rt = await Runtime.open({ dir });
  opened.push(rt);
  return { api: new FloeService(rt), dir };
}

describe('connections.set through the API', () => {
  it('saves the settings and keeps the secret apart: never in workspace.json, never sent back', async () => {
    const { api, dir } = await service();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const view = await api.call('connections.set', {
      connections: { s3: { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, accessKeyId: 'minio', secretAccessKey: { secret: 's3.secretAccessKey' } } },
      secrets: { 's3.secretAccessKey': secret },
    });
    expect(view.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', pathStyle: true, accessKeyId: 'minio', secretAccessKey: { secret: true, set: true } });
    expect(JSON.stringify(view)).not.toContain(secret);
    expect(readFileSync(configPath(dir), 'utf8')).not.toContain(secret);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toContain(secret);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect((await api.call('connections.get', {})).s3?.endpoint).toBe('http://127.0.0.1:9000');
  });

  it('refuses invalid settings naming the field, and a secret typed in clear without echoing it', async () => {
    const { api, dir } = await service();
    const before = readFileSync(configPath(dir), 'utf8');
    await expect(api.call('connections.set', { connections: { s3: { endpoint: 'ftp://files' } } })).rejects.toThrow(/connections\.s3\.endpoint: must start with http:\/\/ or https:\/\//);
    const err = await api.call('connections.set', { connections: { s3: { accessKeyId: 'minio', secretAccessKey: 'hunter2-in-clear' } } }).catch((e: Error) => e);
    expect((err as Error).name).toBe('InvalidInputError');
    expect((err as Error).message).toMatch(/connections\.s3\.secretAccessKey: must be a secret reference/);
    expect((err as Error).message).not.toContain('hunter2-in-clear');
    expect(readFileSync(configPath(dir), 'utf8')).toBe(before);
    await expect(api.call('connections.set', { secrets: { 'bad name!': 'x' } })).rejects.toThrow(/secrets\.bad name!: must be a secret name/);
  });
});
