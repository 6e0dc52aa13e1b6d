/**
 * A Floe workspace folder pointed at the running test bed, as a user would set one up: Postgres
 * source (a generated GourmetGram), Kafka with its own topics, S3, a SQL catalog on Postgres, and
 * the S3 secret in the workspace's 0600 secret file. For the CLI and server tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { World } from '../../../core/demo/generator.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import { saveWorkspaceConfig } from '../../../core/engine/workspace/config-file.ts';
import { FileSecretStore } from '../../../core/engine/workspace/secrets.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';

export interface TestWorkspace {
  dir: string;
  world: World;
  /** The source database's URL. */
  source: string;
  topics: { views: string; comments: string; flags: string };
  catalogDb: string;
}

export async function workspaceOnTestBed(o: { images?: number; events?: boolean } = {}): Promise<TestWorkspace> {
  const bed = testBed();
  const dir = mkdtempSync(join(tmpdir(), 'floe-ws-'));
  const world = new World({ images: o.images ?? 150, seed: 'headless' });
  const source = await freshDatabase('ws_source');
  await loadWorldIntoPostgres(world, source);
  const catalogDb = await freshDatabase('ws_catalog');
  const base = uniqueName('ws');
  const topics = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
  if (o.events !== false) await produceEvents(world.events(), { brokers: bed.kafkaBrokers, topics, partitions: 3 });
  const secrets = new FileSecretStore(join(dir, 'secrets.json'));
  await secrets.set('s3.secretAccessKey', bed.s3.secretAccessKey);
  await saveWorkspaceConfig(join(dir, 'workspace.json'), {
    connections: {
      postgres: { url: source },
      kafka: { brokers: bed.kafkaBrokers },
      s3: { endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true, accessKeyId: bed.s3.accessKeyId, secretAccessKey: { secret: 's3.secretAccessKey' } },
      catalog: { type: 'sql', name: 'gourmetgram', uri: catalogDb },
    },
    storage: { root: `s3://${bed.s3.bucket}/${base}` },
    pipelines: { event_aggregation: { topics, consumerGroup: null } },
  });
  return { dir, world, source, topics, catalogDb };
}

const BIN = resolve(import.meta.dirname, '../../../bin/floe.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `floe <args>` as its own process, the way a user does. */
export function floe(args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`floe ${args.join(' ')} did not finish in time:\n${stdout}\n${stderr}`)); }, o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code) => { clearTimeout(timer); resolvePromise({ code: code ?? -1, stdout, stderr }); });
  });
}
