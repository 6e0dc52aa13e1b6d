import { describe, expect, it } from 'vitest';
import { commentEvent, flagEvent, malformedEvents, pythonIsoFormat, viewEvent } from '../../../core/demo/events.ts';

const t = (iso: string, micros = 0) => Date.parse(iso) * 1000 + micros;

describe('pythonIsoFormat', () => {
  it('writes microseconds like Python isoformat, and no fraction on a whole second', () => {
    expect(pythonIsoFormat(t('2026-03-10T12:00:01Z', 123456), false)).toBe('2026-03-10T12:00:01.123456');
    expect(pythonIsoFormat(t('2026-03-10T12:00:01Z', 5), true)).toBe('2026-03-10T12:00:01.000005+00:00');
    expect(pythonIsoFormat(t('2026-03-10T12:00:01Z'), false)).toBe('2026-03-10T12:00:01');
    expect(pythonIsoFormat(t('2026-03-10T12:00:01Z'), true)).toBe('2026-03-10T12:00:01+00:00');
  });

  it('handles times before the epoch without a negative fraction', () => {
    expect(pythonIsoFormat(t('1969-12-31T23:59:59Z', 500000), false)).toBe('1969-12-31T23:59:59.500000');
  });
});

describe('production event shapes', () => {
  const img = '0b6c5b7e-9d4f-4e0a-8a8e-1f2a3b4c5d6e';

  it('view events carry a naive viewed_at and are keyed by image', () => {
    const e = viewEvent(img, t('2026-03-10T12:00:01Z', 123456));
    expect(JSON.parse(e.value)).toEqual({ event_type: 'view', image_id: img, viewed_at: '2026-03-10T12:00:01.123456' });
    expect(e.key).toBe(img);
    expect(e.imageId).toBe(img);
  });

  it('comment events carry an offset created_at', () => {
    const e = commentEvent({ id: 'c1', image_id: img, user_id: 'u1', content: 'Tab\there', created_at: t('2026-03-10T12:05:00Z') });
    expect(JSON.parse(e.value)).toEqual({
      event_type: 'comment', comment_id: 'c1', image_id: img, user_id: 'u1', content: 'Tab\there', created_at: '2026-03-10T12:05:00+00:00',
    });
  });

  it('flags on comments have a null image_id and count toward no image', () => {
    const e = flagEvent({ id: 'f1', user_id: 'u1', image_id: null, comment_id: 'c1', reason: 'spam', created_at: t('2026-03-10T12:05:00Z') });
    expect(JSON.parse(e.value)).toMatchObject({ event_type: 'flag', image_id: null, comment_id: 'c1' });
    expect(e.imageId).toBeNull();
    expect(e.key).toBe('c1');
  });
});

describe('malformedEvents', () => {
  it('covers every reject reason, each on a real topic, none counting toward an image', () => {
    const corpus = malformedEvents(1, t('2026-03-10T00:00:00Z'));
    expect(new Set(corpus.map((e) => e.reason))).toEqual(new Set([
      'bad_json', 'missing_image_id', 'invalid_image_id', 'unparseable_time', 'flag_on_comment', 'unknown_event_type', 'oversize',
    ]));
    for (const e of corpus) expect(e.imageId).toBeNull();
  });

  it('makes bad_json events that really do not parse as an event object', () => {
    for (const e of malformedEvents(1, 0).filter((x) => x.reason === 'bad_json')) {
      let parsed: unknown;
      try { parsed = JSON.parse(e.value); } catch { parsed = undefined; }
      expect(parsed === undefined || typeof parsed !== 'object' || Array.isArray(parsed)).toBe(true);
    }
  });

  it('makes the oversize event larger than the given limit', () => {
    const big = malformedEvents(1, 0, 4096).find((e) => e.reason === 'oversize')!;
    expect(Buffer.byteLength(big.value)).toBeGreaterThan(4096);
  });
});
