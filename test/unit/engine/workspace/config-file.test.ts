import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkspaceConfig, saveWorkspaceConfig } from '../../../../core/engine/workspace/config-file.ts';
import { WorkspaceConfigError, type WorkspaceConfigInput } from '../../../../core/engine/workspace/config.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'floe-config-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

const config: WorkspaceConfigInput = {
  connections: {
    postgres: { host: 'db', user: 'etl', database: 'gourmetgram', password: { secret: 'postgres.password' } },
    s3: { endpoint: 'http://minio:9000', forcePathStyle: true, accessKeyId: 'minio', secretAccessKey: { secret: 's3.secretAccessKey' } },
    catalog: { type: 'sql', name: 'gourmetgram', uri: 'postgresql://iceberg@db/gourmetgram' },
  },
  storage: { root: 's3://gourmetgram-datalake' },
};

describe('the workspace configuration file', () => {
  it('saves every default spelled out and loads back the same configuration', async () => {
    const path = join(dir, 'a', 'workspace.json');
    const saved = await saveWorkspaceConfig(path, config);
    expect(await loadWorkspaceConfig(path)).toEqual(saved);
    const json = JSON.parse(await readFile(path, 'utf8')) as { pipelines: { etl_moderation: { schedule: unknown } } };
    expect(json.pipelines.etl_moderation.schedule).toEqual({ cron: '0 0 * * *', timeZone: 'UTC', paused: false });
    // Written beside and renamed into place: no temporary file is left.
    expect(await readdir(join(dir, 'a'))).toEqual(['workspace.json']);
  });

  it('is absent on a first start', async () => {
    expect(await loadWorkspaceConfig(join(dir, 'none.json'))).toBeUndefined();
  });

  it('refuses to save an invalid configuration, leaving the file as it was', async () => {
    const path = join(dir, 'b.json');
    await saveWorkspaceConfig(path, config);
    const before = await readFile(path, 'utf8');
    const bad = { ...config, connections: { ...config.connections, s3: { accessKeyId: 'minio', secretAccessKey: 'in-clear' } } };
    await expect(saveWorkspaceConfig(path, bad as unknown as WorkspaceConfigInput)).rejects.toThrow(
      'The workspace configuration to save is not valid:\n  - connections.s3.secretAccessKey: must be a secret reference');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('names the file and the problem when loading a broken or invalid one, without quoting it', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"connections": {"postgres": {"password": "oops-secret"');
    const error = await loadWorkspaceConfig(broken).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(WorkspaceConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^The workspace configuration ${broken} is not valid:\\n  - the file is not valid JSON`));
    expect((error as Error).message).not.toContain('oops-secret');

    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ ...config, storage: { root: 'gs://elsewhere' } }));
    await expect(loadWorkspaceConfig(invalid)).rejects.toThrow(`The workspace configuration ${invalid} is not valid:\n  - storage.root: Unsupported location "gs://elsewhere"`);
  });
});
