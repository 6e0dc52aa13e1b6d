import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { World } from '../../../core/demo/generator.ts';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import { defaultEventAggregationConfig, EVENT_KINDS } from '../../../core/pipelines/event-aggregation/pipeline.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { Rng } from '../../../core/demo/random.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';
import { fetchWatermarks } from '../../../core/sources/kafka-range-reader.ts';
import { postgresS3Catalog } from '../iceberg/catalogs.ts';

const worker = resolve(import.meta.dirname, 'event-aggregation-worker.ts');

/** Runs the pipeline in a child process; kills it with SIGKILL when `killWhen` says so. Resolves with its output. */
function runWorker(arg: string, killWhen: { afterMs?: number; onOutput?: RegExp }): Promise<{ output: string; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    const kill = () => { if (!killed && child.exitCode === null) { killed = true; child.kill('SIGKILL'); } };
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killWhen.onOutput?.test(output)) kill();
    });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('spawn', () => { if (killWhen.afterMs !== undefined) timer = setTimeout(kill, killWhen.afterMs); });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`worker failed (${code}): ${output}`));
      else resolvePromise({ output, killed });
    });
  });
}

describe('event_aggregation survives kill -9 at any point', () => {
  it('yields exactly the counts of one clean run after repeated kills mid-consume, mid-write and between table commits', async () => {
    const c = await postgresS3Catalog();
    await c.catalog.close();
    const base = uniqueName('crash');
    const config = defaultEventAggregationConfig({ brokers: testBed().kafkaBrokers }, `s3://${testBed().s3.bucket}/${base}`);
    config.topics = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
    config.consumerGroup = null;
    const world = new World({ images: 1500, seed: 'crash' });
    const truth = new WindowTruth();
    const events = [...world.events()];
    for (const e of events) truth.add(e);
    const half = Math.floor(events.length / 2);
    await produceEvents(events.slice(0, half), { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    const arg = JSON.stringify({ db: c.py.uri, warehouse: c.py.warehouse, io: c.io, config });

    // Every phase boundary in order, each certain to be reached and killed...
    const markers = [
      /progress \d+ messages/, // mid-consume: after the first batch of views is counted
      /consumed \d+ messages from \S+views/, /for event_aggregations.view_windows_5min; committing/, /view_windows_5min: \d+ window rows/,
      /no new messages on \S+views[\s\S]*progress \d+ messages/, // mid-consume of comments, views already committed
      /consumed \d+ messages from \S+comments/, /for event_aggregations.comment_windows_5min; committing/,
      /comment_windows_5min: \d+ window rows/, /for event_aggregations.flag_windows_5min; committing/,
    ];
    for (const onOutput of markers) expect((await runWorker(arg, { onOutput })).killed, String(onOutput)).toBe(true);
    // ...then, on new events, kills at random moments (start-up, consume, write, commit: wherever they fall).
    await produceEvents(events.slice(half), { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    const rng = new Rng('crash-points');
    for (let i = 0; i < 5; i++) await runWorker(arg, { afterMs: 500 + rng.int(2500) });
    // The topics hold exactly the generated events (no producer retry duplicated a batch), so any
    // difference below is the pipeline's.
    for (const kind of EVENT_KINDS) {
      const marks = await fetchWatermarks({ brokers: testBed().kafkaBrokers }, config.topics[kind]);
      expect(marks.reduce((n, m) => n + Number(m.high), 0), kind).toBe(truth.events[kind]);
    }
    const final = await runWorker(arg, {});
    expect(final.output).toContain('finished');

    const reopened = c.reopen();
    for (const kind of EVENT_KINDS) {
      const md = (await reopened.loadTable(config.tables[kind])).metadata;
      const sums = new Map<string, number>();
      for await (const b of scanTable(fileIOFor(md.location, c.io), md) as AsyncIterable<RecordBatch>) {
        const ids = b.getChild('image_id')!, starts = b.getChild('window_start')!.data[0]!.values as BigInt64Array, counts = b.getChild('event_count')!.data[0]!.values as BigInt64Array;
        for (let i = 0; i < b.numRows; i++) {
          const key = `${ids.get(i) as string}|${starts[i]}`;
          sums.set(key, (sums.get(key) ?? 0) + Number(counts[i]!));
        }
      }
      const expected = new Map(truth.windows(kind).map((w) => [`${w.imageId}|${w.windowStart}`, w.count]));
      const wrong = [...expected].filter(([k, n]) => sums.get(k) !== n).map(([k, n]) => `${k}: expected ${n}, table has ${sums.get(k) ?? 0}`);
      expect(wrong, kind).toEqual([]);
      expect(sums.size, kind).toBe(expected.size);
    }
    await reopened.close();
  }, 300_000);
});
