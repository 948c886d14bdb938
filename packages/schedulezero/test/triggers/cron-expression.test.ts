/** The crontab form, in UTC: syntax, field semantics, L/W/#, bounds and errors. */
import { describe, expect, test } from 'vitest';
import { compile, cronRuns, occurrences, rejects } from './support/helpers.js';

const utc = (expression: string, after: string, n = 5): string[] => cronRuns(expression, 'UTC', after, n);

describe('basic fields', () => {
  test('weekdays at 02:30', () => {
    // 2024-01-05 is a Friday.
    expect(utc('30 2 * * 1-5', '2024-01-05T00:00:00Z', 4)).toEqual([
      '2024-01-05T02:30:00.000Z',
      '2024-01-08T02:30:00.000Z',
      '2024-01-09T02:30:00.000Z',
      '2024-01-10T02:30:00.000Z',
    ]);
  });

  test('next is strictly after its argument', () => {
    const trigger = compile({ type: 'cron', expression: '0 * * * *' });
    const at = Date.parse('2024-01-01T05:00:00Z');
    expect(trigger.next(at - 1)).toBe(at);
    expect(trigger.next(at)).toBe(at + 3_600_000);
    expect(trigger.next(at + 0.5)).toBe(at + 3_600_000);
  });

  test('every minute, and whole seconds only', () => {
    expect(utc('* * * * *', '2024-01-01T00:00:30.250Z', 3)).toEqual([
      '2024-01-01T00:01:00.000Z',
      '2024-01-01T00:02:00.000Z',
      '2024-01-01T00:03:00.000Z',
    ]);
  });

  test('six fields: seconds first', () => {
    expect(utc('*/15 * * * * *', '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T00:00:15.000Z',
      '2024-01-01T00:00:30.000Z',
      '2024-01-01T00:00:45.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
    expect(utc('5 0 12 * * *', '2024-01-01T12:00:05Z', 1)).toEqual(['2024-01-02T12:00:05.000Z']);
    expect(utc('59 59 23 31 12 *', '2024-06-01T00:00:00Z', 2)).toEqual(['2024-12-31T23:59:59.000Z', '2025-12-31T23:59:59.000Z']);
  });

  test('lists, ranges, steps and ranges with steps', () => {
    expect(utc('0 1-5/2 * * *', '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T03:00:00.000Z',
      '2024-01-01T05:00:00.000Z',
      '2024-01-02T01:00:00.000Z',
    ]);
    expect(utc('0 0 1,15-16 * *', '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-15T00:00:00.000Z',
      '2024-01-16T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
      '2024-02-15T00:00:00.000Z',
    ]);
    expect(utc('10,20 */12 * * *', '2024-01-01T00:10:00Z', 3)).toEqual([
      '2024-01-01T00:20:00.000Z',
      '2024-01-01T12:10:00.000Z',
      '2024-01-01T12:20:00.000Z',
    ]);
    expect(utc('0 0 */10 * *', '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-11T00:00:00.000Z',
      '2024-01-21T00:00:00.000Z',
      '2024-01-31T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
    ]);
  });

  test('month and weekday names, any case; 0 and 7 are Sunday; ? is *', () => {
    expect(utc('0 0 1 JAN,jul *', '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-07-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
      '2025-07-01T00:00:00.000Z',
    ]);
    expect(utc('0 0 * * MON-wed', '2024-01-04T00:00:00Z', 3)).toEqual([
      '2024-01-08T00:00:00.000Z',
      '2024-01-09T00:00:00.000Z',
      '2024-01-10T00:00:00.000Z',
    ]);
    expect(utc('0 0 * * 7', '2024-01-01T00:00:00Z', 2)).toEqual(utc('0 0 * * 0', '2024-01-01T00:00:00Z', 2));
    expect(utc('0 0 * * SUN', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T00:00:00.000Z']);
    expect(utc('0 0 ? * *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-02T00:00:00.000Z']);
    expect(utc('0 0 * FEB-MAR/1 *', '2024-01-31T00:00:00Z', 1)).toEqual(['2024-02-01T00:00:00.000Z']);
  });

  test('whitespace is normalized', () => {
    expect(utc('  0   2\t* * *  ', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-01T02:00:00.000Z']);
  });
});

describe('day-of-month and day-of-week', () => {
  test('both restricted: either matches (Vixie OR), a day matching both runs once', () => {
    // 13th of the month or a Friday; 2024-09-13 is both.
    expect(utc('0 0 13 * 5', '2024-09-01T00:00:00Z', 8)).toEqual([
      '2024-09-06T00:00:00.000Z',
      '2024-09-13T00:00:00.000Z',
      '2024-09-20T00:00:00.000Z',
      '2024-09-27T00:00:00.000Z',
      '2024-10-04T00:00:00.000Z',
      '2024-10-11T00:00:00.000Z',
      '2024-10-13T00:00:00.000Z',
      '2024-10-18T00:00:00.000Z',
    ]);
  });

  test('only one restricted: that one alone decides', () => {
    expect(utc('0 0 * * 5', '2024-09-01T00:00:00Z', 2)).toEqual(['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z']);
    expect(utc('0 0 13 * *', '2024-09-01T00:00:00Z', 2)).toEqual(['2024-09-13T00:00:00.000Z', '2024-10-13T00:00:00.000Z']);
    expect(utc('0 0 13 * ?', '2024-09-01T00:00:00Z', 1)).toEqual(['2024-09-13T00:00:00.000Z']);
  });

  test('a stepped day-of-month counts as restricted (OR with the weekday)', () => {
    // Odd days, or Mondays. 2024-01-08 is an even Monday.
    expect(utc('0 0 */2 * MON', '2024-01-06T00:00:00Z', 3)).toEqual([
      '2024-01-07T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
      '2024-01-09T00:00:00.000Z',
    ]);
  });

  test('the 31st skips short months; the 29th of February waits for leap years, also across 2100', () => {
    expect(utc('0 0 31 * *', '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-31T00:00:00.000Z',
      '2024-03-31T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
      '2024-07-31T00:00:00.000Z',
      '2024-08-31T00:00:00.000Z',
    ]);
    expect(utc('0 0 29 2 *', '2024-03-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
    expect(utc('0 0 29 2 *', '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00.000Z']);
  });

  test('impossible dates return null quickly', () => {
    for (const expression of ['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 31 2 *']) {
      const trigger = compile({ type: 'cron', expression });
      const started = performance.now();
      expect(trigger.next(Date.parse('2024-01-01T00:00:00Z'))).toBeNull();
      expect(trigger.first(Date.parse('2024-01-01T00:00:00Z'))).toBeNull();
      // A bound, not a benchmark: the search gives up after 400 years, in well under a second.
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  test('no occurrence past year 9999', () => {
    expect(utc('0 0 1 1 *', '9999-06-01T00:00:00Z', 1)).toEqual([]);
    expect(utc('59 23 31 12 *', '9999-12-31T00:00:00Z', 2)).toEqual(['9999-12-31T23:59:00.000Z']);
  });
});

describe('L, W and #', () => {
  test('L: last day of the month, in leap and non-leap Februaries', () => {
    expect(utc('0 0 L * *', '2023-01-01T00:00:00Z', 4)).toEqual([
      '2023-01-31T00:00:00.000Z',
      '2023-02-28T00:00:00.000Z',
      '2023-03-31T00:00:00.000Z',
      '2023-04-30T00:00:00.000Z',
    ]);
    expect(utc('0 0 L 2 *', '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-02-29T00:00:00.000Z',
      '2025-02-28T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2027-02-28T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
    ]);
    expect(utc('0 0 L 2 *', '2099-03-01T00:00:00Z', 1)).toEqual(['2100-02-28T00:00:00.000Z']);
  });

  test('L in a list with days', () => {
    expect(utc('0 0 15,L * *', '2024-02-01T00:00:00Z', 3)).toEqual([
      '2024-02-15T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-15T00:00:00.000Z',
    ]);
  });

  test('5L, FRIL, 5#L and FRI#L: last Friday', () => {
    const expected = [
      '2024-01-26T00:00:00.000Z',
      '2024-02-23T00:00:00.000Z',
      '2024-03-29T00:00:00.000Z',
      '2024-04-26T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
    ];
    for (const dow of ['5L', 'FRIL', '5#L', 'FRI#L']) expect(utc(`0 0 * * ${dow}`, '2024-01-01T00:00:00Z', 5)).toEqual(expected);
  });

  test('#: nth weekday; a 5th weekday is absent in most months', () => {
    expect(utc('0 0 * * MON#2', '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-08T00:00:00.000Z',
      '2024-02-12T00:00:00.000Z',
      '2024-03-11T00:00:00.000Z',
    ]);
    expect(utc('0 0 * * 1#5', '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-29T00:00:00.000Z',
      '2024-04-29T00:00:00.000Z',
      '2024-07-29T00:00:00.000Z',
      '2024-09-30T00:00:00.000Z',
      '2024-12-30T00:00:00.000Z',
    ]);
    // Fifth Thursday in February: only when February has 29 days and starts on a Thursday.
    expect(utc('0 0 * 2 THU#5', '2016-01-01T00:00:00Z', 2)).toEqual(['2024-02-29T00:00:00.000Z', '2052-02-29T00:00:00.000Z']);
  });

  test('W: nearest weekday, never crossing the month', () => {
    // 2024-06-15 is a Saturday, 2024-09-15 a Sunday.
    expect(utc('0 0 15W 6,9 *', '2024-01-01T00:00:00Z', 2)).toEqual(['2024-06-14T00:00:00.000Z', '2024-09-16T00:00:00.000Z']);
    // 1W on Saturday 2024-06-01 moves forward to Monday the 3rd, not back into May.
    expect(utc('0 0 1W 6 *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-06-03T00:00:00.000Z']);
    // 1W on Sunday 2024-09-01: Monday the 2nd.
    expect(utc('0 0 1W 9 *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-09-02T00:00:00.000Z']);
    // 31W on Sunday 2024-03-31 moves back to Friday the 29th; months without a 31st are skipped.
    expect(utc('0 0 31W * *', '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-31T00:00:00.000Z',
      '2024-03-29T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
      '2024-07-31T00:00:00.000Z',
      '2024-08-30T00:00:00.000Z',
    ]);
    // 30W in February never matches.
    expect(utc('0 0 30W 2 *', '2024-01-01T00:00:00Z', 1)).toEqual([]);
  });

  test('LW: last weekday of the month', () => {
    expect(utc('0 0 LW * *', '2024-03-01T00:00:00Z', 4)).toEqual([
      '2024-03-29T00:00:00.000Z',
      '2024-04-30T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
      '2024-06-28T00:00:00.000Z',
    ]);
  });
});

describe('start_time and end_time', () => {
  const base = { type: 'cron', expression: '0 * * * *' };

  test('occurrences are >= start_time (inclusive) and <= end_time (inclusive)', () => {
    const trigger = compile({ ...base, start_time: '2024-01-01T05:00:00Z', end_time: '2024-01-01T07:00:00Z' });
    expect(trigger.first(Date.parse('2024-01-01T00:00:00Z'))).toBe(Date.parse('2024-01-01T05:00:00Z'));
    expect(occurrences(trigger, '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-01T05:00:00.000Z',
      '2024-01-01T06:00:00.000Z',
      '2024-01-01T07:00:00.000Z',
    ]);
    expect(trigger.first(Date.parse('2024-01-01T07:00:00.001Z'))).toBeNull();
  });

  test('a start_time between occurrences', () => {
    const trigger = compile({ ...base, start_time: '2024-01-01T05:00:00.001Z' });
    expect(trigger.first(0)).toBe(Date.parse('2024-01-01T06:00:00Z'));
  });

  test('first(now) includes an occurrence exactly at now', () => {
    const trigger = compile(base);
    expect(trigger.first(Date.parse('2024-01-01T05:00:00Z'))).toBe(Date.parse('2024-01-01T05:00:00Z'));
    expect(trigger.first(Date.parse('2024-01-01T05:00:00.001Z'))).toBe(Date.parse('2024-01-01T06:00:00Z'));
  });

  test('end before start is rejected; equal is allowed', () => {
    rejects({ ...base, start_time: '2024-01-02T00:00:00Z', end_time: '2024-01-01T00:00:00Z' }, 'trigger.end_time', 'invalid_trigger', /before start_time/);
    const trigger = compile({ ...base, start_time: '2024-01-01T05:00:00Z', end_time: '2024-01-01T05:00:00Z' });
    expect(occurrences(trigger, 0, 3)).toEqual(['2024-01-01T05:00:00.000Z']);
  });
});

describe('rejections name the field', () => {
  const bad = (expression: unknown, message?: string | RegExp) =>
    rejects({ type: 'cron', expression }, 'trigger.expression', 'invalid_cron', message);

  test('out-of-range values, with the field and the text as written', () => {
    bad('0 25 * * *', 'cron expression "0 25 * * *": hour field "25" is out of range 0-23');
    bad('60 * * * *', 'cron expression "60 * * * *": minute field "60" is out of range 0-59');
    bad('61 * * * * *', 'cron expression "61 * * * * *": second field "61" is out of range 0-59');
    bad('0 0 32 * *', 'cron expression "0 0 32 * *": day-of-month field "32" is out of range 1-31');
    bad('0 0 0 * *', 'cron expression "0 0 0 * *": day-of-month field "0" is out of range 1-31');
    bad('0 0 * 13 *', 'cron expression "0 0 * 13 *": month field "13" is out of range 1-12 or JAN-DEC');
    bad('0 0 * 0 *', /month field "0" is out of range/);
    bad('0 0 * * 8', 'cron expression "0 0 * * 8": day-of-week field "8" is out of range 0-7 or SUN-SAT');
    bad('0 0-24 * * *', /hour field "0-24" is out of range 0-23/);
    bad('0 0 1,40 * *', /day-of-month field "1,40" is out of range/);
    bad('0 0 32W * *', /day-of-month field "32W" is out of range/);
  });

  test('wrong field counts', () => {
    bad('* * * *', /expected 5 fields .* or 6 .*got 4/);
    bad('0 0 0 * * * 2025', /got 7; a year field is not supported in the crontab form/);
    bad('* * * * * * * *', /got 8/);
    bad('', /got 0/);
    bad('   ', /got 0/);
    bad('@daily', 'cron expression "@daily": nicknames are not supported; use "0 0 * * *"');
    bad('@reboot', /nicknames are not supported/);
  });

  test('syntax errors', () => {
    bad('*/0 * * * *', /minute field "\*\/0" is invalid: illegal stepping: 0/);
    bad('5-1 * * * *', /minute field "5-1" is invalid/);
    bad('5/15 * * * *', /minute field "5\/15" is invalid/);
    bad('0 0 L-3 * *', /day-of-month field "L-3" is invalid/);
    bad('0 0 * * MON#6', /day-of-week field "MON#6" is invalid/);
    bad('0 0 * * 5W', /day-of-week field "5W"/);
    bad('0 0 15W-20 * *', /day-of-month field "15W-20" is invalid/);
    bad('0 0 1#2 * *', /day-of-month field "1#2"/);
    bad('0 L * * *', /hour field "L" is not valid here/);
    bad('0 0 * JANUARY *', /month field "JANUARY"/);
    bad('a b c d e', /minute field "a" is not valid here/);
    bad('0 0 * * +MON', 'cron expression "0 0 * * +MON": day-of-week field "+MON" contains the invalid character "+"');
    bad('0 0 * * 1;2', /contains the invalid character ";"/);
    bad('0 0 ,1 * *', /day-of-month field ",1"/);
  });

  test('not a string', () => {
    bad(5, /expected a crontab string/);
    bad(['0', '0', '*', '*', '*'], /expected a crontab string/);
  });
});

describe('describe()', () => {
  test('uses cronstrue and names the zone', () => {
    expect(compile({ type: 'cron', expression: '30 2 * * 1-5', timezone: 'Europe/Berlin' }).describe()).toBe(
      'At 02:30 AM, Monday through Friday (Europe/Berlin)',
    );
    expect(compile({ type: 'cron', expression: '0 0 * * 5L' }).describe()).toBe('At 12:00 AM, on the last Friday of the month (UTC)');
    expect(compile({ type: 'cron', expression: '*/15 * * * * *' }).describe()).toBe('Every 15 seconds (UTC)');
  });
});
