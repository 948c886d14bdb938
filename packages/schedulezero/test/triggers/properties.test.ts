/**
 * Property-based tests over every IANA zone the runtime knows, checked against the brute-force
 * Intl oracle in support/oracle.ts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileTrigger, parseTrigger } from '../../src/triggers/index.js';
import { getZone } from '../../src/triggers/timezone.js';
import { bruteForce, iso, offsetOf, personInstant, wallOf } from './support/oracle.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = Intl.supportedValuesOf('timeZone');
const YEARS = { min: 2000, max: 2030 };
// Runs are sized for the default suite (~15 s); SZ_PROPERTY_SCALE=10 searches harder.
const SCALE = Math.max(1, Number(process.env.SZ_PROPERTY_SCALE ?? 1) || 1);
const runs = (n: number): number => Math.ceil(n * SCALE);

function cron(expression: string, timezone: string) {
  return compileTrigger(parseTrigger({ type: 'cron', expression, timezone }, { now: 0 }));
}

/** Offset transitions of a zone in a UTC year (from the implementation; used only to pick test points). */
function transitionsIn(zone: string, year: number): number[] {
  return getZone(zone).transitions(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
}

/**
 * An instant near a transition of the zone in `year` when it has any (index picks which), else
 * the `fallback` day of the year. Most zones have no DST; most tests then still check plain days.
 */
function pointOfInterest(zone: string, year: number, index: number, fallbackDay: number): number {
  const ts = transitionsIn(zone, year);
  if (ts.length === 0) return Date.UTC(year, 0, 1) + fallbackDay * DAY;
  return ts[index % ts.length]!;
}

describe('daily job at H:M runs exactly once per local day (all zones)', () => {
  // For local dates d around a transition, the expected run of "M H * * *" on d is the oracle's
  // instant for the wall time d H:M: the instant itself when it exists once, its first instant
  // when repeated, the end of the gap when skipped. The trigger's occurrences must be exactly these
  // instants, in order; two days share one instant only if a whole local day is skipped
  // (Pacific/Apia on 2011-12-30).
  test.each(ZONES)('%s', (zone) => {
    fc.assert(
      fc.property(
        fc.integer(YEARS),
        fc.nat(7),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: -150, max: 150 }),
        fc.boolean(),
        (year, index, fallbackDay, shiftMinutes, nearTransition) => {
          const point = pointOfInterest(zone, year, index, fallbackDay);
          // Pick H:M at (or near) the wall time where the offset changes, or anywhere.
          const wall = wallOf(zone, point) + (nearTransition ? shiftMinutes * 60_000 : shiftMinutes * 9 * 60_000);
          const at = new Date(wall);
          const h = at.getUTCHours();
          const m = at.getUTCMinutes();
          const trigger = cron(`${m} ${h} * * *`, zone);
          const day0 = Math.floor(wallOf(zone, point) / DAY) * DAY;
          const expected: number[] = [];
          for (let d = -2; d <= 2; d++) {
            const t = personInstant(zone, day0 + d * DAY + (h * 60 + m) * 60_000);
            if (expected[expected.length - 1] !== t) expected.push(t);
          }
          const actual = [expected[0]!];
          for (let i = 1; i < expected.length; i++) actual.push(trigger.next(actual[i - 1]!)!);
          expect(actual.map(iso)).toEqual(expected.map(iso));
          // The same occurrence is found from any point before it.
          expect(trigger.next(expected[2]! - 1)).toBe(expected[2]);
        },
      ),
      { numRuns: runs(4) },
    );
  });
});

describe('hourly job (all zones)', () => {
  // Exact property: the occurrences of "0 * * * *" in a window are the oracle's instants of every
  // wall time HH:00:00 (both instants of a repeated one, the end of the gap for a skipped one,
  // merged when equal). Consequences asserted explicitly: strictly increasing, and consecutive
  // runs at most 1 h apart in elapsed time, plus the size of a fall-back that repeats no HH:00
  // (Australia/Lord_Howe's 30 minutes).
  test('matches the oracle around transitions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer(YEARS), fc.nat(7), fc.integer({ min: 0, max: 364 }), (zone, year, index, day) => {
        const point = pointOfInterest(zone, year, index, day);
        const from = point - 4 * HOUR;
        const to = point + 4 * HOUR;
        const trigger = cron('0 * * * *', zone);
        const actual: number[] = [];
        for (let t = trigger.next(from - 1); t !== null && t <= to; t = trigger.next(t)) actual.push(t);
        const expected = bruteForce(zone, (w) => w.getUTCMinutes() === 0, true, from, to);
        expect(actual.map(iso)).toEqual(expected.map(iso));
        for (let i = 1; i < actual.length; i++) {
          const [t1, t2] = [actual[i - 1]!, actual[i]!];
          expect(t2).toBeGreaterThan(t1);
          const fallBack = Math.max(0, offsetOf(zone, t1) - offsetOf(zone, t2));
          expect(t2 - t1).toBeLessThanOrEqual(HOUR + fallBack);
        }
      }),
      { numRuns: runs(ZONES.length * 2) },
    );
  });
});

const EXPRESSIONS: ReadonlyArray<{ expr: string; both: boolean; match: (w: Date) => boolean }> = [
  { expr: '*/15 * * * *', both: true, match: (w) => w.getUTCMinutes() % 15 === 0 },
  { expr: '30 1 * * *', both: false, match: (w) => w.getUTCHours() === 1 && w.getUTCMinutes() === 30 },
  { expr: '0 2 * * *', both: false, match: (w) => w.getUTCHours() === 2 && w.getUTCMinutes() === 0 },
  { expr: '*/20 0-3 * * *', both: false, match: (w) => w.getUTCHours() <= 3 && w.getUTCMinutes() % 20 === 0 },
  { expr: '10 1-5/2 * * *', both: true, match: (w) => [1, 3, 5].includes(w.getUTCHours()) && w.getUTCMinutes() === 10 },
  { expr: '0,30 * * * *', both: true, match: (w) => w.getUTCMinutes() % 30 === 0 },
  { expr: '45 23,0 * * *', both: false, match: (w) => [23, 0].includes(w.getUTCHours()) && w.getUTCMinutes() === 45 },
  { expr: '* 1 * * *', both: false, match: (w) => w.getUTCHours() === 1 },
];

describe('cron expressions around transitions match the brute-force policy', () => {
  test('every zone, mixed expressions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...EXPRESSIONS),
        fc.integer(YEARS),
        fc.nat(7),
        fc.integer({ min: 0, max: 364 }),
        (zone, { expr, both, match }, year, index, day) => {
          const point = pointOfInterest(zone, year, index, day);
          const from = point - 3 * HOUR;
          const to = point + 3 * HOUR;
          const trigger = cron(expr, zone);
          const actual: number[] = [];
          for (let t = trigger.next(from - 1); t !== null && t <= to; t = trigger.next(t)) actual.push(t);
          expect(actual.map(iso)).toEqual(bruteForce(zone, match, both, from, to).map(iso));
        },
      ),
      { numRuns: runs(600) },
    );
  });
});

describe('next() is strictly after its argument and monotone', () => {
  const field = (max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min: 0, max }).map(String),
      fc.integer({ min: 1, max: Math.max(1, Math.floor(max / 2)) }).map((s) => `*/${s}`),
      fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    );
  const dayField = fc.oneof(fc.constant('*'), fc.constant('L'), fc.integer({ min: 1, max: 31 }).map(String), fc.integer({ min: 1, max: 28 }).map((d) => `${d}W`));
  const dowField = fc.oneof(fc.constant('*'), fc.integer({ min: 0, max: 6 }).map(String), fc.constant('1-5'), fc.integer({ min: 0, max: 6 }).map((d) => `${d}L`), fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 })).map(([d, n]) => `${d}#${n}`));
  const expression = fc.tuple(field(59), field(59), field(23), dayField, field(11).map((m) => (m === '*' || m.startsWith('*/') ? m : m.split('-').map((v) => String(Number(v) + 1)).join('-'))), dowField).map((f) => f.join(' '));
  const instant = fc.integer({ min: Date.UTC(YEARS.min, 0, 1), max: Date.UTC(YEARS.max, 11, 31) });
  // The second instant is near the first, where monotonicity is most at risk.
  const distance = fc.oneof(fc.integer({ min: 0, max: 2 * HOUR }), fc.integer({ min: 0, max: 60 * DAY }));

  test('random expressions, zones and instants', () => {
    fc.assert(
      fc.property(expression, fc.constantFrom(...ZONES), instant, distance, (expr, zone, t1, d) => {
        const trigger = cron(expr, zone);
        const t2 = t1 + d;
        const n1 = trigger.next(t1);
        const n2 = trigger.next(t2);
        if (n1 !== null) expect(n1).toBeGreaterThan(t1);
        if (n2 !== null) expect(n2).toBeGreaterThan(t2);
        if (n1 !== null && n2 !== null) expect(n2).toBeGreaterThanOrEqual(n1);
        if (n1 === null) expect(n2).toBeNull();
        if (n1 !== null) {
          // Nothing lies between t1 and its next occurrence: asking from anywhere in between gives the same answer.
          const mid = t1 + Math.floor((n1 - t1) / 2);
          expect(trigger.next(mid)).toBe(n1);
          expect(trigger.next(n1 - 1)).toBe(n1);
          expect(n1 % 1000).toBe(0);
        }
      }),
      { numRuns: runs(800) },
    );
  });
});

describe('interval occurrences are exactly start + k * period', () => {
  test('random specs', () => {
    const unit = (max: number) => fc.option(fc.oneof(fc.integer({ min: 0, max }), fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true })), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({ weeks: unit(3), days: unit(10), hours: unit(48), minutes: unit(600), seconds: unit(100_000) }),
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        (units, start, after) => {
          const input = { type: 'interval', ...Object.fromEntries(Object.entries(units).filter(([, v]) => v !== undefined)), start_time: start / 1000 };
          const period = Math.round(
            (units.weeks ?? 0) * 7 * DAY + (units.days ?? 0) * DAY + (units.hours ?? 0) * HOUR + (units.minutes ?? 0) * 60_000 + (units.seconds ?? 0) * 1000,
          );
          fc.pre(period >= 1);
          const trigger = compileTrigger(parseTrigger(input, { now: 0 }));
          const next = trigger.next(after);
          expect(next).not.toBeNull();
          const k = (next! - start) / period;
          expect(Number.isInteger(k)).toBe(true);
          expect(k).toBeGreaterThanOrEqual(0);
          expect(next!).toBeGreaterThan(after);
          expect(k === 0 || start + (k - 1) * period <= after).toBe(true);
        },
      ),
      { numRuns: runs(2000) },
    );
  });
});
