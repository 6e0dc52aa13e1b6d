/**
 * The synthetic data generator's command line.
 *   tsx core/demo/cli.ts generate --scale 1000 --postgres URL --kafka HOST:PORT [--malformed] [--truth FILE]
 *   tsx core/demo/cli.ts demo      (the embedded default's source: PGlite in .floe/demo)
 */
import { parseArgs } from 'node:util';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { World } from './generator.ts';
import { WindowTruth } from './ground-truth.ts';
import { malformedEvents } from './events.ts';
import { loadWorldIntoPostgres } from './load-postgres.ts';
import { loadWorldIntoPglite } from './load-pglite.ts';
import { produceEvents } from './produce-kafka.ts';
import type { PlatformEvent } from './model.ts';

const USAGE = `usage:
  generate [--scale N] [--seed S] [--postgres URL] [--kafka HOST:PORT,...] [--partitions N]
           [--malformed] [--truth FILE.jsonl] [--pglite DIR]
  demo     fill the embedded demo source (PGlite in .floe/demo/source)`;

const say = (msg: string) => process.stderr.write(`${msg}\n`);

async function generate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' },
      postgres: { type: 'string' }, kafka: { type: 'string' }, partitions: { type: 'string', default: '3' },
      malformed: { type: 'boolean', default: false }, truth: { type: 'string' }, pglite: { type: 'string' },
    },
  });
  const scale = Number(values.scale);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`--scale must be a positive whole number of images, got "${values.scale}"`);
  if (!values.postgres && !values.kafka && !values.pglite && !values.truth) {
    throw new Error('nothing to do: give --postgres, --kafka, --pglite and/or --truth');
  }
  const world = new World({ images: scale, seed: values.seed });
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  if (values.postgres) {
    const counts = await loadWorldIntoPostgres(world, values.postgres, (c) =>
      say(`postgres: ${Object.entries(c).map(([t, n]) => `${t} ${n}`).join(', ')} (${elapsed()})`));
    say(`postgres: loaded ${JSON.stringify(counts)}`);
  }
  if (values.pglite) {
    const { db, counts } = await loadWorldIntoPglite(world, values.pglite);
    await db.close();
    say(`pglite: loaded ${JSON.stringify(counts)} into ${values.pglite}`);
  }
  if (values.kafka || values.truth) {
    const truth = new WindowTruth();
    function* events(): Generator<PlatformEvent> {
      for (const e of world.events()) { truth.add(e); yield e; }
      if (values.malformed) yield* malformedEvents(values.seed!, world.options.start);
    }
    if (values.kafka) {
      const counts = await produceEvents(events(), {
        brokers: values.kafka.split(','), partitions: Number(values.partitions),
        onProgress: (n) => { if (n % 100_000 < 5000) say(`kafka: ${n} events (${elapsed()})`); },
      });
      say(`kafka: produced ${JSON.stringify(counts)}`);
    } else {
      for (const _ of events()); // only the ground truth was asked for
    }
    if (values.truth) await writeTruth(truth, values.truth);
  }
  say(`done in ${elapsed()}`);
}

async function writeTruth(truth: WindowTruth, file: string): Promise<void> {
  const out = createWriteStream(file);
  for (const topic of ['views', 'comments', 'flags'] as const) {
    for (const w of truth.windows(topic)) {
      const line = { topic, image_id: w.imageId, window_start: new Date(w.windowStart / 1000).toISOString(), event_count: w.count };
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  say(`truth: window counts in ${file}; events ${JSON.stringify(truth.events)}, flags on comments ${truth.flagsOnComments}`);
}

async function demo(): Promise<void> {
  const dir = resolve('.floe/demo/source');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const world = new World({ images: 2000, seed: 'demo' });
  const { db, counts } = await loadWorldIntoPglite(world, dir);
  await db.close();
  say(`Floe demo: synthetic GourmetGram source written to ${dir} (PGlite)`);
  say(`  ${Object.entries(counts).map(([t, n]) => `${t}: ${n}`).join(', ')}`);
  say('Next: the etl_moderation and verify pipelines will run on it (not built yet).');
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { generate, demo };
const run = command ? commands[command] : undefined;
if (!run) {
  say(USAGE);
  process.exit(2);
}
run(rest).catch((err: Error) => {
  say(`floe generator: ${err.message}`);
  process.exit(1);
});
