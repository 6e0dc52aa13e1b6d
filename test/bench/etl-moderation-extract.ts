/**
 * extract alone, table by table, beside `psql \copy (SELECT * ...) TO /dev/null` of the same table,
 * alternated run after run, on W2's data (made and kept by etl-moderation-data.ts). On a shared
 * machine one run says little: this takes the median of several, and measures CPU time too, of
 * Floe (all its threads), of psql, and of the Postgres backend serving each, which the load of
 * other processes does not inflate the way it does wall time.
 *
 *   npx tsx test/bench/etl-moderation-extract.ts [--images 1000000] [--tables comments,images] [--runs 3]
 *     [--variants binary,text,wasm-worker,wasm-thread,snappy]
 *
 * A variant is how the rows come (COPY binary, the default, or text) and how they are encoded: the
 * native codec (the default, beside the parsing), parquet-wasm on a worker thread or on the parsing
 * thread (FLOE_PARQUET=wasm in the child), or snappy instead of zstd. Each extract runs in a
 * process of its own, so that its peak RSS is its own. Not a test: prints figures, never fails on one.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extractTable, SOURCE_TABLES, type ExtractOptions } from '../../core/pipelines/etl-moderation/extract.ts';
import { fileIOFor, releaseFileIOs, type FileIOConfig } from '../../core/io/resolve-file-io.ts';
import { postgresSource } from '../../core/sources/sql-source.ts';
import { testBed } from '../services/testbed.ts';
import { PhaseMeter } from './phase-meter.ts';

interface ChildRequest { sourceUrl: string; table: string; location: string; io: FileIOConfig; options: ExtractOptions }
interface ChildResult { wallMs: number; cpuMs: number; peakRss: number; bytes: number; rows: number }

// ---- one extract, in a child process -------------------------------------------------------------

if (process.argv[2] === '--child') {
  const req = JSON.parse(process.argv[3]!) as ChildRequest;
  const meter = new PhaseMeter(50);
  const t0 = performance.now();
  const r = await extractTable(postgresSource(req.sourceUrl), req.table, fileIOFor(req.location, req.io), req.location, {}, req.options);
  const wallMs = performance.now() - t0;
  const cost = await meter.stop();
  releaseFileIOs();
  const out: ChildResult = { wallMs, cpuMs: cost.cpuMs, peakRss: cost.rss.highWater ?? cost.rss.sampled, bytes: r.bytes, rows: r.rows };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

// ---- the comparison ----------------------------------------------------------------------------

const { prepareW2 } = await import('./etl-moderation-data.ts');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000000' }, tables: { type: 'string', default: Object.keys(SOURCE_TABLES).join(',') },
    runs: { type: 'string', default: '3' }, variants: { type: 'string', default: 'binary,text' },
  },
});
const VARIANTS: Record<string, { options: ExtractOptions; env?: Record<string, string> }> = {
  binary: { options: {} }, text: { options: { copyFormat: 'text' } }, snappy: { options: { compression: 'snappy' } },
  'wasm-worker': { options: {}, env: { FLOE_PARQUET: 'wasm' } }, 'wasm-thread': { options: { encodeOnThisThread: true }, env: { FLOE_PARQUET: 'wasm' } },
};
const variants = values.variants.split(',');
for (const v of variants) if (!VARIANTS[v]) throw new Error(`--variants: "${v}" is not one of ${Object.keys(VARIANTS).join(', ')}`);
const tables = values.tables.split(',');
for (const t of tables) if (!SOURCE_TABLES[t]) throw new Error(`--tables: "${t}" is not one of ${Object.keys(SOURCE_TABLES).join(', ')}`);
const runs = Number(values.runs);
const data = await prepareW2(Number(values.images.replace(/_/g, '')), () => undefined);
const dbName = new URL(data.sourceUrl).pathname.slice(1);
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, ms; null once it is gone. */
function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/**
 * CPU time of the Postgres backends serving W2's source database while `work` runs: their /proc
 * entries are read every 20 ms and the last reading of each kept (a backend exits with its
 * connection; at most one interval of its time is lost).
 */
async function withBackendCpu<T>(work: () => Promise<T>): Promise<{ result: T; backendMs: number }> {
  const last = new Map<number, number>();
  const sample = () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let cmd: string;
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
      if (!cmd.startsWith('postgres: ') || !cmd.includes(` ${dbName} `)) continue;
      const ms = cpuOf(pid);
      if (ms !== null) last.set(pid, ms);
    }
  };
  sample();
  const before = new Map(last);
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    sample();
    let backendMs = 0;
    for (const [pid, ms] of last) backendMs += ms - (before.get(pid) ?? 0);
    return { result, backendMs };
  } finally {
    clearInterval(timer);
  }
}

/** Runs a command; its wall time and its own CPU time (GNU time). */
function timed(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ wallMs: number; cpuMs: number; stdout: string }> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    // The session settings of extract's snapshot (times rendered in UTC, ISO), for psql too.
    const env = { ...process.env, PGOPTIONS: '-c TimeZone=UTC -c DateStyle=ISO', ...extraEnv };
    const child = spawn('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', fail);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      const [user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      if (code !== 0) fail(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}): ${stderr.slice(-2000)}`));
      else ok({ wallMs, cpuMs: (user! + sys!) * 1000, stdout });
    });
  });
}

const psqlCopy = (table: string) => timed(join(testBed().pgBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', data.sourceUrl, '-c', `\\copy (SELECT * FROM "${table}") TO '/dev/null'`]);

async function extractOnce(table: string, variant: string): Promise<ChildResult> {
  const req: ChildRequest = { sourceUrl: data.sourceUrl, table, location: `${data.root}/extract-bench/${table}/latest.parquet`, io: data.io, options: VARIANTS[variant]!.options };
  const r = await timed(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', JSON.stringify(req)], VARIANTS[variant]!.env);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const MB = 1024 * 1024;

console.log(`extract vs psql \\copy on ${dbName}, ${runs} runs each, alternated; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| table | what | wall (median) | walls | CPU, own (median) | CPU, Postgres backend (median) | peak RSS | file | \\copy / extract, wall (median; best runs) | \\copy / extract, CPU (own + backend) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const table of tables) {
  const copy: { wallMs: number; cpuMs: number; backendMs: number }[] = [];
  const ext: Record<string, (ChildResult & { backendMs: number })[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let i = 0; i < runs; i++) {
    const c = await withBackendCpu(() => psqlCopy(table));
    copy.push({ ...c.result, backendMs: c.backendMs });
    for (const v of variants) {
      const e = await withBackendCpu(() => extractOnce(table, v));
      ext[v]!.push({ ...e.result, backendMs: e.backendMs });
    }
  }
  const copyWall = median(copy.map((c) => c.wallMs));
  const copyBest = Math.min(...copy.map((c) => c.wallMs));
  const copyCpu = median(copy.map((c) => c.cpuMs)) + median(copy.map((c) => c.backendMs));
  console.log(`| ${table} | psql \\copy * | ${s(copyWall)} | ${copy.map((c) => s(c.wallMs)).join(', ')} | ${s(median(copy.map((c) => c.cpuMs)))} | ${s(median(copy.map((c) => c.backendMs)))} | - | - | - | - |`);
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
  for (const v of variants) {
    const e = ext[v]!;
    const wall = median(e.map((x) => x.wallMs));
    const cpu = median(e.map((x) => x.cpuMs)) + median(e.map((x) => x.backendMs));
    console.log(`| ${table} | extract ${v} | ${s(wall)} | ${e.map((x) => s(x.wallMs)).join(', ')} | ${s(median(e.map((x) => x.cpuMs)))} | ${s(median(e.map((x) => x.backendMs)))} | ` +
      `${(Math.max(...e.map((x) => x.peakRss)) / MB).toFixed(0)} MB | ${(e[0]!.bytes / MB).toFixed(1)} MB | ${pct(copyWall, wall)}; ${pct(copyBest, Math.min(...e.map((x) => x.wallMs)))} | ${pct(copyCpu, cpu)} |`);
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
