/**
 * The API implementation over a workspace runtime: one `call` for every method of the contract,
 * each input validated first, and the engine's events passed through. The Electron IPC bridge,
 * `floe serve` and the CLI all go through this, so they behave alike.
 */
import type {
  ApiInput, ApiMethod, ApiOutput, ConnectionsView, FloeClient, PipelineName, PipelineView, RunDetail, RunSummary,
  ScheduleView, SecretStatus, TaskView, VerifyReportView,
} from './contract.ts';
import { PIPELINE_NAMES } from './contract.ts';
import { previewRows, tableDetail, tableFiles, tablePartitions } from './catalog-browser.ts';
import { NotFoundError } from './errors.ts';
import { runMaintenance } from './maintenance.ts';
import { InvalidInputError, validateInput } from './validate.ts';
import { runSummary } from '../engine/engine.ts';
import type { Runtime } from '../engine/runtime.ts';
import { readLog } from '../engine/run-store/log-reader.ts';
import type { RunDetail as StoredRun } from '../engine/run-store/types.ts';
import { compileSchedule, previewFireTimes } from '../engine/scheduler/schedule.ts';
import { testConnection } from '../engine/workspace/connection-test.ts';
import { parseWorkspaceConfig, type SecretRef, type WorkspaceConfig } from '../engine/workspace/config.ts';

const NEXT_FIRES = 3;

type Handlers = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutput<M>> };

function taskViews(run: StoredRun): TaskView[] {
  return run.attempts.map((a) => ({
    name: a.task, attempt: a.attempt, state: a.state, startedAt: a.startedAt, finishedAt: a.finishedAt, error: a.error,
    progress: a.progress && { done: a.progress.done, total: a.progress.total, unit: a.progress.unit, rate: null, etaSeconds: null },
    metrics: a.metrics,
  }));
}

function runDetail(run: StoredRun): RunDetail {
  return { ...runSummary(run), tasks: taskViews(run), metrics: run.metrics, outputs: run.outputs as RunDetail['outputs'], logLocation: run.logFile };
}

export class FloeService implements FloeClient {
  private readonly handlers: Handlers;

  constructor(private readonly rt: Runtime) {
    const store = rt.store;
    const requireRun = (runId: string) => {
      const run = store.getRun(runId);
      if (!run) throw new NotFoundError(`No run ${runId} in this workspace's history (${store.file})`);
      return run;
    };
    this.handlers = {
      'connections.get': async () => this.connections(),
      'connections.set': async (input) => {
        const next = structuredClone(this.rt.config) as unknown as Record<string, Record<string, unknown>>;
        for (const [kind, section] of Object.entries(input.connections ?? {})) {
          if (section === null) delete next.connections![kind]; else next.connections![kind] = section;
        }
        if (input.storage) next.storage = { ...input.storage };
        let config: WorkspaceConfig;
        try {
          config = parseWorkspaceConfig(next, 'The connection settings');
        } catch (err) {
          throw new InvalidInputError((err as Error).message);
        }
        // Secrets first: a configuration that refers to a secret must not be saved before it exists.
        for (const [name, value] of Object.entries(input.secrets ?? {})) await rt.secrets.set(name, value);
        await rt.saveConfig(config);
        return this.connections();
      },
      'connections.test': async ({ kind }) => testConnection(kind, rt.config, rt.secrets, AbortSignal.timeout(60_000)),
      'pipelines.list': async () => PIPELINE_NAMES.map((p) => this.pipelineView(p)),
      'pipelines.run': async ({ pipeline }) => rt.engine.trigger(pipeline),
      'pipelines.cancel': async ({ runId }) => {
        const run = requireRun(runId);
        if (run.state !== 'queued' && run.state !== 'running') throw new InvalidInputError(`Run ${runId} has already finished (${run.state})`);
        // The process running it stops it within a second (it watches the run store for this).
        if (!rt.engine.cancel(runId)) store.requestCancel(runId);
        return runSummary(requireRun(runId));
      },
      'pipelines.schedule': async ({ pipeline, cron, timezone }) => {
        compileSchedule(pipeline, { cron, timeZone: timezone });
        await this.updateSchedule(pipeline, { cron, timeZone: timezone });
        await rt.activeScheduler?.setSchedule(pipeline, { cron, timeZone: timezone, paused: rt.config.pipelines[pipeline].schedule.paused });
        return this.pipelineView(pipeline);
      },
      'pipelines.pause': async ({ pipeline, paused }) => {
        await this.updateSchedule(pipeline, { paused });
        if (paused) await rt.activeScheduler?.pause(pipeline); else await rt.activeScheduler?.resume(pipeline);
        return this.pipelineView(pipeline);
      },
      'runs.list': async (q) => {
        const page = store.listRuns({ pipeline: q.pipeline, state: q.state, since: q.since, until: q.until, limit: q.limit, cursor: q.cursor });
        return { items: page.runs.map(runSummary), next: page.nextCursor ?? null };
      },
      'runs.get': async ({ runId }) => runDetail(requireRun(runId)),
      'runs.logs': async ({ runId, offset, limit }) => {
        const run = requireRun(runId);
        const page = await readLog(run.logFile, { offset, limit, writerDone: run.state !== 'running' && run.state !== 'queued' });
        return { lines: page.lines, nextOffset: page.nextOffset, end: page.end };
      },
      'catalog.namespaces': async () => (await rt.browse()).catalog.listNamespaces(),
      'catalog.tables': async ({ namespace }) => (await (await rt.browse()).catalog.listTables(namespace)).map((t) => ({ namespace: t.namespace, name: t.name })),
      'catalog.table': async ({ table }) => tableDetail(await rt.browse(), table),
      'catalog.files': async ({ table, ...o }) => tableFiles(await rt.browse(), table, o),
      'catalog.partitions': async ({ table, snapshotId }) => tablePartitions(await rt.browse(), table, snapshotId),
      'preview': async (request) => previewRows(await rt.browse(), request),
      'verify.latest': async () => {
        for (let cursor: string | undefined, pages = 0; pages < 20; pages++) {
          const page = store.listRuns({ pipeline: 'verify', limit: 50, cursor });
          const found = page.runs.find((r) => r.outputs.verify !== undefined);
          if (found) return { run: runSummary(found), report: found.outputs.verify as unknown as VerifyReportView };
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        return null;
      },
      'maintenance.run': async (request) => runMaintenance(await rt.browse(), request),
    };
  }

  async call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
    const valid = validateInput<M>(method, input);
    return (this.handlers[method] as (i: ApiInput<M>) => Promise<ApiOutput<M>>)(valid);
  }

  subscribe(listener: Parameters<FloeClient['subscribe']>[0]): () => void {
    return this.rt.engine.subscribe(listener);
  }

  private scheduleView(pipeline: PipelineName): ScheduleView | null {
    const s = this.rt.config.pipelines[pipeline].schedule;
    if (s.cron === null) return null;
    const live = this.rt.activeScheduler;
    const next = s.paused ? [] : live ? live.nextFireTimes(pipeline, NEXT_FIRES) : previewFireTimes(pipeline, { cron: s.cron, timeZone: s.timeZone }, Date.now(), NEXT_FIRES);
    return { cron: s.cron, timezone: s.timeZone, paused: s.paused, nextFireTimes: next.map((d) => d.getTime()) };
  }

  private pipelineView(pipeline: PipelineName): PipelineView {
    let definition;
    try {
      definition = this.rt.engine.definition(pipeline);
    } catch {
      definition = undefined;
    }
    const active = this.rt.store.activeRun(pipeline);
    const last = this.rt.store.listRuns({ pipeline, limit: 1 }).runs[0];
    return {
      name: pipeline,
      description: definition?.description ?? 'not available in this workspace',
      tasks: definition?.tasks.map((t) => t.name) ?? [],
      schedule: this.scheduleView(pipeline),
      activeRun: active ? runSummary(active) : null,
      lastRun: last ? runSummary(last) : null,
    };
  }

  private async updateSchedule(pipeline: PipelineName, change: Partial<WorkspaceConfig['pipelines']['verify']['schedule']>): Promise<void> {
    const config = structuredClone(this.rt.config);
    Object.assign(config.pipelines[pipeline].schedule, change);
    await this.rt.saveConfig(config);
  }

  private async connections(): Promise<ConnectionsView> {
    const c = this.rt.config.connections;
    const status = async (ref: SecretRef | undefined): Promise<SecretStatus> => ({ secret: true, set: ref !== undefined && (await this.rt.secrets.get(ref.secret)) !== undefined });
    const pg = c.postgres;
    return {
      postgres: pg ? {
        url: pg.embedded !== undefined ? `pglite://${pg.embedded}` : pg.url ?? `postgresql://${pg.user}@${pg.host}:${pg.port ?? 5432}/${pg.database}`,
        password: await status(pg.password),
      } : null,
      kafka: c.kafka ? {
        brokers: c.kafka.brokers, ssl: c.kafka.ssl.enabled,
        sasl: c.kafka.sasl ? { mechanism: c.kafka.sasl.mechanism, username: c.kafka.sasl.username, password: await status(c.kafka.sasl.password) } : null,
      } : null,
      s3: c.s3 ? { endpoint: c.s3.endpoint ?? null, region: c.s3.region, pathStyle: c.s3.forcePathStyle, accessKeyId: c.s3.accessKeyId ?? null, secretAccessKey: await status(c.s3.secretAccessKey) } : null,
      catalog: c.catalog.type === 'sql'
        ? { type: 'sql', name: c.catalog.name, uri: c.catalog.uri }
        : { type: 'rest', name: c.catalog.name, uri: c.catalog.uri, credential: await status(c.catalog.credential ?? c.catalog.token) },
      warehouse: this.rt.config.storage.warehouse ?? this.rt.config.storage.root ?? null,
    };
  }
}

export function runSummaries(runs: StoredRun[]): RunSummary[] {
  return runs.map(runSummary);
}
