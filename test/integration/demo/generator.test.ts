import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { World } from '../../../core/demo/generator.ts';
import { WindowTruth, type WindowCount } from '../../../core/demo/ground-truth.ts';
import { malformedEvents } from '../../../core/demo/events.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { loadWorldIntoPglite } from '../../../core/demo/load-pglite.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import { SOURCE_TABLES, type EventTopic, type SourceRow } from '../../../core/demo/model.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import { readWholeTopic } from '../kafka-read.ts';

const world = new World({ images: 400, seed: 'integration' });
const expectedRows = [...world.tableRows()];
const count = (table: SourceRow['table']) => expectedRows.filter((r) => r.table === table).length;

// A table's rows in one canonical text, computed by the database itself.
const digestSql = (t: string) => `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) AS digest FROM ${t} x`;

describe('synthetic data lands in the real services exactly as generated', () => {
  let db: pg.Client;
  beforeAll(async () => {
    const url = await freshDatabase('generator');
    const loaded = await loadWorldIntoPostgres(world, url);
    for (const t of SOURCE_TABLES) expect(loaded[t]).toBe(count(t));
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query("SET TimeZone = 'UTC'");
  });
  afterAll(() => db.end());

  it('loads every row of the five tables into Postgres with COPY, keys added', async () => {
    for (const t of SOURCE_TABLES) {
      const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
      expect(r.rows[0]!.n, t).toBe(count(t));
    }
    const pk = await db.query("SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace");
    expect(pk.rows[0].n).toBe(5);
  });

  it('keeps text byte for byte (emoji, CJK, tabs, newlines, backslashes) and nulls as nulls', async () => {
    const images = expectedRows.filter((r): r is Extract<SourceRow, { table: 'images' }> => r.table === 'images').map((r) => r.row);
    const got = await db.query<{ id: string; caption: string | null; category: string | null }>('SELECT id::text, caption, category FROM images');
    const byId = new Map(got.rows.map((r) => [r.id, r]));
    for (const im of images) {
      expect(byId.get(im.id)).toEqual({ id: im.id, caption: im.caption, category: im.category });
    }
    const comments = await db.query<{ content: string }>("SELECT content FROM comments WHERE content LIKE E'%\\t%' OR content LIKE E'%\\n%' OR content LIKE E'%\\\\\\\\%'");
    expect(comments.rows.length).toBeGreaterThan(0);
  });

  it('keeps times to the microsecond', async () => {
    const first = world.activity(0).image;
    const r = await db.query<{ us: string }>('SELECT (extract(epoch FROM uploaded_at) * 1000000)::bigint::text AS us FROM images WHERE id = $1', [first.id]);
    expect(Number(r.rows[0]!.us)).toBe(first.uploaded_at);
  });

  it('agrees with its own counters: images.views is the number of view events, milestones follow views', async () => {
    const views = await db.query<{ n: string }>('SELECT sum(views)::text AS n FROM images');
    const truth = new WindowTruth();
    for (const e of world.events()) truth.add(e);
    expect(Number(views.rows[0]!.n)).toBe(truth.events.views);
    const bad = await db.query(`SELECT m.id FROM image_milestones m JOIN images i ON i.id = m.image_id
      WHERE m.milestone_type = 'views' AND (m.milestone_value > i.views OR m.reached_at < i.uploaded_at)`);
    expect(bad.rows).toEqual([]);
  });

  it('fills PGlite (the embedded default) with the same rows as Postgres', async () => {
    const { db: lite } = await loadWorldIntoPglite(world);
    try {
      await lite.exec("SET TimeZone = 'UTC'");
      for (const t of SOURCE_TABLES) {
        const a = await db.query(digestSql(t));
        const b = await lite.query(digestSql(t));
        expect(b.rows[0], t).toEqual(a.rows[0]);
      }
    } finally {
      await lite.close();
    }
  });
});

/** Windows computed from the consumed JSON, independently of the generator's event times. */
function windowsFromMessages(values: string[]): WindowCount[] {
  const counts = new Map<string, number>();
  for (const v of values) {
    const e = JSON.parse(v) as { image_id: string | null; viewed_at?: string; created_at?: string };
    if (e.image_id === null) continue;
    const text = (e.viewed_at ?? e.created_at)!;
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{6}))?(\+00:00)?$/.exec(text);
    if (!m) throw new Error(`unexpected time format ${text}`);
    const micros = Date.parse(`${m[1]}Z`) * 1000 + Number(m[2] ?? 0);
    const start = micros - (micros % 300_000_000);
    counts.set(`${e.image_id}|${start}`, (counts.get(`${e.image_id}|${start}`) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => {
    const [imageId, s] = k.split('|') as [string, string];
    return { imageId, windowStart: Number(s), windowEnd: Number(s) + 300_000_000, count: n };
  }).sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : a.windowStart - b.windowStart));
}

describe('synthetic events land in Kafka as generated', () => {
  it('produces gzip batches over 3 partitions whose window counts equal the ground truth, malformed events kept apart', async () => {
    const brokers = testBed().kafkaBrokers;
    const base = uniqueName('gg');
    const topics: Record<EventTopic, string> = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
    const truth = new WindowTruth();
    const malformed = malformedEvents('integration', world.options.start);
    const events = [...world.events()];
    for (const e of events) truth.add(e);
    const produced = await produceEvents([...events, ...malformed], { brokers, topics, partitions: 3, batchSize: 2000 });
    for (const t of ['views', 'comments', 'flags'] as const) {
      expect(produced[t]).toBe(truth.events[t] + malformed.filter((m) => m.topic === t).length);
    }

    for (const topic of ['views', 'comments', 'flags'] as const) {
      const read = await readWholeTopic(brokers, topics[topic]);
      expect(new Set(read.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
      const bad = new Set(malformed.filter((m) => m.topic === topic).map((m) => m.value));
      const good = read.map((m) => m.value).filter((v) => !bad.has(v));
      expect(read.length - good.length).toBe(bad.size);
      expect(windowsFromMessages(good)).toEqual(truth.windows(topic));
    }
  });
});
