/**
 * One Kafka message to (image, event time), or the reason it cannot count. The production
 * contracts are in DESIGN.md ("Kafka topics"); every other shape is a reject, counted and kept.
 * `parseEvent` is the definition; `FastEventParser` (fast-parse.ts) gives the same answers for
 * well-formed events straight from the bytes and leaves everything else to it.
 */
import { parseEventTime } from './event-time.ts';

export type EventKind = 'views' | 'comments' | 'flags';

export type RejectReason =
  | 'bad_json' | 'missing_image_id' | 'invalid_image_id' | 'unparseable_time'
  | 'flag_on_comment' | 'unknown_event_type' | 'oversize';

export const REJECT_REASONS: readonly RejectReason[] = [
  'bad_json', 'missing_image_id', 'invalid_image_id', 'unparseable_time', 'flag_on_comment', 'unknown_event_type', 'oversize',
];

export type ParsedEvent = { imageId: string; time: number } | { reject: RejectReason };

export const EVENT_TYPE: Record<EventKind, string> = { views: 'view', comments: 'comment', flags: 'flag' };
export const TIME_FIELD: Record<EventKind, string> = { views: 'viewed_at', comments: 'created_at', flags: 'created_at' };
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function parseEvent(kind: EventKind, value: Buffer | null, maxBytes: number): ParsedEvent {
  if (value === null || value.length === 0) return { reject: 'bad_json' };
  if (value.length > maxBytes) return { reject: 'oversize' };
  let e: unknown;
  try {
    e = JSON.parse(value.toString('utf8'));
  } catch {
    return { reject: 'bad_json' };
  }
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return { reject: 'bad_json' };
  const event = e as Record<string, unknown>;
  if (event.event_type !== EVENT_TYPE[kind]) return { reject: 'unknown_event_type' };
  const imageId = event.image_id;
  if (imageId === undefined || imageId === null) {
    return { reject: kind === 'flags' && typeof event.comment_id === 'string' ? 'flag_on_comment' : 'missing_image_id' };
  }
  if (typeof imageId !== 'string' || !UUID.test(imageId)) return { reject: 'invalid_image_id' };
  const time = parseEventTime(event[TIME_FIELD[kind]]);
  if (time === null) return { reject: 'unparseable_time' };
  return { imageId: imageId.toLowerCase(), time };
}
