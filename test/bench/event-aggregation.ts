/**
 * W1: event_aggregation end to end (consume, window, write, commit) on N events (85% views, 10%
 * comments, 5% flags) over N/100 images, 3 partitions per topic, gzip batches, beside kcat
 * consuming the same topics to /dev/null in the same run: the machine's limit.
 *   npx tsx test/bench/event-aggregation.ts [--events 10000000] [--topics PREFIX (reuse produced topics)]
 *     [--reader wire|kafkajs (the Kafka client; default wire)] [--consume-only (the client alone, no pipeline)]
 * Not a test: prints figures, never fails on a number. Needs the test bed (npm run services:up).
 * For a CPU profile: node --cpu-prof --cpu-prof-dir DIR --import tsx test/bench/event-aggregation.ts ...,
 * then test/bench/profile-summary.ts on the file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { World } from '../../core/demo/generator.ts';
import { produceEvents } from '../../core/demo/produce-kafka.ts';
import { defaultEventAggregationConfig, runEventAggregation } from '../../core/pipelines/event-aggregation/pipeline.ts';
import { fileIOFor } from '../../core/io/resolve-file-io.ts';
import { fetchWatermarks } from '../../core/sources/kafka-range-reader.ts';
import { testBed, uniqueName } from '../services/testbed.ts';
import { postgresS3Catalog } from '../integration/iceberg/catalogs.ts';
import { PhaseMeter } from './phase-meter.ts';
import { consumeOnly } from './consume-only.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' }, topics: { type: 'string' },
    reader: { type: 'string', default: 'wire' }, 'consume-only': { type: 'boolean', default: false },
  },
});
if (values.reader !== 'wire' && values.reader !== 'kafkajs') throw new Error(`--reader is wire or kafkajs, not ${values.reader}`);
const reader = values.reader;
const events = Number(values.events);
const bed = testBed();
const brokers = bed.kafkaBrokers;
const prefix = values.topics ?? uniqueName('w1');
const topics = { views: `${prefix}.views`, comments: `${prefix}.comments`, flags: `${prefix}.flags` };
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} events/s`;

console.log(`W1 on ${cpus().length} cores, ${mb(totalmem())} RAM; ${events.toLocaleString('en')} events, topics ${prefix}.*`);

if (!values.topics) {
  const images = Math.max(1, Math.round(events / 100));
  const world = new World({ images, seed: 'w1', viewsPerImage: 85, commentsPerImage: 10, flagsPerImage: 5, commentFlagRate: 0 });
  const t0 = performance.now();
  const produced = await produceEvents(world.events(), { brokers, topics, partitions: 3, batchSize: 20000 });
  console.log(`produced ${JSON.stringify(produced)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
let total = 0;
for (const t of Object.values(topics)) total += (await fetchWatermarks({ brokers }, t)).reduce((n, w) => n + Number(w.high - w.low), 0);

// The limit: kcat reading every message of the three topics (decompressing gzip) to /dev/null.
// kcat's CPU time too: on a shared machine wall times swing with others' work, CPU seconds much less.
const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
/** CPU seconds of this process's finished children (/proc/self/stat cutime + cstime); NaN off Linux. */
const childCpu = () => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / ticks;
  } catch {
    return NaN;
  }
};
const c0 = childCpu();
const k0 = performance.now();
for (const t of Object.values(topics)) {
  const r = spawnSync('kcat', ['-C', '-b', brokers[0]!, '-t', t, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`kcat failed on ${t}: ${r.stderr.toString()}`);
}
const kcatMs = performance.now() - k0;
const kcatCpu = `CPU ${(childCpu() - c0).toFixed(1)} s`;

if (values['consume-only']) {
  const meter = new PhaseMeter();
  const r = await consumeOnly({ brokers, reader }, Object.values(topics));
  const cost = await meter.stop();
  console.log('');
  console.log('| what | wall | rate | peak RSS | CPU |');
  console.log('|---|---|---|---|---|');
  console.log(`| kcat -C (3 topics, to /dev/null) | ${(kcatMs / 1000).toFixed(1)} s | ${rate(total, kcatMs)} | - | ${kcatCpu} |`);
  console.log(`| ${reader} reader alone (every value touched) | ${(r.ms / 1000).toFixed(1)} s | ${rate(r.messages, r.ms)} | ${mb(cost.rss.highWater ?? cost.rss.sampled)} | CPU ${(cost.cpuMs / 1000).toFixed(1)} s |`);
  console.log(`${reader} / kcat: ${((kcatMs / r.ms) * 100).toFixed(0)}% of kcat's rate; ${r.messages.toLocaleString('en')} messages; CPU ${(cost.cpuMs / 1000).toFixed(1)} s; RSS before reading ${mb(cost.rss.baseline)}`);
  process.exit(0);
}

const c = await postgresS3Catalog();
const config = defaultEventAggregationConfig({ brokers, reader }, `s3://${bed.s3.bucket}/${prefix}`);
config.topics = topics;
config.consumerGroup = null;
const meter = new PhaseMeter();
const f0 = performance.now();
// The pipeline's own log lines, timed: where the run's time goes, phase by phase.
const log = (level: string, message: string) => {
  const m = process.memoryUsage();
  console.log(`  ${((performance.now() - f0) / 1000).toFixed(1).padStart(5)} s  rss ${mb(m.rss)} (heap ${mb(m.heapUsed)}, buffers ${mb(m.arrayBuffers)})  ${level} ${message.slice(0, 110)}`);
};
const result = await runEventAggregation(config, { catalog: c.catalog, io: (l) => fileIOFor(l, c.io) }, { log });
const floeMs = performance.now() - f0;
const cost = await meter.stop();
await c.catalog.close();

const rows = result.topics.reduce((n, t) => n + t.rows, 0);
console.log('');
console.log('| what | wall | rate | peak RSS | CPU |');
console.log('|---|---|---|---|---|');
console.log(`| kcat -C (3 topics, to /dev/null) | ${(kcatMs / 1000).toFixed(1)} s | ${rate(total, kcatMs)} | - | ${kcatCpu} |`);
console.log(`| Floe event_aggregation, ${reader} reader (consume, window, write, commit) | ${(floeMs / 1000).toFixed(1)} s | ${rate(total, floeMs)} | ${mb(cost.rss.highWater ?? cost.rss.sampled)} | CPU ${(cost.cpuMs / 1000).toFixed(1)} s |`);
console.log(`Floe / kcat: ${((kcatMs / floeMs) * 100).toFixed(0)}% of kcat's rate; ${rows.toLocaleString('en')} window rows; CPU ${(cost.cpuMs / 1000).toFixed(1)} s; RSS before the run ${mb(cost.rss.baseline)}`);
for (const t of result.topics) console.log(`  ${t.kind}: ${t.messages} messages, ${t.rows} rows, ${t.commitAttempts} commit attempt(s)`);
