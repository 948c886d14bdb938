/** The APScheduler field form of the cron trigger. */
import { describe, expect, test } from 'vitest';
import { compile, occurrences, rejects } from './support/helpers.js';

const runs = (fields: Record<string, unknown>, after: string, n = 4, timezone = 'UTC'): string[] =>
  occurrences(compile({ type: 'cron', ...fields, timezone }), after, n);

describe('defaults (APScheduler rule)', () => {
  test('{hour: "*/2", minute: "0"}: every two hours on the hour, second 0', () => {
    expect(runs({ hour: '*/2', minute: '0' }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-01T02:00:00.000Z',
      '2024-01-01T04:00:00.000Z',
      '2024-01-01T06:00:00.000Z',
      '2024-01-01T08:00:00.000Z',
    ]);
  });

  test('fields after the least significant given one take their minimum', () => {
    // {day: 1}: midnight on the 1st of every month (month and year stay *).
    expect(runs({ day: 1 }, '2024-01-15T00:00:00Z', 2)).toEqual(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    // {year: 2030}: once, at the start of 2030.
    expect(runs({ year: 2030 }, '2024-01-01T00:00:00Z', 2)).toEqual(['2030-01-01T00:00:00.000Z']);
    // {month: 6}: June 1st at midnight.
    expect(runs({ month: 6 }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-06-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
  });

  test('fields before the most significant given one are *', () => {
    expect(runs({ minute: 30 }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-01T00:30:00.000Z', '2024-01-01T01:30:00.000Z']);
    expect(runs({ second: '*/20' }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T00:00:20.000Z',
      '2024-01-01T00:00:40.000Z',
      '2024-01-01T00:01:00.000Z',
      '2024-01-01T00:01:20.000Z',
    ]);
  });

  test('fields between two given ones are * (not their minimum)', () => {
    // {day: 1, minute: 30}: every hour at :30 on the 1st, as APScheduler does.
    expect(runs({ day: 1, minute: 30 }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T00:30:00.000Z',
      '2024-01-01T01:30:00.000Z',
      '2024-01-01T02:30:00.000Z',
    ]);
  });

  test('numbers and strings are equivalent', () => {
    expect(runs({ hour: 2, minute: 30 }, '2024-01-01T00:00:00Z', 2)).toEqual(runs({ hour: '2', minute: ' 30 ' }, '2024-01-01T00:00:00Z', 2));
  });
});

describe('expressions', () => {
  test('a/n runs from a to the maximum; a-b/n; lists with spaces', () => {
    expect(runs({ hour: '9/4' }, '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-01T09:00:00.000Z',
      '2024-01-01T13:00:00.000Z',
      '2024-01-01T17:00:00.000Z',
      '2024-01-01T21:00:00.000Z',
      '2024-01-02T09:00:00.000Z',
    ]);
    expect(runs({ minute: '10-40/15', hour: 0 }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T00:10:00.000Z',
      '2024-01-01T00:25:00.000Z',
      '2024-01-01T00:40:00.000Z',
      '2024-01-02T00:10:00.000Z',
    ]);
    expect(runs({ hour: '1 , 3,5' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T03:00:00.000Z',
      '2024-01-01T05:00:00.000Z',
    ]);
  });

  test('month names and ranges', () => {
    expect(runs({ month: 'jan-feb,DEC', day: 1 }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
  });

  test('year: single, range, step from 1970', () => {
    expect(runs({ year: '2025-2026', month: 3 }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2025-03-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    // */5 counts from APScheduler's minimum year, 1970: 2025, 2030, ...
    expect(runs({ year: '*/5' }, '2024-01-01T00:00:00Z', 2)).toEqual(['2025-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z']);
    expect(runs({ year: 2023 }, '2024-01-01T00:00:00Z', 1)).toEqual([]);
  });
});

describe('day_of_week uses APScheduler numbering: 0 = Monday .. 6 = Sunday', () => {
  test('numbers', () => {
    // 2024-01-01 is a Monday.
    expect(runs({ day_of_week: 0, hour: 9 }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-01T09:00:00.000Z', '2024-01-08T09:00:00.000Z']);
    expect(runs({ day_of_week: 6, hour: 9 }, '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T09:00:00.000Z']);
    expect(runs({ day_of_week: '5-6', hour: 9 }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-06T09:00:00.000Z',
      '2024-01-07T09:00:00.000Z',
      '2024-01-13T09:00:00.000Z',
    ]);
    expect(runs({ day_of_week: '*/3', hour: 0 }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-04T00:00:00.000Z',
      '2024-01-07T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
      '2024-01-11T00:00:00.000Z',
    ]);
  });

  test('names', () => {
    expect(runs({ day_of_week: 'mon-fri', hour: 5, minute: 30 }, '2024-01-05T06:00:00Z', 2)).toEqual([
      '2024-01-08T05:30:00.000Z',
      '2024-01-09T05:30:00.000Z',
    ]);
    expect(runs({ day_of_week: 'SAT,sun' }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-06T00:00:00.000Z', '2024-01-07T00:00:00.000Z']);
  });

  test('day and day_of_week must both match (AND, unlike crontab)', () => {
    expect(runs({ day: 13, day_of_week: 'fri' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-09-13T00:00:00.000Z',
      '2024-12-13T00:00:00.000Z',
      '2025-06-13T00:00:00.000Z',
    ]);
  });
});

describe('day: last, "last fri", "1st mon".."5th mon"', () => {
  test('last day of the month', () => {
    expect(runs({ month: 2, day: 'last' }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z']);
  });

  test('last weekday of the month', () => {
    expect(runs({ day: 'last fri', hour: 9 }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-26T09:00:00.000Z',
      '2024-02-23T09:00:00.000Z',
      '2024-03-29T09:00:00.000Z',
    ]);
  });

  test('nth weekday; the 5th is absent in most months', () => {
    expect(runs({ day: '1st mon' }, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-02-05T00:00:00.000Z', '2024-03-04T00:00:00.000Z']);
    expect(runs({ day: '5th mon' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-29T00:00:00.000Z',
      '2024-04-29T00:00:00.000Z',
      '2024-07-29T00:00:00.000Z',
    ]);
  });

  test('positions and dates in one list are alternatives', () => {
    // 2nd Tuesday (2024-01-09) or the 15th.
    expect(runs({ day: '2nd tue, 15' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-09T00:00:00.000Z',
      '2024-01-15T00:00:00.000Z',
      '2024-02-13T00:00:00.000Z',
    ]);
  });

  test('a position and day_of_week: both must hold', () => {
    // The last Friday that is also a Friday: same as "last fri"; with Monday: never.
    expect(runs({ day: 'last fri', day_of_week: 'fri' }, '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-26T00:00:00.000Z']);
    expect(runs({ day: 'last fri', day_of_week: 'mon' }, '2024-01-01T00:00:00Z', 1)).toEqual([]);
  });
});

describe('week: ISO week number, as a filter', () => {
  test('week 1 Mondays', () => {
    expect(runs({ week: 1, day_of_week: 'mon' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-12-30T00:00:00.000Z',
      '2025-12-29T00:00:00.000Z',
      '2027-01-04T00:00:00.000Z',
    ]);
  });

  test('week 53 only exists in long ISO years', () => {
    expect(runs({ week: 53, day_of_week: 'thu' }, '2015-01-01T00:00:00Z', 3)).toEqual([
      '2015-12-31T00:00:00.000Z',
      '2020-12-31T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
    ]);
  });

  test('ranges and steps', () => {
    const got = runs({ week: '10-11', day_of_week: 'wed' }, '2024-01-01T00:00:00Z', 3);
    expect(got).toEqual(['2024-03-06T00:00:00.000Z', '2024-03-13T00:00:00.000Z', '2025-03-05T00:00:00.000Z']);
    expect(runs({ week: '*/26', day_of_week: 'mon' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      // Weeks 1, 27 and 53.
      '2024-07-01T00:00:00.000Z',
      '2024-12-30T00:00:00.000Z',
      '2025-06-30T00:00:00.000Z',
    ]);
  });

  test('impossible combinations end quickly', () => {
    expect(runs({ week: 1, month: 6 }, '2024-01-01T00:00:00Z', 1)).toEqual([]);
  });
});

describe('describe()', () => {
  test('field form descriptions', () => {
    expect(compile({ type: 'cron', hour: '*/2', minute: 0, timezone: 'Europe/Berlin' }).describe()).toBe(
      'On the hour, every 2 hours (Europe/Berlin)',
    );
    expect(compile({ type: 'cron', day: 'last fri', hour: 9 }).describe()).toBe('At 09:00 AM, on the last Friday of the month (UTC)');
    expect(compile({ type: 'cron', day_of_week: 'mon-fri', hour: 5, minute: 30 }).describe()).toBe(
      'At 05:30 AM, Monday through Friday (UTC)',
    );
    expect(compile({ type: 'cron', week: 1, day_of_week: 'mon' }).describe()).toBe('At 12:00 AM, only on Monday, only in ISO week 1 (UTC)');
  });
});

describe('rejections', () => {
  const bad = (fields: Record<string, unknown>, field: string, message?: RegExp) =>
    rejects({ type: 'cron', ...fields }, field, 'invalid_cron', message);

  test('values out of range', () => {
    bad({ hour: 24 }, 'trigger.hour', /"24" is out of range 0-23/);
    bad({ minute: 60 }, 'trigger.minute', /out of range 0-59/);
    bad({ second: '0-60' }, 'trigger.second', /out of range 0-59/);
    bad({ day: 0 }, 'trigger.day', /not a valid expression/);
    bad({ day: 32 }, 'trigger.day', /not a valid expression/);
    bad({ month: 13 }, 'trigger.month', /out of range 1-12/);
    bad({ week: 54 }, 'trigger.week', /out of range 1-53/);
    bad({ week: 0 }, 'trigger.week', /out of range 1-53/);
    bad({ year: 1969 }, 'trigger.year', /out of range 1970-9999/);
    bad({ day_of_week: 7 }, 'trigger.day_of_week', /out of range 0-6/);
  });

  test('bad syntax and names', () => {
    bad({ day_of_week: 'funday' }, 'trigger.day_of_week', /"funday" is not a valid name/);
    bad({ day_of_week: 'fri-mon' }, 'trigger.day_of_week', /starts after it ends/);
    bad({ month: 'janu' }, 'trigger.month', /not a valid name/);
    bad({ day: '6th mon' }, 'trigger.day', /not a valid expression/);
    bad({ day: 'last xyz' }, 'trigger.day', /"xyz" is not a weekday name/);
    bad({ day: '1st 1' }, 'trigger.day', /"1" is not a weekday name/);
    bad({ hour: '*/0' }, 'trigger.hour', /at least 1/);
    bad({ hour: '*/24' }, 'trigger.hour', /larger than the field's range/);
    bad({ hour: '5-3' }, 'trigger.hour', /starts after it ends/);
    bad({ hour: 'L' }, 'trigger.hour', /not a valid expression/);
    bad({ hour: '1,,2' }, 'trigger.hour', /empty list item/);
    bad({ minute: '' }, 'trigger.minute', /must not be empty/);
  });

  test('bad types', () => {
    bad({ minute: 1.5 }, 'trigger.minute', /not a valid value/);
    bad({ minute: -1 }, 'trigger.minute', /not a valid value/);
    bad({ hour: true }, 'trigger.hour', /expected a string expression or a number/);
    bad({ hour: [1, 2] }, 'trigger.hour', /expected a string expression or a number/);
  });

  test('expression and fields together, or neither', () => {
    rejects({ type: 'cron', expression: '0 * * * *', hour: 2 }, 'trigger.hour', 'invalid_trigger', /either "expression" or the cron fields/);
    rejects({ type: 'cron' }, 'trigger.expression', 'invalid_trigger', /needs "expression"/);
    rejects({ type: 'cron', timezone: 'UTC' }, 'trigger.expression', 'invalid_trigger');
  });
});
