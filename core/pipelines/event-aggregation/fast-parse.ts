/**
 * The hot path of event parsing: events read straight from the message bytes, the image interned
 * without making a string. It only ever says "counts" (true, with `image` and `time` set) for
 * values on which parseEvent says the same; for anything else (rejects, escapes in a field it
 * reads, numbers, nesting) it says "not decided" (false), and the caller asks parseEvent.
 *
 * Two levels. A scanner reads any flat JSON object of strings and nulls. From each event it
 * accepts, it learns the event's shape as a template: the bytes between the values it reads
 * (keys, punctuation, spacing, the event type) as literals, the values as slots. A producer
 * writes every event of a topic in one or two shapes, so nearly all events are then matched by
 * comparing literals and reading the slots once, which is about twice as fast as scanning.
 */
import { parseEventTimeBytes } from './event-time.ts';
import type { ImageIds } from './image-ids.ts';
import { EVENT_TYPE, TIME_FIELD, type EventKind } from './parse-event.ts';

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, OPEN = 0x7b, CLOSE = 0x7d;
const SIMPLE_ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;
const isHex = (c: number | undefined) => c !== undefined && ((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102));
const KEY_EVENT_TYPE = Buffer.from('event_type');
const KEY_IMAGE_ID = Buffer.from('image_id');
const UUID_BYTES = 36;

/** Slot kinds of a template. */
const STRING = 0, IMAGE = 1, TIME = 2;
const MAX_TEMPLATES = 4;

interface Template {
  /** literals[k] comes before slot k; the last literal ends the value. */
  literals: Uint8Array[];
  slots: number[];
}

function skipSpace(d: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = d[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

const equal = (d: Uint8Array, at: number, length: number, word: Uint8Array) => {
  if (length !== word.length) return false;
  for (let k = 0; k < length; k++) if (d[at + k] !== word[k]) return false;
  return true;
};

/**
 * The end of a JSON string's content starting at `i` (the index of its closing quote), or -1 if
 * it is not a valid JSON string before `end`. `escapes` reports whether it has any.
 */
function stringEnd(d: Uint8Array, i: number, end: number, escapes: { any: boolean }): number {
  while (i < end) {
    const c = d[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      escapes.any = true;
      const e = d[i + 1]!;
      if (e === 0x75) {
        if (!isHex(d[i + 2]) || !isHex(d[i + 3]) || !isHex(d[i + 4]) || !isHex(d[i + 5])) return -1;
        i += 6;
      } else if (i + 1 < end && SIMPLE_ESCAPES[e] === 1) {
        i += 2;
      } else {
        return -1;
      }
      continue;
    }
    if (c < 0x20) return -1;
    i++;
  }
  return -1;
}

export class FastEventParser {
  image = -1;
  time = 0;
  private readonly type: Buffer;
  private readonly timeKey: Buffer;
  private readonly templates: Template[] = [];
  private nextTemplate = 0;
  private readonly escapes = { any: false };

  constructor(kind: EventKind, private readonly ids: ImageIds, private readonly maxBytes: number) {
    this.type = Buffer.from(EVENT_TYPE[kind]);
    this.timeKey = Buffer.from(TIME_FIELD[kind]);
  }

  parse(d: Uint8Array, start: number, end: number): boolean {
    if (start < 0 || end - start > this.maxBytes) return false;
    for (let t = 0; t < this.templates.length; t++) if (this.match(this.templates[t]!, d, start, end)) return true;
    return this.scan(d, start, end);
  }

  private match(t: Template, d: Uint8Array, start: number, end: number): boolean {
    let i = start;
    let imageAt = -1, time = NaN;
    const { literals, slots } = t;
    for (let k = 0; ; k++) {
      const literal = literals[k]!;
      const n = literal.length;
      if (i + n > end) return false;
      for (let b = 0; b < n; b++) if (d[i + b] !== literal[b]) return false;
      i += n;
      if (k === slots.length) break;
      const slot = slots[k];
      if (slot === IMAGE) {
        imageAt = i;
        i += UUID_BYTES; // the next literal starts with the closing quote: a longer value fails there
      } else if (slot === TIME) {
        const at = i;
        while (i < end && d[i] !== QUOTE && d[i] !== BACKSLASH) i++;
        time = parseEventTimeBytes(d, at, i);
        if (Number.isNaN(time)) return false;
      } else {
        this.escapes.any = false;
        i = stringEnd(d, i, end, this.escapes);
        if (i < 0) return false;
      }
    }
    if (i !== end || !this.ids.read(d, imageAt)) return false;
    this.image = this.ids.interned();
    this.time = time;
    return true;
  }

  /** A flat JSON object of strings and nulls, member by member. */
  private scan(d: Uint8Array, start: number, end: number): boolean {
    // The string values read, for learning a template: where each lies and which slot it becomes.
    const members: { at: number; end: number; slot: number }[] = [];
    let i = skipSpace(d, start, end);
    if (i >= end || d[i] !== OPEN) return false;
    i = skipSpace(d, i + 1, end);
    // Where each field's value lies; -2 for a null or an escaped string (decided by parseEvent).
    let typeAt = -1, typeEnd = -1, imageAt = -1, imageEnd = -1, timeAt = -1, timeEnd = -1;
    let seen = 0;
    for (;;) {
      if (i >= end || d[i] !== QUOTE) return false;
      const keyAt = ++i;
      while (i < end && d[i] !== QUOTE) {
        if (d[i] === BACKSLASH || d[i]! < 0x20) return false;
        i++;
      }
      if (i >= end) return false;
      const keyLength = i - keyAt;
      i = skipSpace(d, i + 1, end);
      if (i >= end || d[i] !== COLON) return false;
      i = skipSpace(d, i + 1, end);
      let at = -2, to = -2, valueAt = -1;
      if (d[i] === QUOTE) {
        valueAt = i + 1;
        this.escapes.any = false;
        const close = stringEnd(d, valueAt, end, this.escapes);
        if (close < 0) return false;
        if (!this.escapes.any) { at = valueAt; to = close; }
        i = close + 1;
      } else if (end - i >= 4 && d[i] === 0x6e && d[i + 1] === 0x75 && d[i + 2] === 0x6c && d[i + 3] === 0x6c) {
        i += 4;
      } else {
        return false;
      }
      // The last occurrence of a key wins, as in JSON.parse.
      let slot = valueAt < 0 ? -1 : STRING;
      if (equal(d, keyAt, keyLength, KEY_EVENT_TYPE)) { typeAt = at; typeEnd = to; slot = -1; seen++; }
      else if (equal(d, keyAt, keyLength, KEY_IMAGE_ID)) { imageAt = at; imageEnd = to; slot = IMAGE; seen++; }
      else if (equal(d, keyAt, keyLength, this.timeKey)) { timeAt = at; timeEnd = to; slot = TIME; seen++; }
      if (slot >= 0) members.push({ at: valueAt, end: i - 1, slot });
      i = skipSpace(d, i, end);
      if (i < end && d[i] === COMMA) { i = skipSpace(d, i + 1, end); continue; }
      if (i < end && d[i] === CLOSE) break;
      return false;
    }
    if (skipSpace(d, i + 1, end) !== end) return false;
    if (typeAt < 0 || imageAt < 0 || timeAt < 0) return false;
    if (!equal(d, typeAt, typeEnd - typeAt, this.type) || imageEnd - imageAt !== UUID_BYTES) return false;
    const time = parseEventTimeBytes(d, timeAt, timeEnd);
    if (Number.isNaN(time) || !this.ids.read(d, imageAt)) return false;
    this.image = this.ids.interned();
    this.time = time;
    if (seen === 3) this.learn(d, start, end, members);
    return true;
  }

  /** The accepted event's shape as a template (only when each field it reads occurs once). */
  private learn(d: Uint8Array, start: number, end: number, members: { at: number; end: number; slot: number }[]): void {
    const literals: Uint8Array[] = [];
    let from = start;
    for (const m of members) {
      literals.push(Uint8Array.from(d.subarray(from, m.at)));
      from = m.end;
    }
    literals.push(Uint8Array.from(d.subarray(from, end)));
    const template = { literals, slots: members.map((m) => m.slot) };
    if (this.templates.length < MAX_TEMPLATES) this.templates.push(template);
    else this.templates[this.nextTemplate++ % MAX_TEMPLATES] = template;
  }
}
