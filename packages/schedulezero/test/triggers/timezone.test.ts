/** The zone model (learned transition tables) against raw Intl. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { getZone, normalizeTimeZone } from '../../src/triggers/timezone.js';
import { offsetOf, resolveWall } from './support/oracle.js';

const HOUR = 3_600_000;
const ZONES = Intl.supportedValuesOf('timeZone');

describe('offsets', () => {
  test.each([
    ['America/New_York', 2024],
    ['Europe/Berlin', 1996],
    ['Australia/Lord_Howe', 2024],
    ['Antarctica/Troll', 2024],
    ['Africa/Casablanca', 2013],
    ['America/Recife', 2000],
    ['Pacific/Apia', 2011],
    ['Asia/Kathmandu', 1986],
    ['Europe/Moscow', 2011],
  ])('%s in %i agrees with Intl at every hour and around every transition', (zone, year) => {
    const z = getZone(zone);
    for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) expect(z.offsetAt(t)).toBe(offsetOf(zone, t));
    const transitions = z.transitions(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    for (const t of transitions) {
      expect(z.offsetAt(t - 1000)).toBe(offsetOf(zone, t - 1000));
      expect(z.offsetAt(t)).toBe(offsetOf(zone, t));
      expect(offsetOf(zone, t - 1000)).not.toBe(offsetOf(zone, t));
    }
  });

  test('the one-week Brazilian DST of October 2000 is found', () => {
    const ts = getZone('America/Recife').transitions(Date.UTC(2000, 6, 1), Date.UTC(2001, 0, 1));
    expect(ts.map((t) => new Date(t).toISOString())).toEqual(['2000-10-08T03:00:00.000Z', '2000-10-15T02:00:00.000Z']);
  });

  test('transitions() across years equals the per-year tables joined', () => {
    const z = getZone('America/Sao_Paulo');
    const all = z.transitions(Date.UTC(2000, 0, 1), Date.UTC(2020, 0, 1));
    const byYear: number[] = [];
    for (let y = 2000; y < 2020; y++) byYear.push(...z.transitions(Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)));
    expect(all).toEqual(byYear);
  });

  test('UTC and fixed-offset zones have no transitions', () => {
    expect(getZone('UTC').transitions(0, Date.UTC(2100, 0, 1))).toEqual([]);
    expect(getZone('Etc/GMT-14').transitions(Date.UTC(2000, 0, 1), Date.UTC(2030, 0, 1))).toEqual([]);
    expect(getZone('Etc/GMT-14').offsetAt(0)).toBe(14 * HOUR);
  });
});

describe('wall time resolution agrees with the oracle (all zones)', () => {
  test('near transitions and anywhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 2000, max: 2030 }), fc.nat(), fc.integer({ min: -180, max: 180 }), (zone, year, index, minutes) => {
        const z = getZone(zone);
        const ts = z.transitions(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
        const at = ts.length === 0 ? Date.UTC(year, 0, 1) + (index % 365) * 24 * HOUR : ts[index % ts.length]!;
        const wall = at + offsetOf(zone, at) + minutes * 60_000;
        const mine = z.resolve(wall);
        const oracle = resolveWall(zone, wall);
        if (oracle.kind === 'unique') expect(mine).toEqual({ kind: 'unique', instant: oracle.at });
        else if (oracle.kind === 'gap') expect(mine).toEqual({ kind: 'gap', transition: oracle.end });
        else expect(mine).toMatchObject({ kind: 'repeat', first: oracle.first, second: oracle.second });
      }),
      { numRuns: ZONES.length * 2 },
    );
  });
});

describe('normalizeTimeZone', () => {
  test('valid names, case correction, invalid names', () => {
    expect(normalizeTimeZone('UTC')).toBe('UTC');
    expect(normalizeTimeZone('utc')).toBe('UTC');
    expect(normalizeTimeZone('america/new_york')).toBe('America/New_York');
    expect(normalizeTimeZone('US/Eastern')).toBe('US/Eastern');
    expect(normalizeTimeZone('Mars/Base')).toBeNull();
    expect(normalizeTimeZone('')).toBeNull();
    expect(normalizeTimeZone('Europe/Berlin ')).toBeNull();
  });
});
