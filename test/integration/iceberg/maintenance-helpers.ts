/** Helpers of the table maintenance tests: what storage holds, racing commits, a killed writer. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Catalog } from '../../../core/iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../../core/iceberg/catalog/metadata-files.ts';
import { planFiles } from '../../../core/iceberg/read/scan.ts';
import type { TableMetadata } from '../../../core/iceberg/spec/types.ts';
import type { FileIOConfig } from '../../../core/io/resolve-file-io.ts';
import type { PyCatalog } from './pyiceberg.ts';

/** Every object under the table's location, sorted. */
export async function storedFiles(io: FileIOFor, location: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io(location).list(`${location}/`)) out.push(f.path);
  return out.sort();
}

export const dataFilesOf = (paths: string[]) => paths.filter((p) => p.includes('/data/')).sort();

/** The paths of the live data files of each given snapshot, together. */
export async function liveFiles(io: FileIOFor, md: TableMetadata, snapshotIds: bigint[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const sid of snapshotIds) {
    const snapshot = md.snapshots.find((s) => s['snapshot-id'] === sid);
    for (const task of await planFiles(io(md.location), md, snapshot)) out.add(task.file.filePath);
  }
  return out;
}

/**
 * The catalog, except that its first commitTable first runs `race` (another writer's commit on
 * the real catalog): the caller's commit then meets a table that moved since it was read.
 */
export function racingCatalog(catalog: Catalog, race: () => Promise<unknown>): Catalog {
  let raced = false;
  return new Proxy(catalog, {
    get(target, prop, receiver) {
      if (prop === 'commitTable') {
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (!raced) {
            raced = true;
            await race();
          }
          return target.commitTable(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Starts crash-writer.ts and resolves once it has written its data files (it then waits to be killed). */
export async function startCrashWriter(py: PyCatalog, io: FileIOConfig, table: string, rows: number): Promise<ChildProcess> {
  const script = resolve(import.meta.dirname, 'crash-writer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ uri: py.uri, warehouse: py.warehouse, io, table, rows })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`crash writer never wrote its files: ${stderr}`)); }, 45_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('files-written')) { clearTimeout(timer); resolvePromise(); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`crash writer exited (${code}) before writing its files: ${stderr}`)); });
  });
  return child;
}

export async function killHard(child: ChildProcess): Promise<NodeJS.Signals | null> {
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  child.kill('SIGKILL');
  return exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
