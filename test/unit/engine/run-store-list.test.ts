import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../../../core/engine/run-store/run-store.ts';
import { PIPELINE_NAMES, type ListRunsQuery, type Run, type RunState } from '../../../core/engine/run-store/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'floe-run-list-'));
const T0 = Date.UTC(2026, 0, 1);
let clock = T0;
let store: RunStore;
/** Every run as the store returned it when the test made it, with its final state. */
const made: Run[] = [];

const newestFirst = (a: Run, b: Run) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

function expected(q: ListRunsQuery): string[] {
  const states = q.state === undefined ? undefined : ([] as RunState[]).concat(q.state);
  return made
    .filter((r) => (q.pipeline === undefined || r.pipeline === q.pipeline) && (!states || states.includes(r.state))
      && (q.since === undefined || r.createdAt >= q.since) && (q.until === undefined || r.createdAt < q.until))
    .sort(newestFirst).map((r) => r.id);
}

/** Follows nextCursor to the end; returns every id in page order and the page count. */
function allPages(q: Omit<ListRunsQuery, 'cursor'>): { ids: string[]; pages: number } {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = store.listRuns({ ...q, ...(cursor ? { cursor } : {}) });
    pages++;
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  return { ids, pages };
}

function median(ms: number[]): number {
  return [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
}

/** Time of `fn` in ms, the median of `n` calls after a warm-up. */
function timeIt(fn: () => unknown, n = 20): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

beforeAll(() => {
  store = RunStore.open(join(dir, 'runs.sqlite'), { now: () => clock });
  const started = performance.now();
  // 10,200 runs over ~12 days (one every 5 minutes per pipeline), three pipelines, several runs per millisecond now and then so the
  // id tie-break is exercised; finished in a mix of states through the public API.
  for (let i = 0; i < 10_200; i++) {
    clock = T0 + Math.floor(i / 3) * 300_000 + (i % 3 === 2 ? 500 : 0);
    const pipeline = PIPELINE_NAMES[i % 3]!;
    let run = store.createRun({ pipeline, ifActive: 'queue', trigger: i % 2 ? { kind: 'scheduled', scheduledFor: clock } : { kind: 'manual' } });
    const kind = i % 7;
    if (kind < 3) {
      store.startRun(run.id);
      store.updateTask(run.id, 'work', store.recordAttempt(run.id, 'work').attempt, { state: 'success' });
      run = store.finishRun(run.id);
    } else if (kind === 3) run = store.finishRun(run.id, { state: 'failed', error: 'boom' });
    else if (kind === 4) run = store.finishRun(run.id, { state: 'cancelled' });
    else if (kind === 5 && i < 10_000) run = store.finishRun(run.id, { state: 'interrupted' });
    made.push(run);
  }
  console.log(`run store: wrote 10,200 runs through the API in ${Math.round(performance.now() - started)} ms`);
}, 120_000);

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('listRuns over 10,200 runs', () => {
  const queries: Array<[string, Omit<ListRunsQuery, 'cursor'>]> = [
    ['all', {}],
    ['one pipeline', { pipeline: 'etl_moderation' }],
    ['one state', { state: 'failed' }],
    ['pipeline and state', { pipeline: 'event_aggregation', state: 'success' }],
    ['pipeline and two states', { pipeline: 'verify', state: ['failed', 'cancelled'] }],
    ['time range', { since: T0 + 86_400_000, until: T0 + 3 * 86_400_000 }],
    ['state and time range', { state: 'success', since: T0 + 86_400_000, until: T0 + 3 * 86_400_000 }],
    ['pipeline since', { pipeline: 'verify', since: T0 + 10 * 86_400_000 }],
  ];

  it.each(queries)('%s: every page in order, none lost or repeated', (_name, q) => {
    const want = expected(q);
    expect(want.length).toBeGreaterThan(0);
    const { ids, pages } = allPages({ ...q, limit: 97 });
    expect(ids).toEqual(want);
    expect(pages).toBe(Math.floor(want.length / 97) + 1);
  });

  it('answers pages from an index, with no sort and no table scan', () => {
    const deep = store.listRuns({ limit: 500 });
    const cursorDeep = store.listRuns({ limit: 500, cursor: deep.nextCursor! }).nextCursor!;
    const figures: string[] = [];
    for (const [name, q] of queries) {
      for (const [label, cursor] of [['first page', undefined], ['page 3', cursorDeep]] as const) {
        const query: ListRunsQuery = { ...q, limit: 50, ...(cursor ? { cursor } : {}) };
        const plan = store.explainListRuns(query).join(' | ');
        expect(plan, `${name}, ${label}`).toMatch(/USING (COVERING )?INDEX runs_by_/);
        expect(plan, `${name}, ${label}`).not.toMatch(/TEMP B-TREE|SCAN runs(?! USING)/);
        figures.push(`${name} (${label}): ${timeIt(() => store.listRuns(query)).toFixed(3)} ms  [${plan}]`);
      }
    }
    console.log(`run store, listRuns of 50 over 10,200 runs (median of 20):\n  ${figures.join('\n  ')}`);
    // Not a timed test: a generous bound that only an unindexed query (a scan and sort of 10k rows) would break.
    expect(timeIt(() => store.listRuns({ pipeline: 'verify', state: 'success', limit: 50 }))).toBeLessThan(25);
  });

  it('keeps later pages stable while new runs arrive', () => {
    const first = store.listRuns({ pipeline: 'verify', limit: 20 });
    clock = T0 + 100 * 86_400_000;
    const newcomer = store.createRun({ pipeline: 'verify', ifActive: 'queue' });
    const second = store.listRuns({ pipeline: 'verify', limit: 20, cursor: first.nextCursor! });
    const want = expected({ pipeline: 'verify' });
    expect(second.runs.map((r) => r.id)).toEqual(want.slice(20, 40));
    expect(store.listRuns({ pipeline: 'verify', limit: 1 }).runs[0]!.id).toBe(newcomer.id);
    store.finishRun(newcomer.id, { state: 'cancelled' });
    made.push(store.getRun(newcomer.id)!);
  });

  it('returns runs with their fields and no cursor after the last page', () => {
    const page = store.listRuns({ pipeline: 'verify', state: 'failed', since: T0, until: T0 + 86_400_000, limit: 500 });
    expect(page.nextCursor).toBeUndefined();
    expect(page.runs.length).toBeGreaterThan(0);
    for (const r of page.runs) {
      expect(r).toMatchObject({ pipeline: 'verify', state: 'failed', error: 'boom' });
      expect(r.finishedAt).not.toBeNull();
    }
    const scheduled = made.find((r) => r.trigger.kind === 'scheduled')!;
    expect(store.getRun(scheduled.id)!.trigger).toEqual({ kind: 'scheduled', scheduledFor: scheduled.createdAt });
  });

  it('rejects a cursor it did not make and a limit out of range, saying what to pass', () => {
    expect(() => store.listRuns({ cursor: 'not-a-cursor' })).toThrow(/cursor .* is not one this store made; pass the nextCursor/);
    expect(() => store.listRuns({ cursor: Buffer.from('[1.5,"x"]').toString('base64url') })).toThrow(/nextCursor/);
    expect(() => store.listRuns({ limit: 0 })).toThrow(/limit must be a whole number from 1 to 500; got 0/);
    expect(() => store.listRuns({ limit: 501 })).toThrow(/got 501/);
    expect(() => store.listRuns({ state: 'done' as RunState })).toThrow(/unknown state "done"/);
  });
});
