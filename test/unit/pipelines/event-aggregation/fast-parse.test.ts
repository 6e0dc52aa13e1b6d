import { describe, expect, it } from 'vitest';
import { World } from '../../../../core/demo/generator.ts';
import { malformedEvents } from '../../../../core/demo/events.ts';
import { Rng } from '../../../../core/demo/random.ts';
import { parseEventTime, parseEventTimeBytes } from '../../../../core/pipelines/event-aggregation/event-time.ts';
import { FastEventParser } from '../../../../core/pipelines/event-aggregation/fast-parse.ts';
import { ImageIds } from '../../../../core/pipelines/event-aggregation/image-ids.ts';
import { parseEvent, type EventKind } from '../../../../core/pipelines/event-aggregation/parse-event.ts';

const KINDS: EventKind[] = ['views', 'comments', 'flags'];
const MAX = 4096;
const img = '0B6C5B7E-9D4F-4E0A-8A8E-1F2A3B4C5D6E';

/**
 * The fast path may only say "counts" where parseEvent says the same image and time; returns
 * whether it decided. Each value is placed inside a larger buffer, so reading past its end shows.
 */
function agrees(p: FastEventParser, ids: ImageIds, kind: EventKind, value: Buffer): boolean {
  const framed = Buffer.concat([Buffer.from('"x\\u0041'), value, Buffer.from('"}{"image_id":"0b6c5b7e-9d4f-4e0a-8a8e-1f2a3b4c5d6e"}')]);
  const decided = p.parse(framed, 8, 8 + value.length);
  const general = parseEvent(kind, value, MAX);
  if (decided) {
    const what = `${kind}: ${value.toString('latin1').slice(0, 200)}`;
    expect(general, what).toEqual({ imageId: ids.idOf(p.image), time: p.time });
  }
  return decided;
}

function corpus(): { kind: EventKind; value: Buffer }[] {
  const out: { kind: EventKind; value: Buffer }[] = [];
  for (const e of new World({ images: 40, seed: 'fast-parse' }).events()) out.push({ kind: e.topic, value: Buffer.from(e.value) });
  for (const m of malformedEvents('fast-parse', Date.UTC(2026, 2, 10) * 1000, 5000)) out.push({ kind: m.topic, value: Buffer.from(m.value) });
  const at = '2026-03-10T12:00:01.123456';
  const odd = [
    `{"event_type": "view", "image_id": "${img}", "viewed_at": "${at}"}`, // Python's spacing
    ` \t{\n"viewed_at":"${at}" , "image_id" : "${img}","event_type":"view"}\r\n`, // any JSON whitespace, any order
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","extra":null,"more":"a\\"b\\\\c\\u00e9\\n"}`,
    `{"event_type":"view","image_id":"x","image_id":"${img}","viewed_at":"${at}"}`, // the last duplicate wins
    `{"event_type":"view","image_id":"${img}","image_id":null,"viewed_at":"${at}"}`,
    `{"event_type":"view","image_id":"\\u0030b6c5b7e-9d4f-4e0a-8a8e-1f2a3b4c5d6e","viewed_at":"${at}"}`, // an escape in a read field
    `{"event_type":"vie\\u0077","image_id":"${img}","viewed_at":"${at}"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"2026-03-10T12:00:01\\u002b00:00"}`,
    `{"event_\\u0074ype":"view","image_id":"${img}","viewed_at":"${at}"}`, // an escaped key
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","n":1}`, // numbers, nesting, booleans: parseEvent decides
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","o":{"a":"b"}}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}"} trailing`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}",}`,
    `\ufeff{"event_type":"view","image_id":"${img}","viewed_at":"${at}"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","c":"tab\there"}`, // a raw control character: not JSON
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","c":"bad \\x escape"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"${at}","c":"short \\u12"}`,
    `{"event_type":"view","image_id":"${img}0","viewed_at":"${at}"}`,
    `{"event_type":"view","image_id":"${img.replace('-', 'g')}","viewed_at":"${at}"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"2026-02-29T00:00:00"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"2028-02-29 23:59:59.5-0130"}`,
    `{"event_type":"view","image_id":"${img}","viewed_at":"2026-03-10T12:00:01.1234567891"}`,
    `{"event_type":"comment","image_id":"${img}","created_at":"2026-03-10T12:00:01Z","content":"Где это? 🍜 \\"q\\""}`,
    `{"event_type":"flag","image_id":null,"comment_id":"c","created_at":"2026-03-10T12:00:01+00:00"}`,
    '{}', '[]', 'null', '"view"', '',
  ];
  for (const v of odd) for (const kind of KINDS) out.push({ kind, value: Buffer.from(v) });
  // Not UTF-8 at all around the fields that are read.
  out.push({ kind: 'views', value: Buffer.concat([Buffer.from(`{"event_type":"view","image_id":"${img}","viewed_at":"${at}","c":"`), Buffer.from([0xc3, 0xff, 0xe2, 0x80]), Buffer.from('"}')]) });
  return out;
}

describe('FastEventParser', () => {
  it('agrees with parseEvent on every event it decides, and decides every production event', () => {
    const ids = new ImageIds();
    const parsers = Object.fromEntries(KINDS.map((k) => [k, new FastEventParser(k, ids, MAX)])) as Record<EventKind, FastEventParser>;
    const events = corpus();
    // Twice: the first pass learns templates from the shapes it meets, the second matches them.
    for (let pass = 0; pass < 2; pass++) {
      for (const { kind, value } of events) agrees(parsers[kind], ids, kind, value);
    }
    const production = [...new World({ images: 40, seed: 'fast-parse' }).events()].filter((e) => e.imageId !== null);
    for (const e of production) expect(parsers[e.topic].parse(Buffer.from(e.value), 0, Buffer.byteLength(e.value)), e.value).toBe(true);
  });

  it('never decides a cut-off event, with or without a learned template', () => {
    const ids = new ImageIds();
    const p = new FastEventParser('comments', ids, MAX);
    const events = [...new World({ images: 5, seed: 'cut' }).events()].filter((e) => e.topic === 'comments');
    for (const e of events) {
      const value = Buffer.from(e.value);
      expect(agrees(p, ids, 'comments', value)).toBe(true);
      for (let n = 0; n < value.length; n++) expect(agrees(p, ids, 'comments', value.subarray(0, n)), `${n} bytes of ${e.value}`).toBe(false);
    }
  });

  it('agrees with parseEvent on thousands of randomly damaged events', () => {
    const rng = new Rng('fast-parse-fuzz');
    const ids = new ImageIds();
    const parsers = Object.fromEntries(KINDS.map((k) => [k, new FastEventParser(k, ids, MAX)])) as Record<EventKind, FastEventParser>;
    const events = [...new World({ images: 20, seed: 'fuzz' }).events()];
    const alphabet = Buffer.from('{}[]":,\\ \tu0aAzZ-+.:T9nul');
    let decided = 0;
    for (let i = 0; i < 20_000; i++) {
      const e = events[rng.int(events.length)]!;
      const value = Buffer.from(e.value);
      for (let k = rng.int(3); k >= 0; k--) {
        const at = rng.int(value.length);
        value[at] = rng.chance(0.8) ? alphabet[rng.int(alphabet.length)]! : rng.int(256);
      }
      if (agrees(parsers[e.topic], ids, e.topic, value)) decided++;
    }
    expect(decided).toBeGreaterThan(500); // damage that misses the fields read leaves events to decide: those must still be right
  });

  it('leaves oversize and null values to parseEvent', () => {
    const p = new FastEventParser('views', new ImageIds(), 10);
    const v = Buffer.from(`{"event_type":"view","image_id":"${img}","viewed_at":"2026-03-10T12:00:01"}`);
    expect(p.parse(v, 0, v.length)).toBe(false);
    expect(p.parse(v, -1, -1)).toBe(false);
  });
});

describe('parseEventTimeBytes', () => {
  it('gives exactly what parseEventTime gives, on valid, edge and damaged times', () => {
    const rng = new Rng('event-time-bytes');
    const base = ['2026-03-10T12:00:01.123456', '2026-03-10 12:00:01', '2026-03-10T12:00', '2026-03-10T12:00:01Z', '2026-03-10T12:00:01+02:30',
      '2026-03-10T12:00:01-0500', '2026-03-10T12:00:01.5+00:00', '2026-03-10T12:00:01.123456789Z', '2024-02-29T23:59:59', '0099-01-01T00:00:00'];
    const alphabet = '0123456789-:T .Z+zt';
    const samples = [...base, '', '2026-03-10', '2026-02-30T00:00:00', '2026-03-10T24:00:00', '2026-03-10T12:60:00', '2026-03-10T12:00:60',
      '2026-03-10T12:00:01.', '2026-03-10T12:00:01.1234567890', '2026-03-10T12:00:01+24:00', '2026-03-10T12:00:01+02:3', '2026-03-10T12:00:01+0230x'];
    for (let i = 0; i < 50_000; i++) {
      const s = [...base[rng.int(base.length)]!];
      for (let k = rng.int(3); k >= 0; k--) {
        const op = rng.int(3);
        const at = rng.int(s.length + 1);
        if (op === 0) s.splice(at, 1);
        else if (op === 1) s.splice(at, 0, alphabet[rng.int(alphabet.length)]!);
        else s[at] = alphabet[rng.int(alphabet.length)]!;
      }
      samples.push(s.join(''));
    }
    for (const s of samples) {
      const framed = Buffer.from(`9${s}99`);
      const fast = parseEventTimeBytes(framed, 1, 1 + s.length);
      expect(Number.isNaN(fast) ? null : fast, s).toBe(parseEventTime(s));
    }
  });
});
