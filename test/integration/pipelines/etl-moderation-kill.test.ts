import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { World } from '../../../core/demo/generator.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { Rng } from '../../../core/demo/random.ts';
import { defaultEtlModerationConfig, runEtlModeration } from '../../../core/pipelines/etl-moderation/pipeline.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { postgresSource } from '../../../core/sources/sql-source.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import { postgresS3Catalog } from '../iceberg/catalogs.ts';
import { pyiceberg, type PyTable } from '../iceberg/pyiceberg.ts';
import { naiveTrainingRows } from '../../unit/features/naive-reference.ts';
import { worldInputs } from '../../unit/features/world-inputs.ts';
import type { KillWorkerArgs } from './etl-moderation-kill-worker.ts';

const worker = resolve(import.meta.dirname, 'etl-moderation-kill-worker.ts');
const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a, Object.keys(a).sort()).localeCompare(JSON.stringify(b, Object.keys(b).sort())));

interface Kill {
  /** Kill when the output matches (with freezeAt, the worker stands still at that point). */
  onOutput?: RegExp;
  /** Kill this long after the output first matches `after`. */
  after?: RegExp;
  delayMs?: number;
}

/** Runs the pipeline in a child process and kills it with SIGKILL as `kill` says. Resolves with its output. */
function runWorker(args: KillWorkerArgs, kill: Kill): Promise<{ output: string; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const doKill = () => { if (!killed && child.exitCode === null) { killed = true; child.kill('SIGKILL'); } };
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (kill.onOutput?.test(output)) doKill();
      if (kill.after?.test(output) && timer === undefined) timer = setTimeout(doKill, kill.delayMs ?? 0);
    });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`the etl_moderation worker failed (exit ${code}) without being killed:\n${output}`));
      else resolvePromise({ output, killed });
    });
  });
}

describe('etl_moderation survives kill -9 during load', () => {
  it('keeps the previous snapshot current and readable after each kill, and a rerun gives exactly the new rows', async () => {
    const c = await postgresS3Catalog();
    const io = (l: string) => fileIOFor(l, c.io);
    const config = defaultEtlModerationConfig(`s3://${testBed().s3.bucket}/${uniqueName('kill')}`);
    const now = Date.UTC(2026, 2, 20);
    // The previous good snapshot comes from one world; every killed run and the rerun read another,
    // so the two sets of rows cannot be mistaken for each other.
    const before = new World({ images: 90, seed: 'kill-before' });
    const after = new World({ images: 150, seed: 'kill-after' });
    const dbBefore = await freshDatabase('killbefore');
    await loadWorldIntoPostgres(before, dbBefore);
    const first = await runEtlModeration(config, { catalog: c.catalog, io, source: postgresSource(dbBefore) }, {}, 'previous', now);
    await c.catalog.close();
    const expectedBefore = sortRows(naiveTrainingRows(worldInputs(before, now * 1000)));
    const expectedAfter = sortRows(naiveTrainingRows(worldInputs(after, now * 1000)));

    const db = await freshDatabase('killafter');
    await loadWorldIntoPostgres(after, db);
    const args = (runId: string, freezeAt?: string): KillWorkerArgs => ({
      catalogUri: c.py.uri, warehouse: c.py.warehouse, io: c.io, sourceUrl: db, config, runId, now, freezeAt,
    });

    // What the table must show after a kill: the last committed snapshot, untouched. A run killed
    // at a random moment may have completed its commit just before dying: then the table shows
    // that run's snapshot, whole (the commit is atomic), and it becomes the one to keep.
    let current = { snapshotId: first.snapshotId, rows: expectedBefore };
    const table = 'moderation.training_data';
    const check = async (runId: string, mustBeUnchanged: boolean, output: string) => {
      const py = await pyiceberg<PyTable>(c.py, 'describe', { table });
      const where = `after killing run ${runId}; its log:\n${output}`;
      if (py.current_snapshot_id !== current.snapshotId) {
        expect(mustBeUnchanged, `the current snapshot changed ${where}`).toBe(false);
        expect(py.snapshots.at(-1)!.summary['floe.run-id'], `a snapshot nobody committed is current ${where}`).toBe(runId);
        current = { snapshotId: py.current_snapshot_id!, rows: expectedAfter };
      }
      expect(py.rows, `PyIceberg's rows of the current snapshot ${where}`).toEqual(current.rows);
    };

    // Exact points, the worker standing still there until killed: the transform is done and
    // nothing of the load is written; the data files are written and nothing is committed.
    for (const point of ['window source \\w+; writing', 'data files written']) {
      const run = await runWorker(args(`frozen-${point}`, point), { onOutput: /^frozen$/m });
      expect(run.killed, `the worker never reached "${point}":\n${run.output}`).toBe(true);
      await check(`frozen-${point}`, true, run.output);
    }
    // Random moments in the load: from the end of the transform (encoding, uploading) and from
    // the end of the data files (manifests, metadata, the catalog's swap), and anywhere in the run
    // (extract replacing the raw files included).
    const rng = new Rng('etl-kill');
    for (let i = 0; i < 4; i++) {
      const [marker, spread] = i % 2 === 0 ? [/window source \w+; writing/, 600] : [/data files written/, 200];
      const run = await runWorker(args(`load-${i}`), { after: marker, delayMs: rng.int(spread) });
      await check(`load-${i}`, false, run.output);
    }
    const anywhere = await runWorker(args('anywhere'), { after: /./, delayMs: rng.int(1500) });
    await check('anywhere', false, anywhere.output);

    const final = await runWorker(args('rerun'), {});
    expect(final.output).toContain('finished');
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table });
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ 'floe.run-id': 'rerun', 'total-records': String(expectedAfter.length) });
    expect(py.row_count).toBe(expectedAfter.length);
    expect(py.rows).toEqual(expectedAfter);
  }, 300_000);
});
