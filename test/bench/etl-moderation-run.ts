/**
 * One measured etl_moderation run for test/bench/etl-moderation.ts, in a process of its own so
 * that the peak RSS is the pipeline's and nothing else's:
 *   node --import tsx test/bench/etl-moderation-run.ts '<RunRequest JSON>'
 * Prints one JSON line (RunMeasurement) on stdout.
 *
 * Per-task figures: the pipeline logs the end of each task (extracted <table>, transform ready,
 * load committed); at each such line the current PhaseMeter is read and a new one started, so
 * every task gets its own kernel RSS high-water mark (VmHWM, reset at the task's start) and its
 * own CPU time. The transform's output rows stream into the load, so the load's figures include
 * computing them (the pipeline's own timings split that time out; RSS cannot be split).
 */
import { SqlCatalog } from '../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../core/iceberg/catalog/sql-driver.ts';
import { fileIOFor, releaseFileIOs, type FileIOConfig } from '../../core/io/resolve-file-io.ts';
import { defaultEtlModerationConfig, runEtlModeration, type EtlModerationResult } from '../../core/pipelines/etl-moderation/pipeline.ts';
import { postgresSource } from '../../core/sources/sql-source.ts';
import { PhaseMeter, type PhaseCost } from './phase-meter.ts';

export interface RunRequest {
  sourceUrl: string;
  catalog: { uri: string; warehouse: string };
  io: FileIOConfig;
  root: string;
  /** The run's reference time, ms. */
  now: number;
}

export interface TaskMeasurement { task: string; wallMs: number; cost?: PhaseCost }

export interface RunMeasurement {
  wallMs: number;
  tasks: TaskMeasurement[];
  result: Omit<EtlModerationResult, 'extracted'> & { extracted: { table: string; rows: number; bytes: number }[] };
  /** Largest RSS of the whole process over the run, bytes. */
  peakRss: number;
}

const req = JSON.parse(process.argv[2] ?? '{}') as RunRequest;
const io = (l: string) => fileIOFor(l, req.io);
const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(req.catalog.uri), warehouse: req.catalog.warehouse, io });
const config = defaultEtlModerationConfig(req.root);

const tasks: TaskMeasurement[] = [];
const pending: Promise<void>[] = [];
let meter = new PhaseMeter(50);
let started = performance.now();
/** Ends the current task's measurement and starts the next one's. */
function endTask(task: string): void {
  const wallMs = performance.now() - started;
  const entry: TaskMeasurement = { task, wallMs };
  tasks.push(entry);
  // stop() reads the high-water mark and CPU time synchronously, before its first await.
  pending.push(meter.stop().then((cost) => { entry.cost = cost; }));
  meter = new PhaseMeter(50);
  started = performance.now();
}

const t0 = performance.now();
const result = await runEtlModeration(config, { catalog, io, source: postgresSource(req.sourceUrl) }, {
  log: (_level, message) => {
    process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${message}\n`);
    const extracted = /^extracted (\w+):/.exec(message);
    if (extracted) endTask(`extract:${extracted[1]}`);
    else if (message.startsWith('transform: ') && message.includes('window source')) endTask('transform');
    else if (message.startsWith('load: committed')) endTask('load');
  },
}, 'bench', req.now);
const wallMs = performance.now() - t0;
await meter.stop();
await Promise.all(pending);
await catalog.close();
releaseFileIOs();
const out: RunMeasurement = {
  wallMs, tasks,
  result: { ...result, extracted: result.extracted.map((e) => ({ table: e.table, rows: e.rows, bytes: e.bytes })) },
  // Each task's meter reset the high-water mark at its start: the largest of their marks is the run's.
  peakRss: Math.max(...tasks.map((t) => t.cost?.rss.highWater ?? t.cost?.rss.sampled ?? 0)),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
