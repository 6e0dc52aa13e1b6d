/**
 * What a correct event_aggregation must produce from a set of events, computed straight from
 * the generator's event times (never from the JSON), so tests compare two independent paths.
 */
import { MICROS_PER_MINUTE, type EventTopic, type Micros, type PlatformEvent } from './model.ts';

export interface WindowCount {
  imageId: string;
  windowStart: Micros;
  windowEnd: Micros;
  count: number;
}

export class WindowTruth {
  readonly windowMicros: Micros;
  private readonly counts: Record<EventTopic, Map<string, number>> = { views: new Map(), comments: new Map(), flags: new Map() };
  /** Events per topic, including those that count toward no window. */
  readonly events: Record<EventTopic, number> = { views: 0, comments: 0, flags: 0 };
  /** Flags whose image_id is null: rejected by the consumer as `flag_on_comment`. */
  flagsOnComments = 0;

  constructor(windowMinutes = 5) {
    this.windowMicros = windowMinutes * MICROS_PER_MINUTE;
  }

  add(e: PlatformEvent): void {
    this.events[e.topic]++;
    if (e.imageId === null) {
      this.flagsOnComments++;
      return;
    }
    const start = e.time - (((e.time % this.windowMicros) + this.windowMicros) % this.windowMicros);
    const key = `${e.imageId}|${start}`;
    const m = this.counts[e.topic];
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /** The (image, window) counts of a topic, sorted by image then window. */
  windows(topic: EventTopic): WindowCount[] {
    const out: WindowCount[] = [];
    for (const [key, count] of this.counts[topic]) {
      const [imageId, start] = key.split('|') as [string, string];
      const windowStart = Number(start);
      out.push({ imageId, windowStart, windowEnd: windowStart + this.windowMicros, count });
    }
    return out.sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : a.windowStart - b.windowStart));
  }
}
