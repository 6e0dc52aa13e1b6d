/**
 * A second process on the run store, for the crash and concurrency tests. Modes:
 * - crash: starts a run and logs lines forever, printing "logged N" after line N is written, until killed;
 * - write: runs `runs` full run lifecycles on `pipeline`, then tries to hold `verify` `verifyTries` times.
 * Any error (SQLITE_BUSY included) exits non-zero with the message on stderr.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RunConflictError, RunStore } from '../../../core/engine/run-store/run-store.ts';
import { RunLog } from '../../../core/engine/run-store/run-log.ts';
import type { PipelineName } from '../../../core/engine/run-store/types.ts';

interface Args { db: string; mode: 'crash' | 'write'; name?: string; pipeline?: PipelineName; runs?: number; verifyTries?: number }
const args = JSON.parse(process.argv[2]!) as Args;
const store = RunStore.open(args.db, { progressIntervalMs: 20 });
const out = (line: string) => process.stdout.write(`${line}\n`);

if (args.mode === 'crash') {
  const run = store.startRun(store.createRun({ pipeline: 'event_aggregation' }).id);
  store.recordAttempt(run.id, 'consume');
  store.updateRun(run.id, { metrics: { rejectedByReason: { bad_json: 2 } } });
  const log = RunLog.open(run.logFile, { redact: (s) => s.replaceAll('s3cr3t', '[secret]') });
  out(`run ${run.id}`);
  for (let i = 0; ; i++) {
    log.forAttempt('consume', 1)('info', `line ${i}`, { offset: BigInt(i) * 1000n, url: 'kafka://user:s3cr3t@broker' });
    store.updateProgress(run.id, 'consume', 1, { done: i + 1, total: null, unit: 'messages' });
    out(`logged ${i}`);
    await sleep(1);
  }
} else {
  const name = args.name ?? 'writer';
  for (let i = 0; i < (args.runs ?? 0); i++) {
    const run = store.startRun(store.createRun({ pipeline: args.pipeline!, ifActive: 'queue' }).id);
    for (const task of ['consume', 'write']) {
      const { attempt } = store.recordAttempt(run.id, task);
      for (let p = 1; p <= 5; p++) store.updateProgress(run.id, task, attempt, { done: p, total: 5, unit: 'batches' });
      store.updateTask(run.id, task, attempt, { state: 'success', metrics: { rows: 5 } });
    }
    store.updateRun(run.id, { outputs: { snapshots: { [`t.${name}`]: String(i) } } });
    store.finishRun(run.id, { metrics: { writer: name, index: i } });
    store.setSchedulerState(args.pipeline!, { [name]: i });
    if (i % 50 === 0) store.listRuns({ pipeline: args.pipeline!, limit: 20 });
  }
  let held = 0, refused = 0;
  for (let i = 0; i < (args.verifyTries ?? 0); i++) {
    try {
      const run = store.startRun(store.createRun({ pipeline: 'verify' }).id);
      held++;
      await sleep(2); // hold the pipeline a moment so the other process meets it
      store.finishRun(run.id, { state: 'failed', error: `held by ${name}` });
      await sleep(2); // and let go a moment, or one process could take it back every time
    } catch (err) {
      if (!(err instanceof RunConflictError)) throw err;
      refused++;
      await sleep(1);
    }
  }
  store.close();
  out(`done held=${held} refused=${refused}`);
}
