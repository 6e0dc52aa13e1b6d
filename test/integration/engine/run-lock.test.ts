import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { postgresRunLock, sqliteRunLock, type RunLock } from '../../../core/engine/locks/run-lock.ts';
import { freshDatabase, uniqueName } from '../../services/testbed.ts';

const holderScript = resolve(import.meta.dirname, 'run-lock-holder.ts');

/** Starts a process that takes the lock and keeps it; resolves once it says whether it got it. */
async function holder(kind: string, target: string, workspace: string, runId: string): Promise<{ child: ChildProcess; said: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, kind, target, workspace, runId], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  return { child, said: out.trim() };
}

async function kill9(child: ChildProcess) {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

const cases: [string, () => Promise<{ target: string; make: (workspace: string) => RunLock }>][] = [
  ['postgres', async () => { const db = await freshDatabase('lock'); return { target: db, make: (w) => postgresRunLock(db, w) }; }],
  ['sqlite', async () => { const file = join(mkdtempSync(join(tmpdir(), 'floe-lock-')), 'catalog.db'); return { target: file, make: (w) => sqliteRunLock(file, w) }; }],
];

describe.each(cases)('run lock on the %s catalog database', (kind, setup) => {
  it('lets one process hold a pipeline, names the holder to the others, and frees it when the holder is killed', async () => {
    const { target, make } = await setup();
    const workspace = uniqueName('ws');
    const first = await holder(kind, target, workspace, 'run-1');
    expect(first.said).toBe('acquired');
    const lock = make(workspace);
    try {
      const refused = await lock.tryAcquire('etl_moderation', 'run-2');
      expect(refused.acquired).toBe(false);
      if (!refused.acquired) expect(refused.heldBy).toMatchObject({ runId: 'run-1', pid: first.child.pid });
      // Another pipeline, or another workspace on the same database, is not blocked.
      const other = await lock.tryAcquire('verify', 'run-3');
      expect(other.acquired).toBe(true);
      if (other.acquired) await other.lock.release();
      const otherWorkspace = make(`${workspace}-b`);
      const elsewhere = await otherWorkspace.tryAcquire('etl_moderation', 'run-4');
      expect(elsewhere.acquired).toBe(true);
      if (elsewhere.acquired) await elsewhere.lock.release();
      await otherWorkspace.close();

      await kill9(first.child);
      let after = await lock.tryAcquire('etl_moderation', 'run-5');
      // Postgres ends the dead session's lock once it notices the closed socket: give it a moment.
      for (let i = 0; i < 50 && !after.acquired; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await lock.tryAcquire('etl_moderation', 'run-5');
      }
      expect(after.acquired).toBe(true);
      // The holder is this process now: a second attempt here is refused too, naming run-5.
      const again = await lock.tryAcquire('etl_moderation', 'run-6');
      expect(again).toMatchObject({ acquired: false, heldBy: { runId: 'run-5', pid: process.pid } });
      if (after.acquired) await after.lock.release();
      const free = await lock.tryAcquire('etl_moderation', 'run-7');
      expect(free.acquired).toBe(true);
      if (free.acquired) await free.lock.release();
    } finally {
      await lock.close();
      if (first.child.exitCode === null && first.child.signalCode === null) await kill9(first.child);
    }
  });
});
