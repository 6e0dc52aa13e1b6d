/**
 * Platform events exactly as the production producer writes them (DESIGN.md, "Kafka topics"):
 * Python's isoformat, so `viewed_at` is naive (it is UTC) and the others end in `+00:00`, and a
 * time on a whole second has no fraction at all.
 */
import { Rng } from './random.ts';
import type { CommentRow, EventTopic, FlagRow, Micros, PlatformEvent } from './model.ts';
import type { RejectReason } from '../pipelines/event-aggregation/parse-event.ts';

export type { RejectReason };

export const TOPIC_NAMES: Record<EventTopic, string> = {
  views: 'gourmetgram.views',
  comments: 'gourmetgram.comments',
  flags: 'gourmetgram.flags',
};

/** Python's `datetime.isoformat()` of a UTC time, naive or with `+00:00`. */
export function pythonIsoFormat(t: Micros, withOffset: boolean): string {
  const micros = ((t % 1_000_000) + 1_000_000) % 1_000_000;
  const base = new Date((t - micros) / 1000).toISOString().slice(0, 19);
  const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`;
  return base + fraction + (withOffset ? '+00:00' : '');
}

export function viewEvent(imageId: string, viewedAt: Micros): PlatformEvent {
  const value = JSON.stringify({ event_type: 'view', image_id: imageId, viewed_at: pythonIsoFormat(viewedAt, false) });
  return { topic: 'views', key: imageId, value, time: viewedAt, imageId };
}

export function commentEvent(c: CommentRow): PlatformEvent {
  const value = JSON.stringify({
    event_type: 'comment', comment_id: c.id, image_id: c.image_id, user_id: c.user_id,
    content: c.content, created_at: pythonIsoFormat(c.created_at, true),
  });
  return { topic: 'comments', key: c.image_id, value, time: c.created_at, imageId: c.image_id };
}

export function flagEvent(f: FlagRow): PlatformEvent {
  const value = JSON.stringify({
    event_type: 'flag', flag_id: f.id, user_id: f.user_id, image_id: f.image_id, comment_id: f.comment_id,
    reason: f.reason, created_at: pythonIsoFormat(f.created_at, true),
  });
  return { topic: 'flags', key: f.image_id ?? f.comment_id ?? f.id, value, time: f.created_at, imageId: f.image_id };
}


export interface MalformedEvent extends PlatformEvent {
  reason: RejectReason;
}

/**
 * A corpus of unusable events, each tagged with the reason a correct consumer must give. The
 * flags on comments that the world itself produces are rejects too (reason `flag_on_comment`);
 * they are not repeated here.
 */
export function malformedEvents(seed: number | string, at: Micros, oversizeBytes = 2 * 1024 * 1024): MalformedEvent[] {
  const rng = new Rng(seed, 'malformed');
  const img = () => rng.uuid();
  const naive = pythonIsoFormat(at, false);
  const aware = pythonIsoFormat(at, true);
  const out: MalformedEvent[] = [];
  const add = (topic: EventTopic, reason: RejectReason, value: string) =>
    out.push({ topic, key: `malformed-${out.length}`, value, time: at, imageId: null, reason });

  add('views', 'bad_json', '{"event_type":"view","image_id":');
  add('views', 'bad_json', 'not json at all');
  add('comments', 'bad_json', '');
  add('flags', 'bad_json', '[1, 2, 3]');
  add('views', 'bad_json', '"a bare string"');
  add('views', 'missing_image_id', JSON.stringify({ event_type: 'view', viewed_at: naive }));
  add('comments', 'missing_image_id', JSON.stringify({ event_type: 'comment', comment_id: img(), image_id: null, user_id: img(), content: 'x', created_at: aware }));
  add('views', 'invalid_image_id', JSON.stringify({ event_type: 'view', image_id: 'not-a-uuid', viewed_at: naive }));
  add('views', 'invalid_image_id', JSON.stringify({ event_type: 'view', image_id: 12345, viewed_at: naive }));
  add('views', 'unparseable_time', JSON.stringify({ event_type: 'view', image_id: img(), viewed_at: 'yesterday' }));
  add('views', 'unparseable_time', JSON.stringify({ event_type: 'view', image_id: img(), viewed_at: '2026-13-40T99:00:00' }));
  add('views', 'unparseable_time', JSON.stringify({ event_type: 'view', image_id: img() }));
  add('comments', 'unparseable_time', JSON.stringify({ event_type: 'comment', comment_id: img(), image_id: img(), user_id: img(), content: 'x', created_at: 1773144001 }));
  add('flags', 'flag_on_comment', JSON.stringify({ event_type: 'flag', flag_id: img(), user_id: img(), image_id: null, comment_id: img(), reason: 'spam', created_at: aware }));
  add('views', 'unknown_event_type', JSON.stringify({ event_type: 'like', image_id: img(), viewed_at: naive }));
  add('comments', 'unknown_event_type', JSON.stringify({ event_type: 'view', image_id: img(), viewed_at: naive }));
  add('views', 'oversize', JSON.stringify({ event_type: 'view', image_id: img(), viewed_at: naive, padding: 'x'.repeat(oversizeBytes) }));
  return out;
}
