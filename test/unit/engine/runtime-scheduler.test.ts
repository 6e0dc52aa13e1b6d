import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Runtime, configPath } from '../../../core/engine/runtime.ts';
import { saveWorkspaceConfig } from '../../../core/engine/workspace/config-file.ts';
import { ManualClock } from '../../../core/engine/scheduler/clock.ts';
import type { Run } from '../../../core/engine/run-store/types.ts';

const MINUTE = 60_000;
const opened: Runtime[] = [];
afterEach(async () => { for (const rt of opened.splice(0)) await rt.close(); });

/** A workspace with nothing but a SQLite catalog and a local folder, verify every 5 minutes. */
async function workspace(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-sched-'));
  await saveWorkspaceConfig(configPath(dir), {
    connections: { catalog: { type: 'sql', uri: `sqlite:///${join(dir, 'catalog.db')}` } },
    storage: { root: pathToFileURL(join(dir, 'lake')).href },
    pipelines: { verify: { schedule: { cron: '*/5 * * * *', timeZone: 'Europe/Berlin' }, retry: { retries: 0 } } },
  });
  return dir;
}

async function open(dir: string, clock: ManualClock): Promise<Runtime> {
  const rt = await Runtime.open({ dir, clock });
  opened.push(rt);
  await rt.startScheduler();
  return rt;
}

async function settled(rt: Runtime): Promise<Run[]> {
  const runs = rt.store.listRuns({ pipeline: 'verify', limit: 100 }).runs;
  for (const r of runs) await rt.engine.finished(r.id);
  return rt.store.listRuns({ pipeline: 'verify', limit: 100 }).runs;
}

describe('the runtime schedules its pipelines from the workspace configuration', () => {
  it('runs at fire times, remembers them in the run store, and makes one catch-up run after being closed', async () => {
    const dir = await workspace();
    const start = Date.parse('2026-03-10T10:02:00Z');
    const clock = new ManualClock(start);
    const rt = await open(dir, clock);
    await clock.advance(3 * MINUTE); // 10:05
    let runs = await settled(rt);
    expect(runs.map((r) => r.trigger)).toEqual([{ kind: 'scheduled', scheduledFor: Date.parse('2026-03-10T10:05:00Z') }]);
    // The tables do not exist in this empty workspace: verify ran and failed, as it should.
    expect(runs[0]!.state).toBe('failed');

    // A manual run does not move the schedule.
    const manual = await rt.engine.trigger('verify');
    await rt.engine.finished(manual.id);
    await rt.close();
    opened.pop();

    // Closed for an hour: one catch-up for the 12 missed fire times, not a burst.
    const later = new ManualClock(Date.parse('2026-03-10T11:07:00Z'));
    const again = await open(dir, later);
    runs = await settled(again);
    expect(runs.map((r) => r.trigger.kind)).toEqual(['catch-up', 'manual', 'scheduled']);
    expect(runs[0]!.trigger).toEqual({ kind: 'catch-up', scheduledFor: Date.parse('2026-03-10T11:05:00Z'), missed: 12 });
  });

  it('pauses and resumes through the saved configuration', async () => {
    const dir = await workspace();
    const clock = new ManualClock(Date.parse('2026-03-10T10:02:00Z'));
    const rt = await open(dir, clock);
    await rt.activeScheduler!.pause('verify');
    await clock.advance(10 * MINUTE);
    expect(rt.store.listRuns({ pipeline: 'verify' }).runs).toEqual([]);
    await rt.activeScheduler!.resume('verify');
    await clock.advance(5 * MINUTE);
    expect((await settled(rt)).map((r) => r.trigger.kind)).toEqual(['scheduled']);
  });
});
