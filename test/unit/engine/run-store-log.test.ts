import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunLog, type LogEntry } from '../../../core/engine/run-store/run-log.ts';
import { followLog, readLog, tailLog, type LogLine } from '../../../core/engine/run-store/log-reader.ts';

const dirs: string[] = [];
function logFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'floe-run-log-'));
  dirs.push(dir);
  return join(dir, 'logs', '2026-03-10', 'verify-1.jsonl');
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEntry);

describe('RunLog', () => {
  it('appends one JSON line per entry, scoped to a task attempt, each on disk as soon as written', () => {
    const file = logFile();
    let ts = 1000;
    const log = RunLog.open(file, { now: () => ts++ });
    log.write('info', 'run started', { pipeline: 'verify' });
    const sizeAfterFirst = statSync(file).size;
    expect(sizeAfterFirst).toBeGreaterThan(0); // no buffering in the process
    log.forAttempt('check', 2)('warn', 'slow', { rows: 10 });
    log.close();
    expect(lines(file)).toEqual([
      { ts: 1000, level: 'info', message: 'run started', fields: { pipeline: 'verify' } },
      { ts: 1001, level: 'warn', task: 'check', attempt: 2, message: 'slow', fields: { rows: 10 } },
    ]);
    expect(() => log.write('info', 'late')).toThrow(`RunLog: ${file} is closed; cannot log "late".`);
    // reopening appends rather than truncating
    RunLog.open(file).write('info', 'again');
    expect(lines(file).map((e) => e.message)).toEqual(['run started', 'slow', 'again']);
  });

  it('scrubs secrets everywhere through the hook and by field name, and turns any value into JSON', () => {
    const file = logFile();
    const seen: LogEntry[] = [];
    const redact = (s: string) => s.replace(/hunter2/g, '***');
    const log = RunLog.open(file, { redact, onEntry: (e) => seen.push(e), maxStringLength: 50 });
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    log.write('error', 'connect postgres://floe:hunter2@db/gg failed', {
      err: new Error('auth failed for hunter2'),
      config: { host: 'db', password: 'p@ss', secretAccessKey: 'AKIA', sasl: { token: 'x' }, nested: ['hunter2', 1n] },
      offset: 9_007_199_254_740_993n,
      at: new Date(Date.UTC(2026, 2, 10)),
      ratio: Number.POSITIVE_INFINITY,
      skip: undefined,
      fn: () => 1,
      loop,
      big: 'x'.repeat(80),
      bytes: new Uint8Array(3),
    });
    log.close();
    const [entry] = lines(file);
    expect(entry).toEqual({
      ts: entry!.ts, level: 'error', message: 'connect postgres://floe:***@db/gg failed',
      fields: {
        err: { name: 'Error', message: 'auth failed for ***' },
        config: { host: 'db', password: '[redacted]', secretAccessKey: '[redacted]', sasl: { token: '[redacted]' }, nested: ['***', '1'] },
        offset: '9007199254740993',
        at: '2026-03-10T00:00:00.000Z',
        ratio: 'Infinity',
        loop: { name: 'loop', self: '[circular]' },
        big: `${'x'.repeat(50)}… [30 more characters cut]`,
        bytes: '[3 bytes]',
      },
    });
    expect(seen).toEqual([entry]);
    expect(readFileSync(file, 'utf8')).not.toMatch(/hunter2|p@ss|AKIA/);
  });
});

/** Writes `n` entries with messages m0..m(n-1), every third on task b, padded to make a big file. */
function writeMany(file: string, n: number, pad = 0): void {
  const log = RunLog.open(file, { now: () => 1 });
  for (let i = 0; i < n; i++) log.write('info', `m${i}`, { pad: 'p'.repeat(pad) }, { task: i % 3 === 0 ? 'b' : 'a', attempt: 1 });
  log.close();
}
const messages = (ls: LogLine[]) => ls.map((l) => l.message);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('readLog', () => {
  it('pages forward by byte offset, each page starting where the last stopped', async () => {
    const file = logFile();
    writeMany(file, 2500, 100); // ~350 KiB: pages cross read chunks
    const all: LogLine[] = [];
    let offset = 0;
    let pages = 0;
    for (;;) {
      const page = await readLog(file, { offset, limit: 1000 });
      all.push(...page.lines);
      offset = page.nextOffset;
      pages++;
      if (page.end) break;
    }
    expect(pages).toBe(3);
    expect(messages(all)).toEqual(range(0, 2500));
    expect(offset).toBe(statSync(file).size);
    const text = readFileSync(file);
    // each line's offset points at its own first byte
    expect(JSON.parse(text.subarray(all[1234]!.offset, text.indexOf(10, all[1234]!.offset)).toString()).message).toBe('m1234');
    const filtered = await readLog(file, { limit: 5, filter: (l) => l.task === 'b' });
    expect(messages(filtered.lines)).toEqual(['m0', 'm3', 'm6', 'm9', 'm12']);
  });

  it('holds back a line still being written, returns it once the writer is done, and reads a missing file as empty', async () => {
    const file = logFile();
    writeMany(file, 2);
    appendFileSync(file, '{"ts":1,"level":"info","mess');
    const page = await readLog(file);
    expect(messages(page.lines)).toEqual(['m0', 'm1']);
    expect(page.nextOffset).toBe(statSync(file).size - '{"ts":1,"level":"info","mess'.length);
    const done = await readLog(file, { offset: page.nextOffset, writerDone: true });
    expect(done.lines).toHaveLength(1);
    expect(done.lines[0]).toMatchObject({ level: 'warn', message: 'unreadable log line (28 bytes): {"ts":1,"level":"info","mess' });
    expect(await readLog(join(file, '..', 'none.jsonl'))).toEqual({ lines: [], nextOffset: 0, end: true });
    await expect(readLog(file, { offset: -1 })).rejects.toThrow(/offset must be a byte position/);
  });
});

describe('tailLog', () => {
  it('returns the last lines in order from a large file, with a filter, ignoring a partial last line', async () => {
    const file = logFile();
    writeMany(file, 3000, 200); // ~700 KiB
    appendFileSync(file, '{"partial');
    const tail = await tailLog(file, 7);
    expect(messages(tail.lines)).toEqual(range(2993, 3000));
    expect(tail.nextOffset).toBe(statSync(file).size - '{"partial'.length);
    const tailB = await tailLog(file, 2000, (l) => l.task === 'b');
    expect(messages(tailB.lines)).toEqual(range(0, 3000).filter((_, i) => i % 3 === 0).slice(-1000));
    const everything = await tailLog(file, 5000);
    expect(messages(everything.lines)).toEqual(range(0, 3000));
    expect(everything.lines.map((l) => l.offset)).toEqual((await readLog(file, { limit: 5000 })).lines.map((l) => l.offset));
  });

  it('handles a small file and a missing one', async () => {
    const file = logFile();
    writeMany(file, 3);
    expect(messages((await tailLog(file, 10)).lines)).toEqual(['m0', 'm1', 'm2']);
    expect(messages((await tailLog(file, 1)).lines)).toEqual(['m2']);
    expect(await tailLog(join(file, '..', 'none.jsonl'), 5)).toEqual({ lines: [], nextOffset: 0, end: true });
  });
});

describe('followLog', () => {
  it('yields existing and newly appended lines until the writer is done', async () => {
    const file = logFile();
    const log = RunLog.open(file);
    log.write('info', 'm0');
    let finished = false;
    const got: string[] = [];
    const following = (async () => {
      for await (const line of followLog(file, { pollMs: 10, done: () => finished })) got.push(line.message);
    })();
    for (let i = 1; i < 50; i++) {
      log.write('info', `m${i}`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    log.close();
    finished = true;
    await following;
    expect(got).toEqual(range(0, 50));
  });

  it('starts from an offset (after a tail) and stops when aborted', async () => {
    const file = logFile();
    writeMany(file, 10);
    const tail = await tailLog(file, 2);
    const abort = new AbortController();
    const got: string[] = [];
    const following = (async () => {
      for await (const line of followLog(file, { offset: tail.nextOffset, pollMs: 10, signal: abort.signal })) {
        got.push(line.message);
        if (got.length === 2) abort.abort();
      }
    })();
    const log = RunLog.open(file);
    log.write('info', 'n0');
    log.write('info', 'n1');
    log.close();
    await following;
    expect(got).toEqual(['n0', 'n1']);
  });
});
