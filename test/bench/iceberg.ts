/**
 * Iceberg benchmark: Floe's own Iceberg code against PyIceberg, on the same rows, the same catalog
 * (a fresh SQL catalog in the test Postgres) and the same store (the test bed's S3), in one run.
 *
 *   npx tsx test/bench/iceberg.ts [--rows N] [--batch-rows N] [--preview-files N]
 *       [--preview-runs N] [--no-commit-per-file] [--cpu-prof DIR] [--only write,scan,preview,partitioned]
 *       [--partitioned-rows N] [--partitioned-days N]
 *       [--floe-input memory|ipc|generate] [--encode-workers N] [--keep]
 *   npm run bench:iceberg -- --rows 1000000
 *
 * Phases: write N rows of moderation.training_data (Floe writeTable vs PyIceberg append), scan
 * every row of both tables (Floe scanTable vs PyIceberg to_arrow / to_arrow_batch_reader), and a
 * 100-row preview of a table of many small files. Each measured phase runs in a process of its own
 * (test/bench/floe-phase.ts, test/bench/iceberg_bench.py) so peak RSS is that phase's alone.
 * A benchmark, not a test: it prints figures and fails only when something does not work.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RecordBatchFileWriter, type RecordBatch } from 'apache-arrow';
import { ensureNamespace } from '../../core/iceberg/catalog/ensure.ts';
import type { EncoderStatus } from '../../core/iceberg/write/encode-pool.ts';
import { formatIdentifier, parseIdentifier } from '../../core/iceberg/catalog/catalog.ts';
import { writeTable } from '../../core/iceberg/write/commit.ts';
import { fileIOFor, releaseFileIOs } from '../../core/io/resolve-file-io.ts';
import { postgresS3Catalog, type CatalogUnderTest } from '../integration/iceberg/catalogs.ts';
import { testBed } from '../services/testbed.ts';
import type { CatalogAddress, IoCounts, PhaseRequest, PhaseResult } from './floe-phase.ts';
import type { RssPeak } from './phase-meter.ts';
import { TRAINING_DATA_SCHEMA, trainingDataBatch } from './training-data.ts';
import { windowRowsBatch } from './iceberg-window-rows.ts';
import { WINDOW_SCHEMA, WINDOW_SPEC } from '../../core/pipelines/event-aggregation/window-table.ts';

const here = import.meta.dirname;
const MB = 1e6;

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'batch-rows': { type: 'string', default: '65536' },
    'preview-files': { type: 'string', default: '500' },
    'preview-rows-per-file': { type: 'string', default: '200' },
    'preview-runs': { type: 'string', default: '9' },
    'partitioned-rows': { type: 'string', default: '2000000' },
    'partitioned-days': { type: 'string', default: '20' },
    'no-commit-per-file': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    only: { type: 'string', default: 'write,scan,preview,partitioned' },
    'floe-input': { type: 'string', default: 'memory' },
    'encode-workers': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const count = (name: string, text: string): number => {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, not "${text}"`);
  return n;
};
const rows = count('rows', flags.rows);
const batchRows = count('batch-rows', flags['batch-rows']);
const previewFiles = count('preview-files', flags['preview-files']);
const previewRowsPerFile = count('preview-rows-per-file', flags['preview-rows-per-file']);
const previewRuns = count('preview-runs', flags['preview-runs']);
const cpuProfDir = flags['cpu-prof'] ? resolve(flags['cpu-prof']) : undefined;
const partitionedRows = count('partitioned-rows', flags['partitioned-rows']);
const partitionedDays = count('partitioned-days', flags['partitioned-days']);
const PHASES = ['write', 'scan', 'preview', 'partitioned'] as const;
const only = new Set(flags.only.split(',').map((p) => p.trim()));
for (const p of only) {
  if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only takes a comma-separated list of ${PHASES.join(', ')}, not "${p}"`);
}
if (!['memory', 'ipc', 'generate'].includes(flags['floe-input'])) throw new Error(`--floe-input is memory, ipc or generate, not "${flags['floe-input']}"`);
// memory: Floe loads the Arrow IPC file PyIceberg loads before its clock starts, as PyIceberg does;
// ipc: Floe streams the rows from that file inside its wall time; generate: Floe makes them on the fly.
const floeInput = flags['floe-input'];
const encodeWorkers = flags['encode-workers'] === undefined ? undefined : Number(flags['encode-workers']);
if (encodeWorkers !== undefined && !(Number.isSafeInteger(encodeWorkers) && encodeWorkers >= 0)) throw new Error('--encode-workers must be 0 or more');
// The scan reads the tables the write made.
if (only.has('scan')) only.add('write');

function encoderText(e: EncoderStatus | undefined): string {
  if (!e) return 'n/a';
  const files = `${e.files} files, busy ${fixed(e.busyMs / 1000, 1)} s in all`;
  if (e.backend === 'native') return `the native codec on the libuv pool, ${files}`;
  return e.fallback === null ? `parquet-wasm on ${e.workers} worker thread(s), ${files}` : `parquet-wasm in its own thread (${e.fallback.split('\n')[0]})`;
}

/** What was measured: one line of a results table. */
interface Measured {
  what: string;
  wallMs: number;
  cpuMs: number;
  rows: number;
  rss: RssPeak;
  /** Average busy cores of the whole machine during the phase (this process, the store, the rest). */
  machineBusyCores: number;
  load1: number;
  dataFiles?: number;
  dataBytes?: number;
  checksum?: number;
  io?: IoCounts;
  encoder?: EncoderStatus;
  runsMs?: number[];
  generateMs?: number;
  inputBytes?: number;
  getMs?: number;
  putMs?: number;
}

// ---- running phases -----------------------------------------------------------------------------

/** Runs a phase process; its result is the last line it prints. */
function runProcess(label: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`${label} exited with ${code}:\n${err.split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** CPU jiffies of the whole machine, for how busy it was during a phase. */
function machineCpu(): { busy: number; total: number } {
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** A phase's own report, before the orchestrator adds what it saw of the machine. */
type PhaseReport = Omit<Measured, 'what' | 'machineBusyCores' | 'load1'>;

async function measure(what: string, work: () => Promise<PhaseReport>): Promise<Measured> {
  const load1 = loadavg()[0]!;
  const before = machineCpu();
  process.stderr.write(`  ${what} ...`);
  const result = await work();
  const after = machineCpu();
  const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total) * availableParallelism();
  process.stderr.write(` ${(result.wallMs / 1000).toFixed(1)} s\n`);
  return { ...result, what, machineBusyCores: busy, load1 };
}

let profileCount = 0;
async function floe(request: PhaseRequest): Promise<PhaseResult> {
  // The same tsx loader this process runs under; optionally a CPU profile per phase.
  const profile = cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `floe-${++profileCount}-${request.phase}-${request.table.replace(/\W/g, '_')}.cpuprofile`]
    : [];
  const out = await runProcess(`Floe ${request.phase} of ${request.table}`, process.execPath, [...process.execArgv, ...profile, join(here, 'floe-phase.ts'), JSON.stringify(request)],
    process.env);
  return JSON.parse(out) as PhaseResult;
}

async function pyiceberg<T>(c: CatalogUnderTest, command: string, args: object): Promise<T> {
  const bed = testBed();
  const out = await runProcess(`PyIceberg ${command}`, bed.python, [join(here, 'iceberg_bench.py'), command, JSON.stringify(args)], {
    PATH: process.env.PATH, FLOE_ICEBERG_CATALOG_URI: c.py.uri, FLOE_ICEBERG_WAREHOUSE: c.py.warehouse,
    FLOE_TEST_S3_ENDPOINT: bed.s3.endpoint, FLOE_TEST_S3_ACCESS_KEY: bed.s3.accessKeyId,
    FLOE_TEST_S3_SECRET_KEY: bed.s3.secretAccessKey, FLOE_TEST_S3_REGION: bed.s3.region,
  });
  return JSON.parse(out) as T;
}

// ---- set-up that is not measured ----------------------------------------------------------------

/** The rows, once, as an Arrow IPC file for Python: the very bytes Floe's batches hold. */
async function writeIpcFile(
  path: string, total = rows, makeBatch: (first: number, count: number) => RecordBatch = trainingDataBatch,
): Promise<{ generateMs: number; arrowBytes: number; fileBytes: number }> {
  const writer = new RecordBatchFileWriter();
  const fd = openSync(path, 'w');
  const drained = (async () => { for await (const chunk of writer) writeSync(fd, chunk); })();
  let generateMs = 0;
  let arrowBytes = 0;
  try {
    for (let first = 0; first < total; first += batchRows) {
      const t0 = performance.now();
      const batch = makeBatch(first, Math.min(batchRows, total - first));
      generateMs += performance.now() - t0;
      arrowBytes += batch.data.byteLength;
      writer.write(batch);
      await new Promise((r) => setImmediate(r)); // let the drain loop write this batch out
    }
    writer.finish();
    await drained;
  } finally {
    closeSync(fd);
  }
  return { generateMs, arrowBytes, fileBytes: statSync(path).size };
}

const previewBatches = (files: number) => Array.from({ length: files }, (_, i) => trainingDataBatch(i * previewRowsPerFile, previewRowsPerFile));

// ---- printing -----------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const mb = (bytes: number | undefined) => (bytes === undefined ? '' : int(bytes / MB));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

function printTable(title: string, header: string[], lines: string[][], notes: string[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(row(l));
  for (const n of notes) console.log(`  ${n}`);
}

const rssCells = (m: Measured) => [mb(m.rss.sampled), m.rss.highWater === null ? 'n/a' : mb(m.rss.highWater), mb(m.rss.baseline)];
const loadCells = (m: Measured) => [fixed(m.cpuMs / 1000, 2), fixed(m.cpuMs / m.wallMs, 2), fixed(m.machineBusyCores, 2), fixed(m.load1, 2)];
const RSS_HEADER = ['peak RSS MB', 'VmHWM MB', 'start RSS MB'];
const LOAD_HEADER = ['CPU s', 'cores used', 'machine busy', 'load1'];

// ---- the run ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // Node 20 is this platform's runtime and the SDK version is pinned: its notice is known (as in vitest.config.ts).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const bed = testBed(); // fails with how to start the test bed when it is not running
  const c = await postgresS3Catalog();
  const io = (location: string) => fileIOFor(location, c.io);
  const ipcPath = join(tmpdir(), `floe-bench-${process.pid}.arrow`);
  const ns = ['bench'];
  const name = (table: string) => formatIdentifier({ namespace: ns, name: table });
  const address: CatalogAddress = c.py;
  const versions = await pyiceberg<{ python: string; pyiceberg: string; pyarrow: string }>(c, 'versions', {});
  const loadAtStart = loadavg();

  console.log('Floe Iceberg benchmark: moderation.training_data (FEATURES.md, 20 columns), one run');
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${fixed(totalmem() / 2 ** 30)} GiB RAM; `
    + `load average at start ${loadAtStart.map((l) => fixed(l, 2)).join(' ')}`);
  console.log(`software: Node ${process.version}, Python ${versions.python}, PyIceberg ${versions.pyiceberg}, pyarrow ${versions.pyarrow}`);
  console.log(`store: SQL catalog on the test Postgres, warehouse ${c.py.warehouse} on the test bed's S3 (${bed.s3.endpoint}), loopback`);
  console.log('columns: wall = elapsed time; CPU s = user + system time of the measured process, all threads (the figure other load moves least); '
    + 'cores used = CPU / wall; machine busy = average busy cores of the whole machine in the phase (the measured process, Postgres, '
    + 'the S3 server and anything else running); load1 = load average at the phase start; peak RSS = largest RSS sampled every 100 ms '
    + 'by a separate thread; VmHWM = the kernel\'s RSS high-water mark over the phase; start RSS = RSS when the phase started.');

  try {
    await ensureNamespace(c.catalog, ns);
    const tables = ['floe_append', 'pyiceberg_append', 'preview_one_commit', 'preview_commit_per_file'];
    for (const t of tables) await c.catalog.createTable({ namespace: ns, name: t }, { schema: TRAINING_DATA_SCHEMA });

    let store: Measured | undefined;
    if (only.has('write')) {
      process.stderr.write(`generating ${int(rows)} rows into ${ipcPath} ...\n`);
      const ipc = await writeIpcFile(ipcPath);
      console.log(`data: ${int(rows)} rows in batches of ${int(batchRows)}; ${mb(ipc.arrowBytes)} MB as Arrow buffers `
        + `(Arrow IPC file for PyIceberg: ${mb(ipc.fileBytes)} MB); generating them took ${fixed(ipc.generateMs / 1000, 2)} s`);

      process.stderr.write('write:\n');
      const floeWrite = await measure('Floe writeTable', () => floe({
        phase: 'write', catalog: address, table: name('floe_append'), rows, batchRows, encodeWorkers,
        ...(floeInput === 'generate' ? {} : { ipc: ipcPath, inMemory: floeInput === 'memory' }),
      }));
      const pyWrite = await measure('PyIceberg append', () => pyiceberg<PhaseReport>(c, 'append', { table: name('pyiceberg_append'), ipc: ipcPath }));
      // The machine's limits in the same run: the encoding without the store, the store without the encoding.
      const localDir = mkdtempSync(join(tmpdir(), 'floe-bench-local-'));
      const encodeOnly = await measure('Floe writeTable, local folder (no S3)', () => floe({ phase: 'encode', table: name('encode_only'), ipc: ipcPath, dir: localDir }));
      rmSync(localDir, { recursive: true, force: true });
      const pyLocalDir = mkdtempSync(join(tmpdir(), 'floe-bench-local-'));
      const pyEncodeOnly = await measure('PyIceberg append, local folder (no S3)', () => pyiceberg<PhaseReport>(c, 'append_local', { ipc: ipcPath, dir: pyLocalDir }));
      rmSync(pyLocalDir, { recursive: true, force: true });
      rmSync(ipcPath, { force: true });
      store = await measure('S3 alone: GET then PUT of Floe\'s data files', () => floe({ phase: 'store', catalog: address, table: name('floe_append') }));
      const storeBytes = store.io?.bytesRead ?? 0;
      printTable(`Write: append ${int(rows)} rows in one snapshot`,
        ['', 'wall s', 'rows/s', 'data files', 'MB written', ...RSS_HEADER, ...LOAD_HEADER],
        [floeWrite, pyWrite, encodeOnly, pyEncodeOnly].map((m) => [m.what, fixed(m.wallMs / 1000, 2), int(m.rows / (m.wallMs / 1000)), String(m.dataFiles ?? ''), mb(m.dataBytes), ...rssCells(m), ...loadCells(m)]),
        [
          (floeInput === 'memory'
            ? 'Both start with the whole table in memory, loaded from the same Arrow IPC file before the clock starts; '
            : floeInput === 'ipc'
            ? `Floe streams the rows from the same Arrow IPC file, batch by batch, inside its wall time (${fixed((floeWrite.generateMs ?? 0) / 1000, 2)} s waiting for batches); `
            : `Floe's wall time includes generating the rows on the fly in the same thread (${fixed((floeWrite.generateMs ?? 0) / 1000, 2)} s); `)
            + 'PyIceberg\'s append takes one Arrow table, whole.',
          `Floe's Parquet encoding: ${encoderText(floeWrite.encoder)}.`,
          `PyIceberg's start RSS is that input table (${mb(pyWrite.inputBytes)} MB of Arrow data) plus the interpreter.`,
          `Floe's store traffic: ${floeWrite.io?.puts} PUTs, ${mb(floeWrite.io?.bytesWritten)} MB.`,
          `The machine's limit, same run: the store alone PUTs those ${mb(storeBytes)} MB (two at a time, Floe's S3 client) in `
            + `${fixed((store.putMs ?? 0) / 1000, 2)} s; without the store (the last two lines: the same appends to a local folder) `
            + `Floe takes ${fixed(encodeOnly.wallMs / 1000, 2)} s (${fixed(encodeOnly.cpuMs / 1000, 2)} s of CPU) and PyIceberg `
            + `${fixed(pyEncodeOnly.wallMs / 1000, 2)} s (${fixed(pyEncodeOnly.cpuMs / 1000, 2)} s of CPU), on ${availableParallelism()} cores.`,
        ]);
    }

    if (only.has('scan')) {
      process.stderr.write('full scan:\n');
      const scans: Measured[] = [];
      for (const [label, table] of [['Floe-written', 'floe_append'], ['PyIceberg-written', 'pyiceberg_append']] as const) {
        scans.push(await measure(`Floe scanTable, ${label} table`, () => floe({ phase: 'scan', catalog: address, table: name(table) })));
        scans.push(await measure(`Floe scanTable lendBatches, ${label} table`, () => floe({ phase: 'scan', catalog: address, table: name(table), lendBatches: true })));
        scans.push(await measure(`PyIceberg scan().to_arrow(), ${label} table`, () => pyiceberg<PhaseReport>(c, 'scan', { table: name(table), mode: 'to_arrow' })));
        scans.push(await measure(`PyIceberg to_arrow_batch_reader(), ${label} table`, () => pyiceberg<PhaseReport>(c, 'scan', { table: name(table), mode: 'batches' })));
      }
      printTable(`Full scan: every row and column (load table + plan + read), ${int(rows)} rows`,
        ['', 'wall s', 'rows/s', 'rows', 'sum(views_1hr)', ...RSS_HEADER, ...LOAD_HEADER],
        scans.map((m) => [m.what, fixed(m.wallMs / 1000, 2), int(m.rows / (m.wallMs / 1000)), int(m.rows), int(m.checksum ?? NaN), ...rssCells(m), ...loadCells(m)]),
        [
          'Floe and to_arrow_batch_reader stream batches (counted, one column summed, then dropped); to_arrow() holds the whole table.',
          'lendBatches: each batch\'s memory goes back to the decoder when the next is asked for, instead of waiting for V8\'s collector.',
          `Floe's store traffic: ${scans.filter((m) => m.io).map((m) => `${m.io!.gets} GETs / ${mb(m.io!.bytesRead)} MB`).join(' and ')}.`,
          ...(store ? [`The machine's limit, same run: the store alone GETs Floe's ${mb(store.io?.bytesRead)} MB of data files (two at a time, Floe's S3 client) in ${fixed((store.getMs ?? 0) / 1000, 2)} s.`] : []),
        ]);
    }

    if (only.has('preview')) {
      process.stderr.write(`preview: building tables of ${previewFiles} files of ${previewRowsPerFile} rows ...\n`);
      const previewTables: { label: string; table: string; buildMs: number; manifests: number }[] = [];
      let t0 = performance.now();
      const oneCommit = await writeTable(c.catalog, parseIdentifier(name('preview_one_commit')), io, previewBatches(previewFiles), { mode: 'append', bufferBytes: 1 });
      if (oneCommit.dataFiles !== previewFiles) throw new Error(`expected ${previewFiles} files from a 1-byte buffer, got ${oneCommit.dataFiles}`);
      previewTables.push({ label: `${previewFiles} files, 1 commit`, table: 'preview_one_commit', buildMs: performance.now() - t0, manifests: 1 });
      if (!flags['no-commit-per-file']) {
        t0 = performance.now();
        for (const batch of previewBatches(previewFiles)) {
          await writeTable(c.catalog, parseIdentifier(name('preview_commit_per_file')), io, [batch], { mode: 'append' });
        }
        previewTables.push({ label: `${previewFiles} files, ${previewFiles} commits`, table: 'preview_commit_per_file', buildMs: performance.now() - t0, manifests: previewFiles });
      }
      const previews: Measured[] = [];
      for (const p of previewTables) {
        previews.push(await measure(`Floe scanTable limit 100, ${p.label}`, () => floe({ phase: 'preview', catalog: address, table: name(p.table), runs: previewRuns, limit: 100 })));
        previews.push(await measure(`PyIceberg scan(limit=100), ${p.label}`, () => pyiceberg<PhaseReport>(c, 'preview', { table: name(p.table), runs: previewRuns, limit: 100 })));
      }
      printTable(`Preview: 100 rows, end to end (load table + plan + read), ${previewRuns} runs in one process`,
        ['', 'first ms', 'median ms', 'min ms', 'max ms', 'rows', ...RSS_HEADER, 'CPU ms/run', 'machine busy', 'load1'],
        previews.map((m) => {
          const runs = m.runsMs ?? [];
          const rest = runs.slice(1);
          return [
            m.what, int(runs[0] ?? NaN), int(median(rest)), int(Math.min(...rest)), int(Math.max(...rest)), int(m.rows), ...rssCells(m),
            int(m.cpuMs / runs.length), fixed(m.machineBusyCores, 2), fixed(m.load1, 2),
          ];
        }),
        [
          'first = the cold run (connections, wasm / imports warm up); median, min and max over the other runs.',
          ...previewTables.map((p) => `${p.label}: ${p.manifests} manifest(s); building it with Floe took ${fixed(p.buildMs / 1000, 1)} s`
            + (p.manifests > 1 ? ` (${int(p.buildMs / p.manifests)} ms per commit)` : '')),
          ...previews.filter((m) => m.io).map((m) => `${m.what}: ${int(m.io!.gets / previewRuns)} GETs and ${fixed(m.io!.bytesRead / previewRuns / 1e3)} kB per run`),
        ]);
    }

    if (only.has('partitioned')) {
      process.stderr.write(`partitioned: generating ${int(partitionedRows)} window rows cycling over ${partitionedDays} days into ${ipcPath} ...\n`);
      for (const t of ['floe_windows', 'pyiceberg_windows']) await c.catalog.createTable({ namespace: ns, name: t }, { schema: WINDOW_SCHEMA, spec: WINDOW_SPEC });
      const ipc = await writeIpcFile(ipcPath, partitionedRows, (first, n) => windowRowsBatch(first, n, partitionedDays));
      const floeWrite = await measure('Floe writeTable', () => floe({
        phase: 'write', catalog: address, table: name('floe_windows'), rows: partitionedRows, batchRows, encodeWorkers, ipc: ipcPath,
      }));
      const pyWrite = await measure('PyIceberg append', () => pyiceberg<PhaseReport>(c, 'append', { table: name('pyiceberg_windows'), ipc: ipcPath }));
      rmSync(ipcPath, { force: true });
      printTable(`Partitioned append: ${int(partitionedRows)} window rows, day(window_start), consecutive rows on different days of ${partitionedDays}`,
        ['', 'wall s', 'rows/s', 'data files', 'MB written', ...RSS_HEADER, ...LOAD_HEADER],
        [floeWrite, pyWrite].map((m) => [m.what, fixed(m.wallMs / 1000, 2), int(m.rows / (m.wallMs / 1000)), String(m.dataFiles ?? ''), mb(m.dataBytes), ...rssCells(m), ...loadCells(m)]),
        [`${mb(ipc.arrowBytes)} MB as Arrow buffers; both read the same Arrow IPC file (Floe batch by batch, PyIceberg whole).`]);
    }

    console.log(`\nload average at end ${loadavg().map((l) => fixed(l, 2)).join(' ')}`);
    if (cpuProfDir) console.log(`CPU profiles of the Floe phases: ${cpuProfDir}`);
  } finally {
    rmSync(ipcPath, { force: true });
    if (!flags.keep) {
      const warehouseIo = io(c.py.warehouse);
      const paths: string[] = [];
      for await (const f of warehouseIo.list(`${c.py.warehouse}/`)) paths.push(f.path);
      await warehouseIo.delete(paths);
    } else {
      console.log(`kept: catalog ${c.py.uri}, warehouse ${c.py.warehouse}`);
    }
    await c.catalog.close();
    releaseFileIOs();
  }
}

await main();
