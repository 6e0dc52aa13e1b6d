import { describe, expect, it } from 'vitest';
import { World } from '../../../core/demo/generator.ts';
import { FOOD11_CATEGORIES, MICROS_PER_DAY, type SourceRow } from '../../../core/demo/model.ts';

const world = new World({ images: 3000, seed: 'unit' });
const rows = [...world.tableRows()];
const of = <T extends SourceRow['table']>(table: T) =>
  rows.filter((r) => r.table === table).map((r) => r.row as Extract<SourceRow, { table: T }>['row']);
const users = of('users'), images = of('images'), comments = of('comments'), flags = of('flags'), milestones = of('image_milestones');

describe('World', () => {
  it('is deterministic: the same seed gives the same rows and events, another seed other rows', () => {
    const again = new World({ images: 3000, seed: 'unit' });
    expect([...again.tableRows()]).toEqual(rows);
    expect([...again.events()].slice(0, 50)).toEqual([...world.events()].slice(0, 50));
    expect(new World({ images: 10, seed: 'other' }).activity(0).image.id).not.toBe(world.activity(0).image.id);
  });

  it('scales users with images and keeps ids unique', () => {
    expect(users).toHaveLength(300);
    expect(images).toHaveLength(3000);
    for (const table of [users, images, comments, flags, milestones]) {
      expect(new Set(table.map((r) => r.id)).size).toBe(table.length);
    }
    expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
  });

  it('uploads images in time order over the span, some exactly on a 5-minute boundary', () => {
    for (let i = 1; i < images.length; i++) expect(images[i]!.uploaded_at).toBeGreaterThan(images[i - 1]!.uploaded_at);
    expect(images.at(-1)!.uploaded_at - images[0]!.uploaded_at).toBeLessThanOrEqual(7 * MICROS_PER_DAY);
    expect(images.some((im) => im.uploaded_at % (5 * 60_000_000) === 0)).toBe(true);
  });

  it('covers all Food-11 categories, null categories, null and empty captions, emoji and non-Latin text', () => {
    expect(new Set(images.map((im) => im.category))).toEqual(new Set([...FOOD11_CATEGORIES, null]));
    const captions = images.map((im) => im.caption);
    expect(captions).toContain(null);
    expect(captions).toContain('');
    expect(captions.some((c) => c !== null && /\p{Extended_Pictographic}/u.test(c))).toBe(true);
    expect(captions.some((c) => c !== null && /[\u0400-\u04FF\u3040-\u30FF\u4E00-\u9FFF]/.test(c))).toBe(true);
  });

  it('has orphan images, whose user is missing, and users without created_at', () => {
    const userIds = new Set(users.map((u) => u.id));
    const orphans = images.filter((im) => !userIds.has(im.user_id));
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans.length).toBeLessThan(images.length * 0.05);
    expect(users.some((u) => u.created_at === null)).toBe(true);
  });

  it('has flags on images inside and outside the 24 h horizon, exactly on it, and flags on comments', () => {
    const uploaded = new Map(images.map((im) => [im.id, im.uploaded_at]));
    const onImages = flags.filter((f) => f.image_id !== null);
    const delays = onImages.map((f) => f.created_at - uploaded.get(f.image_id!)!);
    expect(delays.some((d) => d < MICROS_PER_DAY)).toBe(true);
    expect(delays.some((d) => d > MICROS_PER_DAY)).toBe(true);
    expect(delays.some((d) => d === MICROS_PER_DAY)).toBe(true);
    expect(delays.every((d) => d >= 0)).toBe(true);
    const commentIds = new Set(comments.map((c) => c.id));
    const onComments = flags.filter((f) => f.image_id === null);
    expect(onComments.length).toBeGreaterThan(0);
    for (const f of onComments) expect(commentIds.has(f.comment_id!)).toBe(true);
  });

  it('puts view milestones at the time the n-th view happened, and comment milestones beside them', () => {
    for (let i = 0; i < 200; i++) {
      const a = world.activity(i);
      expect(a.image.views).toBe(a.viewTimes.length);
      for (const m of a.milestones.filter((x) => x.milestone_type === 'views')) {
        expect(m.reached_at).toBe(a.viewTimes[m.milestone_value - 1]);
      }
    }
    expect(milestones.some((m) => m.milestone_type === 'comments')).toBe(true);
  });

  it('emits exactly the events that match the tables: one per view, comment and flag', () => {
    const events = [...world.events()];
    const views = images.reduce((s, im) => s + im.views, 0);
    expect(events.filter((e) => e.topic === 'views')).toHaveLength(views);
    expect(events.filter((e) => e.topic === 'comments')).toHaveLength(comments.length);
    expect(events.filter((e) => e.topic === 'flags')).toHaveLength(flags.length);
    const commentIds = new Set(events.filter((e) => e.topic === 'comments').map((e) => (JSON.parse(e.value) as { comment_id: string }).comment_id));
    expect(commentIds).toEqual(new Set(comments.map((c) => c.id)));
  });

  it('orders events by time within a chunk, so late events appear only across chunks', () => {
    const events = [...world.events(100)];
    let late = 0;
    for (let i = 1; i < events.length; i++) if (events[i]!.time < events[i - 1]!.time) late++;
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThanOrEqual(Math.ceil(3000 / 100));
  });

  it('refuses a scale that is not a positive whole number', () => {
    expect(() => new World({ images: 0 })).toThrow(/positive integer/);
    expect(() => new World({ images: 2.5 })).toThrow(/positive integer/);
  });
});
