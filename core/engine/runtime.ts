/**
 * A workspace folder brought to life: its configuration, secrets, run history, run lock, engine
 * and scheduler. The desktop app, `floe serve` and every CLI command open one of these; several
 * may share a folder at once (the run store and the lock are built for it).
 *
 *   {dir}/workspace.json   configuration (no secrets)
 *   {dir}/secrets.json     secrets, mode 0600 (headless; the desktop app uses safeStorage)
 *   {dir}/runs.db, logs/   run history and per-run logs
 */
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { PipelineName } from '../api/contract.ts';
import { PIPELINE_NAMES } from '../api/contract.ts';
import { redact } from '../io/s3-errors.ts';
import { Engine, type EngineOptions } from './engine.ts';
import { postgresRunLock, sqliteRunLock, type RunLock } from './locks/run-lock.ts';
import { pipelineDefinitions } from './pipelines.ts';
import { RunStore } from './run-store/run-store.ts';
import { Scheduler, type Clock, type ScheduleStateStore } from './scheduler/scheduler.ts';
import { loadWorkspaceConfig, saveWorkspaceConfig } from './workspace/config-file.ts';
import { sqliteFile, storageLocations, type WorkspaceConfig } from './workspace/config.ts';
import { openWorkspace, type Workspace } from './workspace/open.ts';
import { postgresTarget, postgresUrl, postgresUsesTls, secretValues } from './workspace/resolve.ts';
import { ChainSecretStore, EnvSecretStore, FileSecretStore, type SecretStore } from './workspace/secrets.ts';

export interface RuntimeOptions {
  dir: string;
  /** Default: environment variables, then {dir}/secrets.json. */
  secrets?: SecretStore;
  clock?: Clock;
}

export const configPath = (dir: string) => join(dir, 'workspace.json');

export class NoWorkspaceError extends Error {
  constructor(dir: string) {
    super(`There is no Floe workspace in ${dir} (no workspace.json). Create one with "floe init" (it imports your environment and ~/.pyiceberg.yaml), or run "npm run demo" for the embedded demo.`);
    this.name = 'NoWorkspaceError';
  }
}

/** The scheduler's memory, kept in the run store so it survives restarts. */
function storeBackedState(store: RunStore): ScheduleStateStore {
  return {
    load: (pipeline) => {
      const s = store.getSchedulerState(pipeline as PipelineName);
      return typeof s.settledThrough === 'number'
        ? { settledThrough: s.settledThrough, lastFireAt: typeof s.lastFireAt === 'number' ? s.lastFireAt : null, paused: s.paused === true }
        : undefined;
    },
    save: (pipeline, state) => store.setSchedulerState(pipeline as PipelineName, { ...state }),
  };
}

async function runLockFor(config: WorkspaceConfig, secrets: SecretStore, store: RunStore, workspaceKey: string): Promise<RunLock> {
  const c = config.connections.catalog;
  if (c.type === 'sql') {
    const file = sqliteFile(c.uri);
    if (file !== undefined) return sqliteRunLock(file, workspaceKey);
    const target = await postgresTarget({ url: c.uri, password: c.password }, secrets, 'connections.catalog');
    return postgresRunLock(postgresUrl(target, await postgresUsesTls(target, AbortSignal.timeout(5000))), workspaceKey);
  }
  // A REST catalog has no database Floe may write to: the lock is local to this machine's run history.
  return sqliteRunLock(store.file, workspaceKey);
}

/** Two installs pointed at the same catalog and storage are one workspace for locking, whatever their folders. */
const lockKey = (config: WorkspaceConfig) => `${config.connections.catalog.name}@${storageLocations(config).root}`;

export class Runtime {
  readonly engine: Engine<Workspace>;
  private browsing: Promise<Workspace> | undefined;
  private scheduler: Scheduler<PipelineName> | undefined;
  private readonly retiredLocks: RunLock[] = [];

  private constructor(
    readonly dir: string,
    public config: WorkspaceConfig,
    readonly secrets: SecretStore,
    readonly store: RunStore,
    private lock: RunLock,
    private readonly options: RuntimeOptions,
    private readonly secretList: string[],
  ) {
    const engineOptions: EngineOptions<Workspace> = {
      // Through `this.lock`, so a catalog changed by saveConfig takes the lock from then on.
      store, lock: { tryAcquire: (pipeline, runId) => this.lock.tryAcquire(pipeline, runId), close: () => this.lock.close() },
      pipelines: () => pipelineDefinitions(this.config),
      openResources: () => this.openWorkspace(),
      redact: (text) => this.redact(text),
    };
    this.engine = new Engine(engineOptions);
  }

  static async open(options: RuntimeOptions): Promise<Runtime> {
    const config = await loadWorkspaceConfig(configPath(options.dir));
    if (!config) throw new NoWorkspaceError(options.dir);
    const secrets = options.secrets ?? new ChainSecretStore([new EnvSecretStore(), new FileSecretStore(join(options.dir, 'secrets.json'))]);
    const store = RunStore.open(join(options.dir, 'runs.db'));
    try {
      store.markInterrupted();
      const lock = await runLockFor(config, secrets, store, lockKey(config));
      return new Runtime(options.dir, config, secrets, store, lock, options, await secretValues(config, secrets));
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Scrubs every configured secret value out of a text bound for a log, an error or the UI. */
  redact(text: string): string {
    return redact(text, this.secretList);
  }

  /** A fresh connection set for one run (closed by the engine after it). */
  async openWorkspace(): Promise<Workspace> {
    return openWorkspace(this.config, this.secrets);
  }

  /** The long-lived connections the table browser and previews use. */
  browse(): Promise<Workspace> {
    this.browsing ??= this.openWorkspace().catch((err: Error) => { this.browsing = undefined; throw err; });
    return this.browsing;
  }

  /** Starts scheduling the workspace's pipelines (the app and `floe serve`; CLI commands do not). */
  async startScheduler(onError: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<Scheduler<PipelineName>> {
    if (this.scheduler) return this.scheduler;
    const p = this.config.pipelines;
    const available = pipelineDefinitions(this.config);
    const schedules = Object.fromEntries(PIPELINE_NAMES.map((name) => {
      const s = p[name].schedule;
      // A pipeline this workspace cannot run (event_aggregation without Kafka) is not scheduled.
      return [name, { cron: available[name] ? s.cron : null, timeZone: s.timeZone, paused: s.paused }];
    })) as Record<PipelineName, { cron: string | null; timeZone: string; paused: boolean }>;
    this.scheduler = new Scheduler<PipelineName>({
      schedules, clock: this.options.clock, store: storeBackedState(this.store),
      trigger: async (pipeline, info) => {
        await this.engine.trigger(pipeline, info.kind === 'catch-up'
          ? { kind: 'catch-up', scheduledFor: info.scheduledFor.getTime(), missed: info.missed ?? 1 }
          : { kind: 'scheduled', scheduledFor: info.scheduledFor.getTime() });
      },
      onError: (err, context) => onError(`Floe scheduler on ${hostname()}${context.pipeline ? ` (${context.pipeline})` : ''}: ${this.redact(err.message)}`),
    });
    await this.scheduler.start();
    return this.scheduler;
  }

  get activeScheduler(): Scheduler<PipelineName> | undefined {
    return this.scheduler;
  }

  /** Saves a changed configuration; later runs use it. */
  async saveConfig(next: WorkspaceConfig): Promise<void> {
    const before = this.config;
    this.config = await saveWorkspaceConfig(configPath(this.dir), next);
    if (JSON.stringify(before.connections.catalog) !== JSON.stringify(this.config.connections.catalog) || lockKey(before) !== lockKey(this.config)) {
      // The old lock stays open until close(): a run in progress still releases through it.
      this.retiredLocks.push(this.lock);
      this.lock = await runLockFor(this.config, this.secrets, this.store, lockKey(this.config));
    }
    this.secretList.splice(0, this.secretList.length, ...await secretValues(this.config, this.secrets));
    const old = this.browsing;
    this.browsing = undefined;
    await old?.then((w) => w.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.scheduler?.stop();
    await this.engine.shutdown();
    await this.browsing?.then((w) => w.close()).catch(() => undefined);
    for (const lock of [...this.retiredLocks, this.lock]) await lock.close();
    this.store.close();
  }
}
