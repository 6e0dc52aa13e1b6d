/**
 * Parquet encoding and decoding of the training data (training-data.ts: 20 columns) with
 * parquet-wasm, the native codec (native/parquet) and pyarrow as the reference: wall and CPU time,
 * rows/s, bytes and peak RSS, for one coder and for two at once (each half the rows). Then the
 * native encoder with options that may make it faster on this schema. Prints figures; never fails
 * on a number.
 *
 *   npx tsx test/bench/parquet-codec.ts [--rows 1000000,10000000] [--no-python] [--no-variants] [--decode-only]
 *
 * Each case runs in a child process of its own (the backend is chosen per process, through
 * FLOE_PARQUET=wasm, and a peak RSS must not carry over). 10M rows are the 1M rows of the
 * generator ten times over: each 1M-row row group is the same as in the 1M-row file. The encoders
 * take the batches from memory (built before the clock starts) and decoders read the file from
 * memory, so neither generation nor the disk is measured. The native decoder is measured as Floe
 * reads (batches cross as their buffers in place), with batches copied into IPC streams as before
 * (FLOE_PARQUET_BATCHES=ipc), and with larger batches. `--decode-only` skips the encoders where
 * the file to decode was written before.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { parquetBackend, ParquetReader, streamParquet, type ParquetEncodeOptions } from '../../core/iceberg/parquet.ts';
import { nativeParquet, nativeParquetStatus } from '../../core/iceberg/parquet-native.ts';
import { encodeFileNative } from '../../core/iceberg/parquet-native-write.ts';
import { arrowSchemaFromIceberg } from '../../core/iceberg/spec/arrow-schema.ts';
import type { FileIO } from '../../core/io/file-io.ts';
import { PhaseMeter } from './phase-meter.ts';
import { TRAINING_DATA_SCHEMA, trainingDataBatches } from './training-data.ts';

const DIR = join(tmpdir(), 'floe-parquet-codec-bench');
const MILLION = 1_000_000;
const ARROW = arrowSchemaFromIceberg(TRAINING_DATA_SCHEMA);
const BASE: ParquetEncodeOptions = { compression: 'zstd', rowGroupRows: 1 << 20, statistics: 'chunk' };

/**
 * The table writer's way (core/iceberg/write/encode-native.ts): the whole file in one call, the
 * batches' column buffers read in place, where the other cases stream batches in as IPC copies.
 */
const WHOLE_FILE = 'whole file, columns in place';

/** Native encoder options tried on this schema, against BASE (what Floe's table writer uses). */
const VARIANTS: Record<string, Partial<ParquetEncodeOptions>> = {
  base: {},
  'no dict image_id': { dictionaryColumns: { image_id: false } },
  'no dict image_id, zstd 3': { dictionaryColumns: { image_id: false }, compressionLevel: 3 },
  'no dict image_id, page 256K': { dictionaryColumns: { image_id: false }, dataPageBytes: 256 * 1024 },
  'no dict image_id, page 8M': { dictionaryColumns: { image_id: false }, dataPageBytes: 8 << 20 },
  'no dict at all': { dictionary: false },
  'no dict image_id, no stats': { dictionaryColumns: { image_id: false }, statistics: 'none' },
  'no dict image_id, snappy': { dictionaryColumns: { image_id: false }, compression: 'snappy' },
  [WHOLE_FILE]: {},
};

interface Figures { wallMs: number; cpuMs: number; bytes: number; rssMb: number; rows: number }

// ---- a child process: one measured case ------------------------------------------------------

function batchesOf(rows: number): RecordBatch[] {
  const million = [...trainingDataBatches(Math.min(rows, MILLION))];
  return Array.from({ length: Math.ceil(rows / MILLION) }, () => million).flat();
}

async function encode(batches: RecordBatch[], o: ParquetEncodeOptions, variant = 'base'): Promise<Uint8Array> {
  const addon = nativeParquet();
  if (variant === WHOLE_FILE && addon) return (await encodeFileNative(addon, ARROW, batches, o, { statisticsTruncateLength: 72, uuidColumns: [] })).bytes;
  const chunks: Uint8Array[] = [];
  for await (const c of streamParquet(ARROW, batches, o)) chunks.push(c);
  return Buffer.concat(chunks);
}

async function decode(bytes: Uint8Array, batchSize?: number): Promise<number> {
  const io = { readRange: async (_p: string, offset: number, length: number) => bytes.subarray(offset, offset + length) } as unknown as FileIO;
  const reader = await ParquetReader.open(io, 'mem', bytes.length);
  let rows = 0;
  for await (const b of reader.batches({ batchSize })) rows += b.numRows;
  return rows;
}

interface CaseSpec {
  kind: 'encode' | 'decode';
  rows: number;
  coders: number;
  variant: string;
  save?: string;
  /** Rows per decoded batch (the reader's default when unset). */
  batchSize?: number;
  /** Decoded batches copied into IPC streams (FLOE_PARQUET_BATCHES=ipc) rather than handed over in place. */
  ipc?: boolean;
}

async function runCase(spec: CaseSpec): Promise<Figures> {
  const half = (list: RecordBatch[]) => [list.slice(0, list.length / 2), list.slice(list.length / 2)];
  const o = { ...BASE, ...VARIANTS[spec.variant] };
  // Loads the codec and warms the JIT first, as a process that has written a file before would be.
  const warm = await encode([...trainingDataBatches(1000)], o, spec.variant);
  await decode(warm);
  if (spec.kind === 'encode') {
    const batches = batchesOf(spec.rows);
    const meter = new PhaseMeter();
    const t0 = performance.now();
    const files = await Promise.all((spec.coders === 1 ? [batches] : half(batches)).map((b) => encode(b, o, spec.variant)));
    const wallMs = performance.now() - t0;
    const cost = await meter.stop();
    if (spec.save) writeFileSync(spec.save, files[0]!);
    return { wallMs, cpuMs: cost.cpuMs, bytes: files.reduce((n, f) => n + f.length, 0), rssMb: (cost.rss.highWater ?? cost.rss.sampled) / 2 ** 20, rows: spec.rows };
  }
  const bytes = readFileSync(join(DIR, `td-${spec.rows}.parquet`));
  const meter = new PhaseMeter();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: spec.coders }, () => decode(bytes, spec.batchSize)));
  const wallMs = performance.now() - t0;
  const cost = await meter.stop();
  return { wallMs, cpuMs: cost.cpuMs, bytes: bytes.length * spec.coders, rssMb: (cost.rss.highWater ?? cost.rss.sampled) / 2 ** 20, rows: counts.reduce((a, b) => a + b, 0) };
}

// ---- the parent: cases in children, pyarrow, the table ----------------------------------------

function child(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

async function measure(backend: 'native' | 'wasm', spec: CaseSpec): Promise<Figures | string> {
  const env = { ...process.env, FLOE_PARQUET: backend === 'wasm' ? 'wasm' : 'auto', FLOE_PARQUET_BATCHES: spec.ipc ? 'ipc' : '' };
  try {
    const out = await child(['--case', JSON.stringify(spec)], env);
    return JSON.parse(out.trim().split('\n').pop()!) as Figures;
  } catch (err) {
    return (err as Error).message;
  }
}

const PY = String.raw`
import json, resource, sys, time
import pyarrow as pa, pyarrow.ipc as ipc, pyarrow.parquet as pq
arrow_file, rows, out_dir, native_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
base = ipc.open_file(arrow_file).read_all()
table = pa.concat_tables([base] * (rows // base.num_rows)) if rows > base.num_rows else base.slice(0, rows)
def run(name, fn):
    c0, t0 = time.process_time(), time.perf_counter()
    n = fn()
    print(json.dumps({"case": name, "wallMs": (time.perf_counter() - t0) * 1000, "cpuMs": (time.process_time() - c0) * 1000,
                      "rows": rows, "bytes": n, "rssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
path = f"{out_dir}/py-{rows}.parquet"
run("encode", lambda: (pq.write_table(table, path, compression="zstd", row_group_size=1 << 20), __import__("os").path.getsize(path))[1])
cols = [c for c in table.column_names if c != "image_id"]
path2 = f"{out_dir}/py-nodict-{rows}.parquet"
run("encode, no dict image_id", lambda: (pq.write_table(table, path2, compression="zstd", row_group_size=1 << 20, use_dictionary=cols), __import__("os").path.getsize(path2))[1])
run("decode (own file, threads)", lambda: pq.read_table(path).nbytes)
run("decode (own file, 1 thread)", lambda: pq.read_table(path, use_threads=False).nbytes)
run("decode (native's file, threads)", lambda: pq.read_table(native_file).nbytes)
run("decode (native's file, 1 thread)", lambda: pq.read_table(native_file, use_threads=False).nbytes)
`;

async function pyarrow(rows: number): Promise<Map<string, Figures>> {
  const env = readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), '.floe-services/services.env'), 'utf8');
  const python = /FLOE_TEST_PYTHON="?([^"\n]+)"?/.exec(env)?.[1];
  if (!python) throw new Error('no FLOE_TEST_PYTHON in .floe-services/services.env');
  const arrowFile = join(DIR, 'td-1m.arrow');
  if (!existsSync(arrowFile)) writeFileSync(arrowFile, tableToIPC(new Table(ARROW, batchesOf(MILLION)), 'file'));
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(python, ['-c', PY, arrowFile, String(rows), DIR, join(DIR, `td-${rows}.parquet`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    p.stdout.on('data', (d: Buffer) => { s += d.toString(); });
    p.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`python exited with ${code}`))));
  });
  return new Map(out.trim().split('\n').map((l) => { const r = JSON.parse(l) as Figures & { case: string }; return [r.case, r]; }));
}

function line(label: string, f: Figures | string | undefined): string {
  if (f === undefined) return '';
  if (typeof f === 'string') return `${label.padEnd(44)} failed: ${f}`;
  const rate = f.rows / (f.wallMs / 1000);
  return `${label.padEnd(44)} ${f.wallMs.toFixed(0).padStart(7)} ${f.cpuMs.toFixed(0).padStart(7)} ${(rate / 1e6).toFixed(2).padStart(7)} ${(f.bytes / 2 ** 20).toFixed(1).padStart(8)} ${f.rssMb.toFixed(0).padStart(7)}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const caseAt = args.indexOf('--case');
  if (caseAt >= 0) {
    const spec = JSON.parse(args[caseAt + 1]!) as CaseSpec;
    const figures = await runCase(spec);
    console.log(JSON.stringify({ ...figures, backend: parquetBackend() }));
    return;
  }
  const rowsAt = args.indexOf('--rows');
  const rowCounts = (rowsAt >= 0 ? args[rowsAt + 1]! : `${MILLION},${10 * MILLION}`).split(',').map(Number);
  mkdirSync(DIR, { recursive: true });
  console.log(`native codec: ${nativeParquetStatus()}`);
  console.log(`machine: ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const header = `${'case'.padEnd(44)} ${'wall ms'.padStart(7)} ${'cpu ms'.padStart(7)} ${'Mrows/s'.padStart(7)} ${'MiB'.padStart(8)} ${'rss MiB'.padStart(7)}`;
  for (const rows of rowCounts) {
    console.log(`\n== ${rows.toLocaleString('en')} rows, zstd, 1M-row row groups, chunk statistics ==\n${header}`);
    const save = join(DIR, `td-${rows}.parquet`);
    const decodeOnly = args.includes('--decode-only') && existsSync(save);
    for (const backend of decodeOnly ? [] : ['wasm', 'native'] as const) {
      for (const coders of [1, 2]) {
        const spec = { kind: 'encode' as const, rows, coders, variant: 'base', save: backend === 'native' && coders === 1 ? save : undefined };
        console.log(line(`encode ${backend}${coders > 1 ? ', 2 writers' : ''}`, await measure(backend, spec)));
      }
    }
    const decodes: [string, 'native' | 'wasm', Partial<CaseSpec>][] = [
      ...(decodeOnly ? [] : [['decode wasm', 'wasm', {}], ['decode wasm, 2 readers (same file)', 'wasm', { coders: 2 }]] as [string, 'wasm', Partial<CaseSpec>][]),
      ['decode native', 'native', {}],
      ['decode native, 2 readers (same file)', 'native', { coders: 2 }],
      ['decode native, batches copied into IPC', 'native', { ipc: true }],
      ['decode native, 131072-row batches', 'native', { batchSize: 131072 }],
      ['decode native, 262144-row batches', 'native', { batchSize: 262144 }],
    ];
    for (const [label, backend, spec] of decodes) {
      console.log(line(label, await measure(backend, { kind: 'decode', rows, coders: 1, variant: 'base', ...spec })));
    }
    if (!args.includes('--no-python')) {
      try {
        for (const [name, f] of await pyarrow(rows)) console.log(line(`pyarrow ${name}`, f));
      } catch (err) {
        console.log(`pyarrow: ${(err as Error).message}`);
      }
    }
    if (!args.includes('--no-variants') && rows === rowCounts[0]) {
      console.log(`\n-- native encoder options, ${rows.toLocaleString('en')} rows --\n${header}`);
      for (const variant of Object.keys(VARIANTS)) console.log(line(variant, await measure('native', { kind: 'encode', rows, coders: 1, variant })));
    }
  }
}

await main();
