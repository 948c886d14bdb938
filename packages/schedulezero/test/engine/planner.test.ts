import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPlanner } from '../../src/engine/planner.js';
import type { CatchUpPolicy, ScheduleRow } from '../../src/domain/types.js';
import { compileTrigger } from '../../src/triggers/index.js';

const T0 = Date.UTC(2026, 0, 1);

function schedule(over: Partial<ScheduleRow> & { period: number }): ScheduleRow {
  const { period, ...rest } = over;
  return {
    id: 's',
    name: null,
    handler: 'h',
    method: 'm',
    params: {},
    trigger: { type: 'interval', seconds: period / 1000, start_time: new Date(T0).toISOString(), timezone: 'UTC' },
    misfire_grace_seconds: null,
    catch_up: 'once',
    catch_up_limit: 100,
    max_instances: 1,
    max_jitter_seconds: 0,
    retry: { max_attempts: 1, initial_delay_seconds: 1, backoff_factor: 2, max_delay_seconds: 300 },
    timeout_seconds: null,
    paused: false,
    next_run_at: T0,
    last_run_at: null,
    created_at: T0,
    updated_at: T0,
    version: 1,
    ...rest,
  };
}

describe('planner: occurrences after downtime and overlap', () => {
  it('holds the catch-up, grace and overlap rules for any schedule and downtime', () => {
    fc.assert(
      fc.property(
        fc.record({
          period: fc.integer({ min: 100, max: 60_000 }),
          firstMissed: fc.integer({ min: 0, max: 200 }),
          downtime: fc.integer({ min: 0, max: 3_600_000 }),
          sinceStart: fc.integer({ min: 0, max: 120_000 }),
          policy: fc.constantFrom<CatchUpPolicy>('skip', 'once', 'all'),
          limit: fc.integer({ min: 1, max: 50 }),
          grace: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
          maxInstances: fc.integer({ min: 1, max: 5 }),
          active: fc.integer({ min: 0, max: 6 }),
        }),
        (p) => {
          const s = schedule({
            period: p.period,
            next_run_at: T0 + p.firstMissed * p.period,
            catch_up: p.policy,
            catch_up_limit: p.limit,
            misfire_grace_seconds: p.grace,
            max_instances: p.maxInstances,
          });
          const startedAt = (s.next_run_at as number) + p.downtime;
          const now = startedAt + p.sinceStart;
          const plan = createPlanner({ now, startedAt, compile: (row) => compileTrigger(row.trigger), maxLivePerPass: 100_000 })(s, p.active);

          const times = plan.runs.map((r) => r.scheduled_at);
          // One run per occurrence, in order, none in the future, all on the trigger's grid.
          for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
          for (const t of times) {
            expect(t).toBeLessThanOrEqual(now);
            expect((t - T0) % p.period).toBe(0);
          }
          // The schedule moves past now, onto the grid.
          expect(plan.next_run_at).not.toBeNull();
          expect(plan.next_run_at!).toBeGreaterThan(now);
          expect((plan.next_run_at! - T0) % p.period).toBe(0);
          expect(plan.next_run_at! - p.period).toBeLessThanOrEqual(now);

          const cut = startedAt - (p.grace ?? 0) * 1000;
          const missed: number[] = [];
          for (let t = s.next_run_at!; t < cut; t += p.period) missed.push(t);
          const caughtUp = plan.runs.filter((r) => r.scheduled_at < cut);
          const live = plan.runs.filter((r) => r.scheduled_at >= cut);
          if (p.policy === 'skip') expect(caughtUp).toHaveLength(0);
          if (p.policy === 'once') expect(caughtUp.map((r) => r.scheduled_at)).toEqual(missed.slice(0, 1));
          if (p.policy === 'all') expect(caughtUp.map((r) => r.scheduled_at)).toEqual(missed.slice(0, p.limit));
          // Catch-up runs are never refused for overlap.
          expect(caughtUp.every((r) => r.status === 'queued')).toBe(true);

          // Every live occurrence is recorded, queued while instances are free, missed after.
          const expectedLive: number[] = [];
          for (let t = Math.max(s.next_run_at!, T0 + Math.ceil((cut - T0) / p.period) * p.period); t <= now; t += p.period) expectedLive.push(t);
          expect(live.map((r) => r.scheduled_at)).toEqual(expectedLive);
          const free = Math.max(0, p.maxInstances - p.active - caughtUp.length);
          expect(live.filter((r) => r.status === 'queued')).toHaveLength(Math.min(free, live.length));
          for (const r of live.filter((x) => x.status === 'missed')) expect(r.error?.type).toBe('overlap');

          // Grace counts from the due time, or from now for what is already late.
          for (const r of plan.runs) {
            if (p.grace === null) expect(r.start_by).toBeNull();
            else expect(r.start_by).toBe(Math.max(r.scheduled_at, now) + p.grace * 1000);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('spreads runs by jitter within max_jitter_seconds', () => {
    const s = schedule({ period: 1000, max_jitter_seconds: 2, max_instances: 100 });
    const now = T0 + 5000;
    const plan = createPlanner({ now, startedAt: T0 - 1, compile: (row) => compileTrigger(row.trigger), random: () => 0.75 })(s, 0);
    expect(plan.runs).toHaveLength(6);
    for (const r of plan.runs) expect(r.available_at - Math.max(r.scheduled_at, now)).toBe(1500);
  });

  it('bounds the live occurrences one pass creates, then jumps past now', () => {
    const s = schedule({ period: 100, max_instances: 1000 });
    const now = T0 + 1_000_000;
    const skipped: [number, number][] = [];
    const plan = createPlanner({
      now,
      startedAt: T0 - 1,
      compile: (row) => compileTrigger(row.trigger),
      maxLivePerPass: 50,
      onSkipped: (_s, from, to) => skipped.push([from, to]),
    })(s, 0);
    expect(plan.runs).toHaveLength(50);
    expect(plan.next_run_at).toBe(now + 100);
    expect(skipped).toEqual([[T0 + 5000, now]]);
  });
});
