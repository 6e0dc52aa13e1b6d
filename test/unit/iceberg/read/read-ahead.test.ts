import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../../core/iceberg/read/read-ahead.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Streams of `sizes[i]` items each, recording when each item was made and whether each stream was closed. */
function streams(sizes: number[], log: string[], fail?: { stream: number; at: number }) {
  return (async function* () {
    for (const [s, n] of sizes.entries()) {
      yield (async function* () {
        try {
          for (let i = 0; i < n; i++) {
            await tick();
            if (fail && fail.stream === s && fail.at === i) throw new Error(`stream ${s} failed at ${i}`);
            log.push(`made ${s}.${i}`);
            yield `${s}.${i}`;
          }
        } finally {
          log.push(`closed ${s}`);
        }
      })();
    }
  })();
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('streams read ahead of their turn', () => {
  it('yields every item in stream order, whatever order they are made in', async () => {
    const log: string[] = [];
    const items = await all(readAhead(streams([3, 0, 5, 2], log), 2, 2));
    expect(items).toEqual(['0.0', '0.1', '0.2', '2.0', '2.1', '2.2', '2.3', '2.4', '3.0', '3.1']);
  });

  it('starts the next streams early, each holding at most its buffer', async () => {
    const log: string[] = [];
    const it = readAhead(streams([10, 10], log), 1, 2)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe('0.0');
    for (let i = 0; i < 20; i++) await tick();
    // The second stream made its two items while the first was waiting to be read, then stopped.
    expect(log.filter((l) => l.startsWith('made 1.'))).toEqual(['made 1.0', 'made 1.1']);
    await it.return?.(undefined);
  });

  it('reads one stream at a time with ahead 0', async () => {
    const log: string[] = [];
    const it = readAhead(streams([3, 3], log), 0, 2)[Symbol.asyncIterator]();
    await it.next();
    for (let i = 0; i < 10; i++) await tick();
    expect(log.some((l) => l.startsWith('made 1.'))).toBe(false);
    await it.return?.(undefined);
  });

  it('raises a stream\'s error at its turn, after the items before it', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    const run = async () => { for await (const x of readAhead<string>(streams([2, 3, 2], log, { stream: 1, at: 1 }), 2, 4)) seen.push(x); };
    await expect(run()).rejects.toThrow('stream 1 failed at 1');
    expect(seen).toEqual(['0.0', '0.1', '1.0']);
    expect(log).toContain('closed 2'); // the stream started beyond it is stopped too
  });

  it('stops every stream it started when the reader stops early', async () => {
    const log: string[] = [];
    for await (const x of readAhead(streams([5, 5, 5], log), 2, 2)) if (x === '0.1') break;
    expect(log.filter((l) => l.startsWith('closed')).sort()).toEqual(['closed 0', 'closed 1', 'closed 2']);
  });
});
