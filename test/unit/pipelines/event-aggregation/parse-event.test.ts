import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../../core/pipelines/event-aggregation/parse-event.ts';
import { malformedEvents, viewEvent } from '../../../../core/demo/events.ts';

const img = '0B6C5B7E-9D4F-4E0A-8A8E-1F2A3B4C5D6E';
const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('parseEvent', () => {
  it('reads the production view, comment and flag events, lower-casing the image id', () => {
    expect(parseEvent('views', b({ event_type: 'view', image_id: img, viewed_at: '2026-03-10T12:00:01.123456' }), 1e6))
      .toEqual({ imageId: img.toLowerCase(), time: Date.parse('2026-03-10T12:00:01Z') * 1000 + 123456 });
    expect(parseEvent('comments', b({ event_type: 'comment', comment_id: 'c', image_id: img, user_id: 'u', content: 'x', created_at: '2026-03-10T12:00:01+00:00' }), 1e6))
      .toMatchObject({ imageId: img.toLowerCase() });
    expect(parseEvent('flags', b({ event_type: 'flag', flag_id: 'f', user_id: 'u', image_id: img, comment_id: null, reason: 'spam', created_at: '2026-03-10T12:00:01+00:00' }), 1e6))
      .toMatchObject({ imageId: img.toLowerCase() });
  });

  it('gives the generator corpus exactly the reasons it was made with', () => {
    for (const m of malformedEvents(3, Date.UTC(2026, 2, 10) * 1000, 5000)) {
      expect(parseEvent(m.topic, Buffer.from(m.value), 4096), `${m.reason}: ${m.value.slice(0, 60)}`).toEqual({ reject: m.reason });
    }
  });

  it('rejects an empty or null value as bad JSON and an event of another topic as unknown', () => {
    expect(parseEvent('views', null, 1e6)).toEqual({ reject: 'bad_json' });
    expect(parseEvent('views', Buffer.alloc(0), 1e6)).toEqual({ reject: 'bad_json' });
    const view = viewEvent(img.toLowerCase(), 0);
    expect(parseEvent('comments', Buffer.from(view.value), 1e6)).toEqual({ reject: 'unknown_event_type' });
  });

  it('tells a flag on a comment from a flag that lost its image', () => {
    expect(parseEvent('flags', b({ event_type: 'flag', image_id: null, comment_id: 'c1', created_at: '2026-03-10T12:00:01+00:00' }), 1e6)).toEqual({ reject: 'flag_on_comment' });
    expect(parseEvent('flags', b({ event_type: 'flag', image_id: null, comment_id: null, created_at: '2026-03-10T12:00:01+00:00' }), 1e6)).toEqual({ reject: 'missing_image_id' });
  });
});
