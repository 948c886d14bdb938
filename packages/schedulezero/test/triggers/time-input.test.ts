/** run_date / start_time / end_time: ISO-8601 text and epoch seconds, offset-less times in zones. */
import { describe, expect, test } from 'vitest';
import { parseTrigger } from '../../src/triggers/index.js';
import { NOW, rejects } from './support/helpers.js';

const runDate = (run_date: unknown, timezone?: string): string => {
  const spec = parseTrigger({ type: 'date', run_date, ...(timezone === undefined ? {} : { timezone }) }, { now: NOW });
  return (spec as { run_date: string }).run_date;
};

describe('ISO-8601 with an offset or Z: that instant', () => {
  test.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00,25Z', '2024-05-01T10:00:00.250Z'],
    ['2024-05-01T10:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01 10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01t10:00:00z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+0200', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T04:30:00-05:30', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00-00:00', '2024-05-01T10:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('%s', (input, expected) => {
    expect(runDate(input)).toBe(expected);
    // The zone does not matter when the offset is given.
    expect(runDate(input, 'Asia/Tokyo')).toBe(expected);
  });
});

describe('Unix epoch numbers: seconds, UTC, fractions allowed', () => {
  test.each([
    [0, '1970-01-01T00:00:00.000Z'],
    [1714557600, '2024-05-01T10:00:00.000Z'],
    [1714557600.5, '2024-05-01T10:00:00.500Z'],
    [1700000000.123, '2023-11-14T22:13:20.123Z'],
    [1714557600.0004, '2024-05-01T10:00:00.000Z'],
  ])('%s', (input, expected) => {
    expect(runDate(input)).toBe(expected);
    expect(runDate(input, 'America/New_York')).toBe(expected);
  });
});

describe('offset-less: a wall time in the trigger timezone', () => {
  test('plain wall times', () => {
    expect(runDate('2024-05-01T12:00:00', 'Europe/Berlin')).toBe('2024-05-01T10:00:00.000Z');
    expect(runDate('2024-05-01T12:00', 'America/New_York')).toBe('2024-05-01T16:00:00.000Z');
    expect(runDate('2024-05-01T12:00:00')).toBe('2024-05-01T12:00:00.000Z');
    expect(runDate('2024-05-01T12:00:00', 'Asia/Kathmandu')).toBe('2024-05-01T06:15:00.000Z');
  });

  test('a date alone is midnight in the zone', () => {
    expect(runDate('2024-05-01', 'Asia/Tokyo')).toBe('2024-04-30T15:00:00.000Z');
    expect(runDate('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
  });

  test('inside a DST gap: the end of the gap', () => {
    expect(runDate('2024-03-31T02:30:00', 'Europe/Berlin')).toBe('2024-03-31T01:00:00.000Z');
    expect(runDate('2024-03-10T02:00:00', 'America/New_York')).toBe('2024-03-10T07:00:00.000Z');
    expect(runDate('2024-03-10T02:59:59.999', 'America/New_York')).toBe('2024-03-10T07:00:00.000Z');
    // Midnight that does not exist (America/Santiago springs from 00:00 to 01:00).
    expect(runDate('2024-09-08', 'America/Santiago')).toBe('2024-09-08T04:00:00.000Z');
    // Samoa skipped 2011-12-30 entirely.
    expect(runDate('2011-12-30T12:00:00', 'Pacific/Apia')).toBe('2011-12-30T10:00:00.000Z');
  });

  test('in a repeated hour: its first occurrence', () => {
    expect(runDate('2024-10-27T02:30:00', 'Europe/Berlin')).toBe('2024-10-27T00:30:00.000Z');
    expect(runDate('2024-11-03T01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
    expect(runDate('2024-04-07T01:45:00', 'Australia/Lord_Howe')).toBe('2024-04-06T14:45:00.000Z');
  });

  test('start_time and end_time follow the same rule', () => {
    const spec = parseTrigger(
      { type: 'cron', expression: '0 * * * *', timezone: 'Europe/Berlin', start_time: '2024-03-31T02:30:00', end_time: '2024-10-27T02:30' },
      { now: NOW },
    );
    expect(spec).toMatchObject({ start_time: '2024-03-31T01:00:00.000Z', end_time: '2024-10-27T00:30:00.000Z' });
  });
});

describe('rejections', () => {
  const bad = (value: unknown, message?: RegExp, timezone?: string) =>
    rejects({ type: 'date', run_date: value, ...(timezone === undefined ? {} : { timezone }) }, 'trigger.run_date', 'invalid_trigger', message);

  test('calendar and clock fields out of range', () => {
    bad('2024-13-01T00:00:00Z', /month 13 is out of range/);
    bad('2024-00-01T00:00:00Z', /month 00 is out of range/);
    bad('2024-02-30', /day 30 does not exist in 2024-02/);
    bad('2023-02-29T00:00:00Z', /day 29 does not exist in 2023-02/);
    bad('2024-04-31T00:00:00Z', /day 31 does not exist/);
    bad('2024-01-00T00:00:00Z', /day 00 does not exist/);
    bad('2024-01-01T24:00:00Z', /hour 24 is out of range/);
    bad('2024-01-01T23:60:00Z', /minute 60 is out of range/);
    bad('2024-01-01T23:59:60Z', /second 60 is out of range/);
    bad('2024-01-01T00:00:00+24:00', /UTC offset \+24:00 is invalid/);
    bad('2024-01-01T00:00:00+01:60', /UTC offset/);
  });

  test('not ISO-8601', () => {
    for (const value of ['yesterday', '2024/01/01', '', '2024-1-1', '20240101T000000Z', '2024-01-01Z', '2024-01-01T00:00:00 Z', '1714557600', '2024-01-01T00Z', ' 2024-01-01T00:00:00Z', '+002024-01-01T00:00:00Z']) {
      bad(value, /expected an ISO-8601 date-time .* or a Unix epoch number in seconds/);
    }
  });

  test('not a string or a finite number', () => {
    for (const value of [true, {}, [], Number.NaN, Number.POSITIVE_INFINITY]) bad(value, /expected an ISO-8601/);
  });

  test('outside 1970..9999', () => {
    bad(-1, /outside the supported range/);
    bad(253402300800, /outside the supported range/);
    bad('1969-12-31T23:59:59Z', /outside the supported range/);
    bad('1970-01-01T08:59:59+09:00', /outside the supported range/);
    // Offset-less times are checked after placing them in the zone.
    bad('1970-01-01T00:00:00', /outside the supported range/, 'Asia/Tokyo');
    bad('9999-12-31T23:00:00', /outside the supported range/, 'America/Los_Angeles');
  });

  test('missing or null run_date', () => {
    rejects({ type: 'date' }, 'trigger.run_date', 'invalid_trigger', 'trigger.run_date: required for a date trigger');
    rejects({ type: 'date', run_date: null }, 'trigger.run_date', 'invalid_trigger');
  });

  test('start_time and end_time errors name their field', () => {
    rejects({ type: 'cron', expression: '* * * * *', start_time: 'soon' }, 'trigger.start_time', 'invalid_trigger', /^trigger\.start_time: /);
    rejects({ type: 'interval', hours: 1, end_time: '2024-02-30' }, 'trigger.end_time', 'invalid_trigger', /^trigger\.end_time: /);
  });
});
