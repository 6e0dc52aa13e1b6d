/**
 * W2: etl_moderation end to end (extract five Postgres tables to raw Parquet on S3, compute the
 * training features from them and the window tables, replace moderation.training_data) on 1M
 * images, 100k users, 5M comments, 500k flags, 2M milestones and ~17M window rows, beside
 * `psql \copy (SELECT ...) TO /dev/null` of the same tables in the same run: the extraction limit.
 *
 *   npx tsx test/bench/etl-moderation.ts [--images 1000000] [--rebuild] [--cpu-prof DIR]
 *
 * The generated data is kept between runs (test/bench/etl-moderation-data.ts): the first run at
 * a scale spends minutes generating it, later runs reuse it (--rebuild forces a new one).
 * The pipeline runs in a process of its own (etl-moderation-run.ts) that measures each task.
 * Not a test: prints figures and goals, never fails on a number. Needs the test bed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractQuery, SOURCE_TABLES } from '../../core/pipelines/etl-moderation/extract.ts';
import { testBed } from '../services/testbed.ts';
import { prepareW2 } from './etl-moderation-data.ts';
import type { RunMeasurement, RunRequest } from './etl-moderation-run.ts';

const { values } = parseArgs({ options: { images: { type: 'string', default: '1000000' }, rebuild: { type: 'boolean', default: false }, 'cpu-prof': { type: 'string' } } });
const images = Number(values.images.replace(/_/g, ''));
if (!Number.isSafeInteger(images) || images <= 0) throw new Error(`--images must be a positive whole number, not "${values.images}"`);
const MB = 1024 * 1024;
const mb = (n: number | undefined) => (n === undefined ? '-' : `${(n / MB).toFixed(0)} MB`);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSec = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')}/s`;
const log = (line: string) => console.log(line);

log(`W2 on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())} RAM, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const data = await prepareW2(images, log, values.rebuild);
log(`rows: ${Object.entries(data.rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')}`);
log(`window rows: ${Object.entries(data.windows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')}`);

// ---- the limit: psql \copy of each table to /dev/null -------------------------------------------

/**
 * Seconds psql takes to COPY a query's rows out to /dev/null (the same client-side path: rows
 * arrive as text), with the session settings extract's snapshot uses (times rendered in UTC, ISO).
 */
function psqlCopy(select: string): number {
  const t0 = performance.now();
  const r = spawnSync(join(testBed().pgBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', data.sourceUrl, '-c', `\\copy (${select}) TO '/dev/null'`], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGOPTIONS: '-c TimeZone=UTC -c DateStyle=ISO' },
  });
  if (r.status !== 0) throw new Error(`psql \\copy (${select}) failed: ${r.stderr.toString()}. Is the test bed's Postgres up (npm run services:up)?`);
  return performance.now() - t0;
}

const tables = Object.keys(SOURCE_TABLES);
const copyStar: Record<string, number> = {};
const copyExtract: Record<string, number> = {};
for (const t of tables) {
  copyStar[t] = psqlCopy(`SELECT * FROM "${t}"`);
  copyExtract[t] = psqlCopy(extractQuery(t));
}

// ---- the pipeline, in its own process ----------------------------------------------------------

function runPipeline(): Promise<RunMeasurement> {
  const req: RunRequest = { sourceUrl: data.sourceUrl, catalog: data.catalog, io: data.io, root: data.root, now: data.world.options.start / 1000 + 10 * 86_400_000 };
  const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', resolve(import.meta.dirname, 'etl-moderation-run.ts'), JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) ok(JSON.parse(last) as RunMeasurement);
      else fail(new Error(`The etl_moderation run failed (exit ${code}); its log is above. Output: ${out.slice(-2000)}`));
    });
  });
}

const loadBefore = loadavg()[0]!;
const m = await runPipeline();
const timing = new Map(m.result.timings.map((t) => [t.task, t.ms]));
const rowsOf = new Map(m.result.extracted.map((e) => [`extract:${e.table}`, e.rows]));

log('');
log(`| task | rows | wall (pipeline's own) | rate | peak RSS | CPU | \\copy * | \\copy as extract asks | extract / \\copy * |`);
log('|---|---|---|---|---|---|---|---|---|');
for (const t of m.tasks) {
  if (t.task === 'extract') continue;
  const own = timing.get(t.task) ?? t.wallMs;
  const table = t.task.startsWith('extract:') ? t.task.slice('extract:'.length) : null;
  const rows = rowsOf.get(t.task) ?? (t.task === 'transform' ? m.result.rows : t.task === 'load' ? m.result.rows : 0);
  const rss = t.cost?.rss.highWater ?? t.cost?.rss.sampled;
  const copy = table ? `${sec(copyStar[table]!)} | ${sec(copyExtract[table]!)} | ${((copyStar[table]! / own) * 100).toFixed(0)}%` : '- | - | -';
  log(`| ${t.task} | ${rows.toLocaleString('en')} | ${sec(own)} | ${perSec(rows, own)} | ${mb(rss)} | ${sec(t.cost?.cpuMs ?? 0)} | ${copy} |`);
}
const extractMs = m.result.timings.find((t) => t.task === 'extract')!.ms;
const copyMs = tables.reduce((s, t) => s + copyStar[t]!, 0);
const copyExtractMs = tables.reduce((s, t) => s + copyExtract[t]!, 0);
log(`| extract (all five) | ${m.result.extracted.reduce((s, e) => s + e.rows, 0).toLocaleString('en')} | ${sec(extractMs)} | | | | ${sec(copyMs)} | ${sec(copyExtractMs)} | ${((copyMs / extractMs) * 100).toFixed(0)}% |`);
log('');
log(`whole pipeline: ${sec(m.wallMs)} wall, peak RSS ${mb(m.peakRss)}; ${m.result.rows.toLocaleString('en')} training rows, ` +
  `${m.result.features.images.toLocaleString('en')} images (${m.result.features.imagesWithoutUser} without a user), source ${m.result.features.source}, ` +
  `labels ${m.result.features.labelPositive.toLocaleString('en')} positive / ${m.result.features.labelNegative.toLocaleString('en')} negative; load average ${loadBefore.toFixed(1)} before the run`);
const cpuMs = m.tasks.reduce((sum, t) => sum + (t.cost?.cpuMs ?? 0), 0);
log(`CPU of the pipeline's process: ${sec(cpuMs)} over ${sec(m.wallMs)} wall (the rest is waiting: for Postgres, S3, and the other processes of a shared machine; load average ${loadavg()[0]!.toFixed(1)} after the run)`);
log(`transform and load overlap: the output rows stream from the feature computation into the Parquet writer. The pipeline's own timings count computing them in transform; RSS and CPU of the load include it.`);
const goal = (ok: boolean, text: string) => log(`  ${ok ? 'met ' : 'MISSED'}  ${text}`);
log('goals (issue 5):');
goal(m.wallMs < 60_000, `whole pipeline < 60 s: ${sec(m.wallMs)}`);
goal(copyMs / extractMs >= 0.7, `extract >= 70% of \\copy's speed: ${((copyMs / extractMs) * 100).toFixed(0)}% (of \\copy as extract asks: ${((copyExtractMs / extractMs) * 100).toFixed(0)}%)`);
goal(m.peakRss < 2 * 1024 * MB, `peak RSS < 2 GB: ${mb(m.peakRss)}`);
if (m.result.rows !== m.result.features.images * 3) log(`WARNING: ${m.result.rows} rows written for ${m.result.features.images} images: expected three per image`);
if (values['cpu-prof']) log(`CPU profile in ${values['cpu-prof']}: npx tsx test/bench/profile-summary.ts ${values['cpu-prof']}/*.cpuprofile`);
