import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/engine/scheduler/clock.ts';
import { ScheduleConfigError, type PipelineSchedule } from '../../../core/engine/scheduler/schedule.ts';
import { Scheduler, type SchedulerErrorContext, type SchedulerOptions } from '../../../core/engine/scheduler/scheduler.ts';
import { InMemoryScheduleStateStore, type ScheduleState, type ScheduleStateStore } from '../../../core/engine/scheduler/state-store.ts';

type Pipeline = 'event_aggregation' | 'etl_moderation' | 'verify';

const MIN = 60_000;
const HOUR = 60 * MIN;

const DEFAULTS: Record<Pipeline, PipelineSchedule> = {
  event_aggregation: { cron: '0 * * * *', timeZone: 'UTC' },
  etl_moderation: { cron: '0 0 * * *', timeZone: 'UTC' },
  verify: { cron: null },
};

interface Fired { pipeline: Pipeline; kind: string; scheduledFor: string; missed?: number; at: string }

const running: Scheduler<Pipeline>[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const iso = (t: number | Date) => new Date(t).toISOString();

/** A scheduler on a manual clock whose trigger records what fired and when. */
function harness(start: string | ManualClock, options: Partial<SchedulerOptions<Pipeline>> = {}) {
  const clock = typeof start === 'string' ? new ManualClock(start) : start;
  const store = options.store ?? new InMemoryScheduleStateStore();
  const fired: Fired[] = [];
  const errors: { message: string; context: SchedulerErrorContext<Pipeline> }[] = [];
  const scheduler = new Scheduler<Pipeline>({
    schedules: DEFAULTS,
    trigger: (pipeline, info) => {
      fired.push({
        pipeline, kind: info.kind, scheduledFor: iso(info.scheduledFor), at: iso(clock.now()),
        ...(info.missed === undefined ? {} : { missed: info.missed }),
      });
    },
    onError: (error, context) => errors.push({ message: error.message, context }),
    ...options,
    clock,
    store,
  });
  running.push(scheduler);
  return { clock, store, scheduler, fired, errors };
}

describe('scheduler: regular fires', () => {
  it('fires each pipeline at its times, on time, and manual-only pipelines never', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T22:30:00Z');
    await scheduler.start();
    expect(fired).toEqual([]);
    await clock.advanceTo('2026-03-11T01:30:00Z');
    expect(fired).toEqual([
      { pipeline: 'event_aggregation', kind: 'scheduled', scheduledFor: '2026-03-10T23:00:00.000Z', at: '2026-03-10T23:00:00.000Z' },
      { pipeline: 'event_aggregation', kind: 'scheduled', scheduledFor: '2026-03-11T00:00:00.000Z', at: '2026-03-11T00:00:00.000Z' },
      { pipeline: 'etl_moderation', kind: 'scheduled', scheduledFor: '2026-03-11T00:00:00.000Z', at: '2026-03-11T00:00:00.000Z' },
      { pipeline: 'event_aggregation', kind: 'scheduled', scheduledFor: '2026-03-11T01:00:00.000Z', at: '2026-03-11T01:00:00.000Z' },
    ]);
  });

  it('reports the next N fire times and each pipeline status', async () => {
    const { clock, scheduler } = harness('2026-03-10T22:30:00Z');
    await scheduler.start();
    expect(scheduler.nextFireTimes('event_aggregation', 3).map(iso))
      .toEqual(['2026-03-10T23:00:00.000Z', '2026-03-11T00:00:00.000Z', '2026-03-11T01:00:00.000Z']);
    expect(scheduler.nextFireTimes('verify', 3)).toEqual([]);
    await clock.advanceTo('2026-03-11T00:10:00Z');
    expect(scheduler.list()).toEqual([
      { pipeline: 'event_aggregation', cron: '0 * * * *', timeZone: 'UTC', paused: false,
        lastFireAt: new Date('2026-03-11T00:00:00Z'), nextFireAt: new Date('2026-03-11T01:00:00Z') },
      { pipeline: 'etl_moderation', cron: '0 0 * * *', timeZone: 'UTC', paused: false,
        lastFireAt: new Date('2026-03-11T00:00:00Z'), nextFireAt: new Date('2026-03-12T00:00:00Z') },
      { pipeline: 'verify', cron: null, timeZone: 'UTC', paused: false, lastFireAt: null, nextFireAt: null },
    ]);
  });

  it('fires across DST changes (Berlin spring-forward, New York fall-back): daily once a day, hourly every real hour', async () => {
    const { clock, scheduler, fired } = harness('2025-03-29T00:00:00Z', {
      schedules: {
        event_aggregation: { cron: '0 * * * *', timeZone: 'Europe/Berlin' },
        etl_moderation: { cron: '30 2 * * *', timeZone: 'Europe/Berlin' },
        verify: { cron: null },
      },
    });
    await scheduler.start();
    await clock.advanceTo('2025-04-01T00:00:00Z');
    const daily = fired.filter((f) => f.pipeline === 'etl_moderation').map((f) => f.scheduledFor);
    // 29 March 02:30 CET; 30 March 02:30 does not exist: 03:00 CEST; then 02:30 CEST.
    expect(daily).toEqual(['2025-03-29T01:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z']);
    const hourly = fired.filter((f) => f.pipeline === 'event_aggregation').map((f) => Date.parse(f.scheduledFor));
    expect(hourly).toHaveLength(72);
    expect(hourly.every((t, i) => i === 0 || t - hourly[i - 1]! === HOUR)).toBe(true);
    expect(fired.every((f) => f.kind === 'scheduled' && f.at === f.scheduledFor)).toBe(true);

    // Fall-back in New York: 01:30 repeats, fires once; hourly gets 25 fires that day.
    const h = harness('2025-11-01T12:00:00Z', {
      schedules: {
        event_aggregation: { cron: '0 * * * *', timeZone: 'America/New_York' },
        etl_moderation: { cron: '30 1 * * *', timeZone: 'America/New_York' },
        verify: { cron: null },
      },
    });
    await h.scheduler.start();
    await h.clock.advanceTo('2025-11-03T12:00:00Z');
    expect(h.fired.filter((f) => f.pipeline === 'etl_moderation').map((f) => f.scheduledFor))
      .toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
    const sunday = h.fired.filter((f) => f.pipeline === 'event_aggregation'
      && f.scheduledFor >= '2025-11-02T04:00:00.000Z' && f.scheduledFor < '2025-11-03T05:00:00.000Z');
    expect(sunday).toHaveLength(25);
    expect(new Set(sunday.map((f) => f.scheduledFor)).size).toBe(25);
  });
});

describe('scheduler: catch-up', () => {
  const saved = (settledThrough: string, paused = false): ScheduleState =>
    ({ settledThrough: Date.parse(settledThrough), lastFireAt: Date.parse(settledThrough), paused });

  it('turns fire times missed while the app was closed into exactly one catch-up run each, within the look-back', async () => {
    // Closed on 7 March at 09:00 after the hourly and the daily run; reopened on 10 March at 12:20.
    const store = new InMemoryScheduleStateStore({
      event_aggregation: saved('2026-03-07T09:00:00Z'),
      etl_moderation: saved('2026-03-07T00:00:00Z'),
    });
    const { clock, scheduler, fired } = harness('2026-03-10T12:20:00Z', { store });
    await scheduler.start();
    expect(fired).toEqual([
      // Only the 24 hours up to now count: 13:00 on 9 March to 12:00 on 10 March.
      { pipeline: 'event_aggregation', kind: 'catch-up', scheduledFor: '2026-03-10T12:00:00.000Z', missed: 24, at: '2026-03-10T12:20:00.000Z' },
      { pipeline: 'etl_moderation', kind: 'catch-up', scheduledFor: '2026-03-10T00:00:00.000Z', missed: 1, at: '2026-03-10T12:20:00.000Z' },
    ]);
    expect(store.load('event_aggregation')).toEqual({
      settledThrough: Date.parse('2026-03-10T12:20:00Z'), lastFireAt: Date.parse('2026-03-10T12:00:00Z'), paused: false,
    });
    // No burst afterwards: the next hour fires once, as scheduled.
    await clock.advanceTo('2026-03-10T13:30:00Z');
    expect(fired.slice(2)).toEqual([
      { pipeline: 'event_aggregation', kind: 'scheduled', scheduledFor: '2026-03-10T13:00:00.000Z', at: '2026-03-10T13:00:00.000Z' },
    ]);
  });

  it('respects a configured look-back, and none at all when it is 0 or the misses are older', async () => {
    const store = new InMemoryScheduleStateStore({
      event_aggregation: saved('2026-03-10T01:00:00Z'),
      etl_moderation: saved('2026-03-07T00:00:00Z'),
    });
    const { scheduler, fired } = harness('2026-03-10T12:20:00Z', {
      store,
      catchUpLookbackMs: 6 * HOUR,
      schedules: { ...DEFAULTS, etl_moderation: { cron: '0 0 * * *', catchUpLookbackMs: 0 } },
    });
    await scheduler.start();
    expect(fired).toEqual([
      { pipeline: 'event_aggregation', kind: 'catch-up', scheduledFor: '2026-03-10T12:00:00.000Z', missed: 6, at: '2026-03-10T12:20:00.000Z' },
    ]);
    // Dropped misses are settled: a restart does not bring them back.
    expect(store.load('etl_moderation')?.settledThrough).toBe(Date.parse('2026-03-10T12:20:00Z'));

    const later = new InMemoryScheduleStateStore({ etl_moderation: saved('2026-03-01T00:00:00Z') });
    const h = harness('2026-03-10T12:20:00Z', { store: later, catchUpLookbackMs: 6 * HOUR });
    await h.scheduler.start();
    // The last daily fire time (00:00) is 12 h ago, outside 6 h: nothing to catch up.
    expect(h.fired).toEqual([]);
  });

  it('starts from now, without a catch-up, the first time a workspace is scheduled', async () => {
    const store = new InMemoryScheduleStateStore();
    const { scheduler, fired } = harness('2026-03-10T12:20:00Z', { store });
    await scheduler.start();
    expect(fired).toEqual([]);
    expect(store.load('etl_moderation')).toEqual({ settledThrough: Date.parse('2026-03-10T12:20:00Z'), lastFireAt: null, paused: false });
  });

  it('catches up once after the machine slept through fire times, detected by a late timer', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T09:40:00Z');
    await scheduler.start();
    await clock.advanceTo('2026-03-10T10:10:00Z');
    expect(fired.map((f) => f.kind)).toEqual(['scheduled']);

    // Lid closed at 10:10, opened at 15:25: wall time moved on, the timers did not.
    clock.sleep(5 * HOUR + 15 * MIN);
    expect(fired).toHaveLength(1);
    await clock.advance(MIN); // the timer that was pending resumes and comes due, late
    expect(fired.slice(1)).toEqual([
      { pipeline: 'event_aggregation', kind: 'catch-up', scheduledFor: '2026-03-10T15:00:00.000Z', missed: 5, at: '2026-03-10T15:26:00.000Z' },
    ]);
    await clock.advanceTo('2026-03-10T17:00:00Z');
    expect(fired.slice(2).map((f) => `${f.kind} ${f.scheduledFor}`))
      .toEqual(['scheduled 2026-03-10T16:00:00.000Z', 'scheduled 2026-03-10T17:00:00.000Z']);
  });

  it('treats a fire noticed within the late tolerance as on time, and one slept past as a catch-up', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T10:59:00Z', { lateToleranceMs: MIN });
    await scheduler.start();
    clock.sleep(30_000); // a short nap over the 11:00 fire time
    await clock.advance(MIN);
    expect(fired.map((f) => `${f.kind} ${f.scheduledFor} ${f.at}`)).toEqual(['scheduled 2026-03-10T11:00:00.000Z 2026-03-10T11:00:30.000Z']);
    await clock.advanceTo('2026-03-10T11:59:30Z');
    clock.sleep(3 * MIN);
    await clock.advance(MIN);
    expect(fired.slice(1).map((f) => `${f.kind} ${f.scheduledFor} ${f.missed}`)).toEqual(['catch-up 2026-03-10T12:00:00.000Z 1']);
  });

  it('restarts from now when the wall clock is set back by more than an hour, and never repeats on a small step back', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T10:59:00Z');
    await scheduler.start();
    await clock.advanceTo('2026-03-10T11:00:00Z');
    clock.setWallClock('2026-03-10T10:59:59Z'); // NTP nudges it back a second
    await clock.advance(2 * MIN);
    expect(fired.map((f) => f.scheduledFor)).toEqual(['2026-03-10T11:00:00.000Z']);

    clock.setWallClock('2026-03-08T09:30:00Z'); // it had run two days ahead
    await clock.advance(31 * MIN);
    expect(fired.slice(1).map((f) => `${f.kind} ${f.scheduledFor}`)).toEqual(['scheduled 2026-03-08T10:00:00.000Z']);
  });
});

describe('scheduler: pause, resume, manual runs, changes', () => {
  it('does not fire a paused pipeline; resuming continues from now without catching up', async () => {
    const store = new InMemoryScheduleStateStore();
    const { clock, scheduler, fired } = harness('2026-03-10T09:30:00Z', { store });
    await scheduler.start();
    await scheduler.pause('event_aggregation');
    expect(scheduler.status('event_aggregation')).toMatchObject({ paused: true, nextFireAt: null });
    expect(scheduler.nextFireTimes('event_aggregation', 2)).toEqual([]);
    await clock.advanceTo('2026-03-10T13:20:00Z');
    expect(fired).toEqual([]);
    expect(store.load('event_aggregation')?.paused).toBe(true);

    await scheduler.resume('event_aggregation');
    expect(fired).toEqual([]);
    expect(scheduler.nextFireTimes('event_aggregation', 1)).toEqual([new Date('2026-03-10T14:00:00Z')]);
    await clock.advanceTo('2026-03-10T14:00:00Z');
    expect(fired).toEqual([
      { pipeline: 'event_aggregation', kind: 'scheduled', scheduledFor: '2026-03-10T14:00:00.000Z', at: '2026-03-10T14:00:00.000Z' },
    ]);
  });

  it('keeps a pause across restarts, and lets the configuration pause or resume while closed', async () => {
    const store = new InMemoryScheduleStateStore();
    const first = harness('2026-03-10T09:30:00Z', { store });
    await first.scheduler.start();
    await first.scheduler.pause('event_aggregation');
    await first.scheduler.stop();

    const second = harness('2026-03-10T15:30:00Z', { store });
    await second.scheduler.start();
    expect(second.fired).toEqual([]);
    expect(second.scheduler.status('event_aggregation').paused).toBe(true);
    await second.scheduler.stop();

    // The configuration file now says paused: false (edited while closed): resumed from now.
    const third = harness('2026-03-10T18:30:00Z', {
      store, schedules: { ...DEFAULTS, event_aggregation: { cron: '0 * * * *', paused: false } },
    });
    await third.scheduler.start();
    expect(third.fired).toEqual([]);
    await third.clock.advanceTo('2026-03-10T19:00:00Z');
    expect(third.fired.map((f) => `${f.kind} ${f.scheduledFor}`)).toEqual(['scheduled 2026-03-10T19:00:00.000Z']);
  });

  it('is not moved by manual runs: same fire times before and after, nothing skipped or added', async () => {
    // A stand-in for the runner: manual runs reach it directly, scheduled ones through the trigger.
    const runs: string[] = [];
    const clock = new ManualClock('2026-03-10T09:30:00Z');
    const store = new InMemoryScheduleStateStore();
    const { scheduler } = harness(clock, {
      store, trigger: (pipeline, info) => { runs.push(`${info.kind} ${pipeline} ${iso(info.scheduledFor)}`); },
    });
    await scheduler.start();
    const before = scheduler.nextFireTimes('event_aggregation', 3).map(iso);
    const savedBefore = store.load('event_aggregation');

    await clock.advanceTo('2026-03-10T09:45:00Z');
    runs.push('manual event_aggregation'); // the user presses Run
    expect(scheduler.nextFireTimes('event_aggregation', 3).map(iso)).toEqual(before);
    expect(store.load('event_aggregation')).toEqual(savedBefore);

    await clock.advanceTo('2026-03-10T11:00:00Z');
    expect(runs).toEqual([
      'manual event_aggregation',
      'scheduled event_aggregation 2026-03-10T10:00:00.000Z',
      'scheduled event_aggregation 2026-03-10T11:00:00.000Z',
    ]);
  });

  it('applies a new schedule from now and rejects an invalid one with the pipeline named', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T09:30:00Z');
    await scheduler.start();
    await scheduler.setSchedule('etl_moderation', { cron: '15 */2 * * *', timeZone: 'Asia/Kolkata' });
    // 15 minutes past even hours in Kolkata (+05:30) is 45 minutes past odd hours UTC.
    expect(scheduler.nextFireTimes('etl_moderation', 2).map(iso)).toEqual(['2026-03-10T10:45:00.000Z', '2026-03-10T12:45:00.000Z']);
    await expect(scheduler.setSchedule('etl_moderation', { cron: '61 * * * *' }))
      .rejects.toThrow("etl_moderation: cron '61 * * * *' has minute 61; minutes are 0-59");
    await scheduler.setSchedule('verify', { cron: '*/30 * * * *' });
    await clock.advanceTo('2026-03-10T11:00:00Z');
    expect(fired.map((f) => `${f.pipeline} ${f.scheduledFor}`)).toEqual([
      'event_aggregation 2026-03-10T10:00:00.000Z',
      'verify 2026-03-10T10:00:00.000Z',
      'verify 2026-03-10T10:30:00.000Z',
      'etl_moderation 2026-03-10T10:45:00.000Z',
      'event_aggregation 2026-03-10T11:00:00.000Z',
      'verify 2026-03-10T11:00:00.000Z',
    ]);
  });

  it('refuses invalid schedules and unknown pipelines with clear messages', async () => {
    expect(() => new Scheduler({
      schedules: { a: { cron: '0 25 * * *' }, b: { cron: '0 * * * *', timeZone: 'Mars/Olympus' } },
      trigger: () => {},
    })).toThrow(ScheduleConfigError);
    expect(() => new Scheduler({ schedules: { a: { cron: '0 25 * * *' } }, trigger: () => {} }))
      .toThrow("a: cron '0 25 * * *' has hour 25; hours are 0-23");
    const { scheduler } = harness('2026-03-10T09:30:00Z');
    expect(() => scheduler.status('nope' as Pipeline))
      .toThrow("scheduler: unknown pipeline 'nope'; known pipelines are event_aggregation, etl_moderation, verify");
    await expect(scheduler.pause('nope' as Pipeline)).rejects.toThrow("unknown pipeline 'nope'");
  });
});

describe('scheduler: failures and stopping', () => {
  it('reports trigger errors, thrown or rejected, and keeps firing', async () => {
    let calls = 0;
    const clock = new ManualClock('2026-03-10T09:30:00Z');
    const { scheduler, errors } = harness(clock, {
      schedules: { event_aggregation: { cron: '0 * * * *' }, etl_moderation: { cron: null }, verify: { cron: null } },
      trigger: async () => {
        calls++;
        if (calls === 1) throw new Error('runner refused: event_aggregation run 42 is still active');
        if (calls === 2) return Promise.reject(new Error('run store is locked'));
      },
    });
    await scheduler.start();
    await clock.advanceTo('2026-03-10T12:00:00Z');
    expect(calls).toBe(3);
    expect(errors).toEqual([
      {
        message: 'event_aggregation: the scheduled run for 2026-03-10T10:00:00.000Z could not be started: runner refused: event_aggregation run 42 is still active',
        context: { pipeline: 'event_aggregation', during: 'trigger' },
      },
      {
        message: 'event_aggregation: the scheduled run for 2026-03-10T11:00:00.000Z could not be started: run store is locked',
        context: { pipeline: 'event_aggregation', during: 'trigger' },
      },
    ]);
  });

  it('survives an onError that throws and a state store that fails', async () => {
    const failing: ScheduleStateStore = {
      load: () => { throw new Error('database is locked'); },
      save: async () => { throw new Error('disk full'); },
    };
    const clock = new ManualClock('2026-03-10T09:30:00Z');
    const fired: string[] = [];
    const scheduler = new Scheduler<Pipeline>({
      schedules: DEFAULTS, clock, store: failing,
      trigger: (p, info) => { fired.push(`${p} ${iso(info.scheduledFor)}`); throw new Error('boom'); },
      onError: () => { throw new Error('the error handler is broken too'); },
    });
    running.push(scheduler);
    await scheduler.start();
    await clock.advanceTo('2026-03-10T11:00:00Z');
    expect(fired).toEqual(['event_aggregation 2026-03-10T10:00:00.000Z', 'event_aggregation 2026-03-10T11:00:00.000Z']);
  });

  it('works with an asynchronous store and reports its failures by pipeline', async () => {
    const inner = new InMemoryScheduleStateStore({
      event_aggregation: { settledThrough: Date.parse('2026-03-10T07:00:00Z'), lastFireAt: null, paused: false },
    });
    let saves = 0;
    const store: ScheduleStateStore = {
      load: async (p) => inner.load(p),
      save: async (p, s) => {
        if (p === 'event_aggregation' && ++saves === 1) throw new Error('SQLITE_BUSY');
        inner.save(p, s);
      },
    };
    const { scheduler, fired, errors } = harness('2026-03-10T09:30:00Z', { store });
    await scheduler.start();
    expect(fired.map((f) => `${f.kind} ${f.missed}`)).toEqual(['catch-up 2']);
    expect(errors.map((e) => e.context)).toEqual([{ pipeline: 'event_aggregation', during: 'save-state' }]);
    expect(errors[0]!.message).toMatch(/^event_aggregation: could not save the schedule state.*: SQLITE_BUSY$/);
  });

  it('stop() cancels its timers: nothing fires afterwards', async () => {
    const { clock, scheduler, fired } = harness('2026-03-10T09:30:00Z');
    await scheduler.start();
    expect(clock.pendingTimers).toBe(1);
    await scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceTo('2026-03-11T12:00:00Z');
    expect(fired).toEqual([]);
    // and a stopped scheduler can start again, catching up what it missed meanwhile
    await scheduler.start();
    expect(fired.map((f) => `${f.pipeline} ${f.kind} ${f.missed}`))
      .toEqual(['event_aggregation catch-up 24', 'etl_moderation catch-up 1']);
  });
});
