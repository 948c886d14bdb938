/** Interval and date triggers. */
import { describe, expect, test } from 'vitest';
import { compile, occurrences } from './support/helpers.js';

const T = (iso: string): number => Date.parse(iso);

describe('interval', () => {
  test('start_time + k * period, k >= 0; the start itself is an occurrence', () => {
    const trigger = compile({ type: 'interval', hours: 1.5, start_time: '2024-01-01T00:00:00Z' });
    expect(trigger.first(T('2023-06-01T00:00:00Z'))).toBe(T('2024-01-01T00:00:00Z'));
    expect(trigger.first(T('2024-01-01T00:00:00Z'))).toBe(T('2024-01-01T00:00:00Z'));
    expect(occurrences(trigger, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T01:30:00.000Z',
      '2024-01-01T03:00:00.000Z',
      '2024-01-01T04:30:00.000Z',
    ]);
    // Far from the anchor, still on its grid.
    expect(trigger.next(T('2030-06-01T00:00:00Z'))).toBe(T('2030-06-01T01:30:00Z'));
  });

  test('first(now) is the first occurrence at or after now', () => {
    const trigger = compile({ type: 'interval', minutes: 10, start_time: '2024-01-01T00:00:00Z' });
    expect(trigger.first(T('2024-01-01T00:20:00Z'))).toBe(T('2024-01-01T00:20:00Z'));
    expect(trigger.first(T('2024-01-01T00:20:00.001Z'))).toBe(T('2024-01-01T00:30:00Z'));
  });

  test('units add up; fractions become whole milliseconds', () => {
    const trigger = compile({ type: 'interval', weeks: 1, days: 1, hours: 1, minutes: 1, seconds: 1.5, start_time: 0 });
    expect(trigger.next(0)).toBe(8 * 86_400_000 + 3_600_000 + 60_000 + 1_500);
    expect(compile({ type: 'interval', seconds: 0.0015, start_time: 0 }).next(0)).toBe(2);
    expect(compile({ type: 'interval', hours: 0.1, start_time: 0 }).next(0)).toBe(360_000);
  });

  test('DST does not move interval occurrences', () => {
    const trigger = compile({ type: 'interval', hours: 1, start_time: '2024-03-31T00:30:00', timezone: 'Europe/Berlin' });
    expect(occurrences(trigger, '2024-03-30T23:00:00Z', 3)).toEqual([
      '2024-03-30T23:30:00.000Z',
      '2024-03-31T00:30:00.000Z',
      '2024-03-31T01:30:00.000Z',
    ]);
  });

  test('end_time is inclusive', () => {
    const trigger = compile({ type: 'interval', hours: 1, start_time: '2024-01-01T00:00:00Z', end_time: '2024-01-01T02:00:00Z' });
    expect(occurrences(trigger, '2023-12-31T00:00:00Z', 5)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T02:00:00.000Z',
    ]);
    expect(trigger.first(T('2024-01-01T02:00:00.001Z'))).toBeNull();
  });

  test('the default start_time is one period after `now`', () => {
    const trigger = compile({ type: 'interval', days: 1 }, T('2024-05-05T12:34:56.789Z'));
    expect(trigger.spec).toMatchObject({ start_time: '2024-05-06T12:34:56.789Z' });
    expect(trigger.first(T('2024-05-05T12:34:56.789Z'))).toBe(T('2024-05-06T12:34:56.789Z'));
    expect(trigger.next(T('2024-05-06T12:34:56.789Z'))).toBe(T('2024-05-07T12:34:56.789Z'));
  });

  test('describe()', () => {
    expect(compile({ type: 'interval', hours: 1, start_time: 0 }).describe()).toBe('Every hour, starting 1970-01-01T00:00:00.000Z');
    expect(compile({ type: 'interval', hours: 2, minutes: 30, start_time: 0, end_time: 86400 }).describe()).toBe(
      'Every 2 hours, 30 minutes, starting 1970-01-01T00:00:00.000Z, until 1970-01-02T00:00:00.000Z',
    );
    expect(compile({ type: 'interval', weeks: 1, days: 1, start_time: 0 }).describe()).toBe('Every 1 week, 1 day, starting 1970-01-01T00:00:00.000Z');
  });

  test('next(NaN) is null rather than a loop', () => {
    expect(compile({ type: 'interval', seconds: 1, start_time: 0 }).next(Number.NaN)).toBeNull();
    expect(compile({ type: 'cron', expression: '* * * * *' }).next(Number.NaN)).toBeNull();
  });
});

describe('date', () => {
  test('one occurrence', () => {
    const trigger = compile({ type: 'date', run_date: '2024-05-01T10:00:00Z' });
    expect(trigger.next(T('2024-01-01T00:00:00Z'))).toBe(T('2024-05-01T10:00:00Z'));
    expect(trigger.next(T('2024-05-01T10:00:00Z') - 1)).toBe(T('2024-05-01T10:00:00Z'));
    expect(trigger.next(T('2024-05-01T10:00:00Z'))).toBeNull();
  });

  test('first(now) is run_date even in the past: it fires at once, late', () => {
    const trigger = compile({ type: 'date', run_date: '2020-01-01T00:00:00Z' });
    expect(trigger.first(T('2024-01-01T00:00:00Z'))).toBe(T('2020-01-01T00:00:00Z'));
    expect(trigger.next(T('2024-01-01T00:00:00Z'))).toBeNull();
  });

  test('milliseconds are kept', () => {
    expect(compile({ type: 'date', run_date: 1714557600.123 }).first(0)).toBe(1714557600123);
  });

  test('describe() shows the wall time in the trigger timezone', () => {
    expect(compile({ type: 'date', run_date: '2024-05-01T10:00:00Z', timezone: 'Europe/Berlin' }).describe()).toBe(
      'Once, at 2024-05-01 12:00:00 (Europe/Berlin)',
    );
    expect(compile({ type: 'date', run_date: 1714557600.5 }).describe()).toBe('Once, at 2024-05-01 10:00:00.500 (UTC)');
  });
});

describe('extreme arguments', () => {
  test('next() and first() with infinities and the edges of the range', () => {
    const triggers = [
      compile({ type: 'interval', seconds: 1, start_time: 0 }),
      compile({ type: 'cron', expression: '* * * * *' }),
      compile({ type: 'cron', hour: 0, timezone: 'Pacific/Kiritimati' }),
      compile({ type: 'date', run_date: 0 }),
    ];
    for (const trigger of triggers) {
      expect(trigger.next(Number.POSITIVE_INFINITY)).toBeNull();
      expect(trigger.next(Date.parse('9999-12-31T23:59:59.999Z'))).toBeNull();
      const fromMinusInfinity = trigger.next(Number.NEGATIVE_INFINITY);
      expect(fromMinusInfinity).not.toBeNull();
      expect(fromMinusInfinity!).toBeGreaterThanOrEqual(0);
      expect(trigger.next(-1e15)).toBe(fromMinusInfinity);
    }
  });
});
