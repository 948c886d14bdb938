/**
 * The DST policy (docs/concepts/dst.md) with exact instants in named zones:
 * - a wall time in a gap runs once, at the end of the gap;
 * - a repeated wall time runs once, at its first instant, unless the hour field is * or a step:
 *   then at both instants.
 */
import { describe, expect, test } from 'vitest';
import { compile, cronRuns, occurrences } from './support/helpers.js';
import { personInstant } from './support/oracle.js';

const DAY = 86_400_000;

describe('America/New_York (spring 2024-03-10 02:00 -> 03:00, fall 2024-11-03 02:00 -> 01:00)', () => {
  const ny = (expression: string, after: string, n: number) => cronRuns(expression, 'America/New_York', after, n);

  test('a daily time inside the gap runs at the end of the gap', () => {
    expect(ny('30 2 * * *', '2024-03-09T00:00:00Z', 3)).toEqual([
      '2024-03-09T07:30:00.000Z',
      '2024-03-10T07:00:00.000Z',
      '2024-03-11T06:30:00.000Z',
    ]);
    expect(ny('0 2 * * *', '2024-03-10T00:00:00Z', 1)).toEqual(['2024-03-10T07:00:00.000Z']);
  });

  test('several gap times and the first time after the gap collapse into one run', () => {
    expect(ny('*/30 2 * * *', '2024-03-10T00:00:00Z', 2)).toEqual(['2024-03-10T07:00:00.000Z', '2024-03-11T06:00:00.000Z']);
    expect(ny('0 2,3 * * *', '2024-03-10T00:00:00Z', 3)).toEqual([
      '2024-03-10T07:00:00.000Z',
      '2024-03-11T06:00:00.000Z',
      '2024-03-11T07:00:00.000Z',
    ]);
  });

  test('hourly across the gap: 01:00 EST, end of gap (02:00 and 03:00 together), 04:00 EDT', () => {
    expect(ny('0 * * * *', '2024-03-10T05:30:00Z', 3)).toEqual([
      '2024-03-10T06:00:00.000Z',
      '2024-03-10T07:00:00.000Z',
      '2024-03-10T08:00:00.000Z',
    ]);
  });

  test('asking from the end of the gap itself still finds the collapsed run there', () => {
    const trigger = compile({ type: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' });
    const endOfGap = Date.parse('2024-03-10T07:00:00Z');
    expect(trigger.next(endOfGap - 1)).toBe(endOfGap);
    expect(trigger.first(endOfGap)).toBe(endOfGap);
    expect(trigger.next(endOfGap)).toBe(Date.parse('2024-03-11T06:30:00Z'));
  });

  test('a fixed time in the repeated hour runs once, at its first instant (EDT)', () => {
    expect(ny('30 1 * * *', '2024-11-02T12:00:00Z', 2)).toEqual(['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']);
    expect(ny('0,30 1 * * *', '2024-11-03T00:00:00Z', 3)).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-04T06:00:00.000Z',
    ]);
  });

  test('an hourly job runs on both passes of the repeated hour', () => {
    expect(ny('0 * * * *', '2024-11-03T03:30:00Z', 4)).toEqual([
      '2024-11-03T04:00:00.000Z',
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ]);
    expect(ny('*/30 * * * *', '2024-11-03T04:50:00Z', 5)).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T06:30:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ]);
  });

  test('a stepped hour counts as a step: both passes', () => {
    expect(ny('0 1-3/2 * * *', '2024-11-03T00:00:00Z', 3)).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T08:00:00.000Z',
    ]);
  });

  test('asking from inside either pass', () => {
    // From 01:50 EDT (first pass), an hourly-step job's next run is 01:00 EST.
    const wild = compile({ type: 'cron', expression: '*/20 * * * *', timezone: 'America/New_York' });
    expect(wild.next(Date.parse('2024-11-03T05:50:00Z'))).toBe(Date.parse('2024-11-03T06:00:00Z'));
    // From 01:10 EST (second pass), a fixed-hour job waits for the next day.
    const fixed = compile({ type: 'cron', expression: '*/20 1 * * *', timezone: 'America/New_York' });
    expect(fixed.next(Date.parse('2024-11-03T06:10:00Z'))).toBe(Date.parse('2024-11-04T06:00:00Z'));
    expect(fixed.next(Date.parse('2024-11-03T05:10:00Z'))).toBe(Date.parse('2024-11-03T05:20:00Z'));
  });

  test('the field form follows the same rule: hour * (by default) runs on both passes', () => {
    const hourly = compile({ type: 'cron', minute: 0, timezone: 'America/New_York' });
    expect(occurrences(hourly, '2024-11-03T04:30:00Z', 2)).toEqual(['2024-11-03T05:00:00.000Z', '2024-11-03T06:00:00.000Z']);
    const fixed = compile({ type: 'cron', hour: 1, minute: '*/30', timezone: 'America/New_York' });
    expect(occurrences(fixed, '2024-11-03T04:30:00Z', 3)).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-04T06:00:00.000Z',
    ]);
  });
});

describe('Europe/Berlin (spring 2024-03-31 02:00 -> 03:00, fall 2024-10-27 03:00 -> 02:00)', () => {
  const berlin = (expression: string, after: string, n: number) => cronRuns(expression, 'Europe/Berlin', after, n);

  test('02:30 daily: end of gap in spring, first pass in autumn', () => {
    expect(berlin('30 2 * * *', '2024-03-30T00:00:00Z', 3)).toEqual([
      '2024-03-30T01:30:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
    expect(berlin('30 2 * * *', '2024-10-26T00:00:00Z', 3)).toEqual([
      '2024-10-26T00:30:00.000Z',
      '2024-10-27T00:30:00.000Z',
      '2024-10-28T01:30:00.000Z',
    ]);
  });

  test('every two hours (field form) keeps elapsed time across both transitions', () => {
    const trigger = compile({ type: 'cron', hour: '*/2', minute: 0, timezone: 'Europe/Berlin' });
    expect(occurrences(trigger, '2024-03-30T22:30:00Z', 4)).toEqual([
      '2024-03-30T23:00:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-03-31T02:00:00.000Z',
      '2024-03-31T04:00:00.000Z',
    ]);
    expect(occurrences(trigger, '2024-10-26T21:30:00Z', 4)).toEqual([
      '2024-10-26T22:00:00.000Z',
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T03:00:00.000Z',
    ]);
  });
});

describe('Australia/Lord_Howe (30-minute shifts: 2024-04-07 02:00 -> 01:30, 2024-10-06 02:00 -> 02:30)', () => {
  const lh = (expression: string, after: string, n: number) => cronRuns(expression, 'Australia/Lord_Howe', after, n);

  test('gap: 02:15 runs at 02:30 (the end of the 30-minute gap)', () => {
    expect(lh('15 2 * * *', '2024-10-04T00:00:00Z', 3)).toEqual([
      '2024-10-04T15:45:00.000Z',
      '2024-10-05T15:30:00.000Z',
      '2024-10-06T15:15:00.000Z',
    ]);
  });

  test('repeated half hour: a fixed time runs at its first instant', () => {
    expect(lh('45 1 * * *', '2024-04-06T00:00:00Z', 2)).toEqual(['2024-04-06T14:45:00.000Z', '2024-04-07T15:15:00.000Z']);
  });

  test('every 15 minutes runs on both passes of 01:30-02:00', () => {
    expect(lh('*/15 * * * *', '2024-04-06T14:00:00Z', 6)).toEqual([
      '2024-04-06T14:15:00.000Z',
      '2024-04-06T14:30:00.000Z',
      '2024-04-06T14:45:00.000Z',
      '2024-04-06T15:00:00.000Z',
      '2024-04-06T15:15:00.000Z',
      '2024-04-06T15:30:00.000Z',
    ]);
  });

  test('hourly: no HH:00 is repeated, so 01:00 -> 02:00 spans 90 minutes', () => {
    expect(lh('0 * * * *', '2024-04-06T13:30:00Z', 2)).toEqual(['2024-04-06T14:00:00.000Z', '2024-04-06T15:30:00.000Z']);
  });

  test('hourly in spring: 02:00 is in the gap and runs at 02:30, 30 minutes before 03:00', () => {
    expect(lh('0 * * * *', '2024-10-05T14:00:00Z', 3)).toEqual([
      '2024-10-05T14:30:00.000Z',
      '2024-10-05T15:30:00.000Z',
      '2024-10-05T16:00:00.000Z',
    ]);
  });
});

describe('zones that switch at midnight: a daily 00:00 job runs exactly once per day', () => {
  const daily = (zone: string, after: string, n: number) => cronRuns('0 0 * * *', zone, after, n);

  test('America/Santiago: midnight skipped (2024-09-08) and midnight after the repeated hour (2024-04-07)', () => {
    expect(daily('America/Santiago', '2024-09-06T12:00:00Z', 3)).toEqual([
      '2024-09-07T04:00:00.000Z',
      '2024-09-08T04:00:00.000Z',
      '2024-09-09T03:00:00.000Z',
    ]);
    expect(daily('America/Santiago', '2024-04-05T12:00:00Z', 3)).toEqual([
      '2024-04-06T03:00:00.000Z',
      '2024-04-07T04:00:00.000Z',
      '2024-04-08T04:00:00.000Z',
    ]);
    expect(cronRuns('30 23 * * *', 'America/Santiago', '2024-04-06T12:00:00Z', 2)).toEqual([
      '2024-04-07T02:30:00.000Z',
      '2024-04-08T03:30:00.000Z',
    ]);
  });

  test('Africa/Cairo: 2024-04-26 00:00 -> 01:00, 2024-10-31 24:00 -> 23:00', () => {
    expect(daily('Africa/Cairo', '2024-04-24T12:00:00Z', 3)).toEqual([
      '2024-04-24T22:00:00.000Z',
      '2024-04-25T22:00:00.000Z',
      '2024-04-26T21:00:00.000Z',
    ]);
    expect(cronRuns('30 23 * * *', 'Africa/Cairo', '2024-10-31T00:00:00Z', 2)).toEqual([
      '2024-10-31T20:30:00.000Z',
      '2024-11-01T21:30:00.000Z',
    ]);
    expect(cronRuns('*/30 * * * *', 'Africa/Cairo', '2024-10-31T20:00:00Z', 4)).toEqual([
      '2024-10-31T20:30:00.000Z',
      '2024-10-31T21:00:00.000Z',
      '2024-10-31T21:30:00.000Z',
      '2024-10-31T22:00:00.000Z',
    ]);
  });

  test('America/Havana, Asia/Beirut, America/Asuncion, America/Sao_Paulo: one run per local day', () => {
    const cases: Array<[string, string]> = [
      ['America/Havana', '2024-03-08'],
      ['America/Havana', '2024-11-01'],
      ['Asia/Beirut', '2024-03-29'],
      ['Asia/Beirut', '2024-10-25'],
      ['America/Asuncion', '2023-03-24'],
      ['America/Asuncion', '2023-09-29'],
      ['America/Sao_Paulo', '2018-02-16'],
      ['America/Sao_Paulo', '2018-11-02'],
      ['Asia/Tehran', '2021-03-20'],
      ['Europe/Lisbon', '1995-03-25'],
    ];
    for (const [zone, firstDay] of cases) {
      const start = Date.parse(`${firstDay}T00:00:00Z`);
      const expected = [0, 1, 2, 3].map((d) => new Date(personInstant(zone, start + d * DAY)).toISOString());
      const trigger = compile({ type: 'cron', expression: '0 0 * * *', timezone: zone });
      expect(occurrences(trigger, Date.parse(expected[0]!) - 1, 4), `${zone} ${firstDay}`).toEqual(expected);
    }
  });

  test('Pacific/Apia skipped 2011-12-30: its run merges with the 31st', () => {
    expect(daily('Pacific/Apia', '2011-12-28T12:00:00Z', 3)).toEqual([
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
      '2011-12-31T10:00:00.000Z',
    ]);
  });
});

describe('Antarctica/Troll (two-hour shifts at 01:00 UTC)', () => {
  const troll = (expression: string, after: string, n: number) => cronRuns(expression, 'Antarctica/Troll', after, n);

  test('spring 2024-03-31: 01:00..02:59 do not exist', () => {
    expect(troll('30 1 * * *', '2024-03-30T12:00:00Z', 2)).toEqual(['2024-03-31T01:00:00.000Z', '2024-03-31T23:30:00.000Z']);
    expect(troll('0 * * * *', '2024-03-30T23:30:00Z', 3)).toEqual([
      '2024-03-31T00:00:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-03-31T02:00:00.000Z',
    ]);
  });

  test('fall 2024-10-27: 01:00..02:59 happen twice', () => {
    expect(troll('0 * * * *', '2024-10-26T21:30:00Z', 6)).toEqual([
      '2024-10-26T22:00:00.000Z',
      '2024-10-26T23:00:00.000Z',
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T02:00:00.000Z',
      '2024-10-27T03:00:00.000Z',
    ]);
    expect(troll('30 1 * * *', '2024-10-26T12:00:00Z', 2)).toEqual(['2024-10-26T23:30:00.000Z', '2024-10-28T01:30:00.000Z']);
  });
});

describe('nothing hangs', () => {
  test('every second across a transition in many zones', () => {
    for (const zone of ['America/New_York', 'Australia/Lord_Howe', 'Antarctica/Troll', 'Pacific/Apia', 'Asia/Kathmandu']) {
      const trigger = compile({ type: 'cron', expression: '* * * * * *', timezone: zone });
      let t: number | null = Date.parse('2011-12-29T09:59:00Z');
      for (let i = 0; i < 200 && t !== null; i++) {
        const next: number | null = trigger.next(t);
        expect(next).not.toBeNull();
        expect(next!).toBeGreaterThan(t);
        t = next;
      }
    }
  });
});
