/** parseTrigger's structural checks and the normalized spec; compileTrigger on stored specs. */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { TriggerSpec } from '../../src/domain/types.js';
import { compileTrigger, parseTrigger } from '../../src/triggers/index.js';
import { NOW, rejects } from './support/helpers.js';

const parse = (input: unknown) => parseTrigger(input, { now: NOW });

describe('structure', () => {
  test('the trigger must be an object', () => {
    for (const input of [null, undefined, [], 'cron', 5, true]) rejects(input, 'trigger', 'invalid_trigger', /^trigger: expected an object/);
  });

  test('type is required and one of cron, interval, date', () => {
    rejects({}, 'trigger.type', 'invalid_trigger', 'trigger.type: required (one of cron, interval, date)');
    rejects({ type: null, hours: 1 }, 'trigger.type', 'invalid_trigger', /required/);
    rejects({ type: 'weekly' }, 'trigger.type', 'invalid_trigger', 'trigger.type: must be one of cron, interval, date, got "weekly"');
    rejects({ type: 5 }, 'trigger.type', 'invalid_trigger', /must be one of/);
    rejects({ type: 'Cron', expression: '* * * * *' }, 'trigger.type', 'invalid_trigger');
  });

  test('unknown keys are rejected by name, also keys of another trigger type', () => {
    rejects({ type: 'cron', expression: '* * * * *', foo: 1 }, 'trigger.foo', 'invalid_trigger', 'trigger.foo: unknown field');
    rejects({ type: 'cron', expression: '* * * * *', hours: 1 }, 'trigger.hours', 'invalid_trigger', 'trigger.hours: unknown field');
    rejects({ type: 'interval', hours: 1, expression: '* * * * *' }, 'trigger.expression', 'invalid_trigger', 'trigger.expression: unknown field');
    rejects({ type: 'interval', hours: 1, run_date: 0 }, 'trigger.run_date', 'invalid_trigger');
    rejects({ type: 'date', run_date: 0, start_time: 0 }, 'trigger.start_time', 'invalid_trigger', 'trigger.start_time: unknown field');
    rejects({ type: 'date', run_date: 0, hour: 1 }, 'trigger.hour', 'invalid_trigger');
    rejects(JSON.parse('{"type":"date","run_date":0,"__proto__":{}}'), 'trigger.__proto__', 'invalid_trigger');
  });
});

describe('timezone', () => {
  test('defaults to UTC; null means not given', () => {
    expect(parse({ type: 'cron', expression: '* * * * *' })).toEqual({ type: 'cron', expression: '* * * * *', timezone: 'UTC' });
    expect(parse({ type: 'cron', expression: '* * * * *', timezone: null })).toMatchObject({ timezone: 'UTC' });
  });

  test('IANA names are kept; their case is corrected', () => {
    expect(parse({ type: 'date', run_date: 0, timezone: 'America/Argentina/Buenos_Aires' })).toMatchObject({
      timezone: 'America/Argentina/Buenos_Aires',
    });
    expect(parse({ type: 'date', run_date: 0, timezone: 'europe/berlin' })).toMatchObject({ timezone: 'Europe/Berlin' });
    expect(parse({ type: 'date', run_date: 0, timezone: 'Etc/GMT+5' })).toMatchObject({ timezone: 'Etc/GMT+5' });
  });

  test('unknown or malformed zones', () => {
    for (const type of ['cron', 'interval', 'date']) {
      const base = type === 'cron' ? { expression: '* * * * *' } : type === 'interval' ? { hours: 1 } : { run_date: 0 };
      rejects({ type, ...base, timezone: 'Mars/Olympus_Mons' }, 'trigger.timezone', 'invalid_timezone', /unknown time zone "Mars\/Olympus_Mons"/);
    }
    for (const timezone of ['', ' UTC', 'Local', 'GMT+25']) {
      rejects({ type: 'date', run_date: 0, timezone }, 'trigger.timezone', 'invalid_timezone');
    }
    for (const timezone of [5, true, {}, ['UTC']]) {
      rejects({ type: 'date', run_date: 0, timezone }, 'trigger.timezone', 'invalid_timezone', /expected an IANA time zone name/);
    }
  });
});

describe('normalized spec', () => {
  test('cron: expression whitespace collapsed, times in UTC ISO with milliseconds', () => {
    expect(
      parse({ type: 'cron', expression: '  0   2 * * *  ', timezone: 'Europe/Berlin', start_time: 1714557600, end_time: '2025-01-01T00:00:00+01:00' }),
    ).toEqual({
      type: 'cron',
      expression: '0 2 * * *',
      timezone: 'Europe/Berlin',
      start_time: '2024-05-01T10:00:00.000Z',
      end_time: '2024-12-31T23:00:00.000Z',
    });
  });

  test('cron field form: fields kept as given (strings trimmed), in canonical order', () => {
    expect(Object.entries(parse({ type: 'cron', minute: ' 0 ', hour: '*/2', day_of_week: 0 }))).toEqual([
      ['type', 'cron'],
      ['day_of_week', 0],
      ['hour', '*/2'],
      ['minute', '0'],
      ['timezone', 'UTC'],
    ]);
  });

  test('null cron fields count as absent', () => {
    expect(parse({ type: 'cron', expression: '0 * * * *', hour: null })).toEqual({ type: 'cron', expression: '0 * * * *', timezone: 'UTC' });
  });

  test('interval: start_time defaults to one period after now and is written into the spec', () => {
    expect(parse({ type: 'interval', minutes: 5 })).toEqual({
      type: 'interval',
      minutes: 5,
      start_time: '2024-01-01T00:05:00.000Z',
      timezone: 'UTC',
    });
    expect(parseTrigger({ type: 'interval', hours: 1 }, { now: NOW + 123.9 })).toMatchObject({ start_time: '2024-01-01T01:00:00.123Z' });
    expect(parse({ type: 'interval', hours: 1, start_time: '2023-06-01T00:00:00', timezone: 'Asia/Tokyo' })).toMatchObject({
      start_time: '2023-05-31T15:00:00.000Z',
      timezone: 'Asia/Tokyo',
    });
  });

  test('date: run_date normalized', () => {
    expect(parse({ type: 'date', run_date: '2024-05-01T12:00:00', timezone: 'Europe/Berlin' })).toEqual({
      type: 'date',
      run_date: '2024-05-01T10:00:00.000Z',
      timezone: 'Europe/Berlin',
    });
  });

  test('normalizing twice changes nothing', () => {
    const inputs: unknown[] = [
      { type: 'cron', expression: '30 2 * * 1-5', timezone: 'europe/berlin', start_time: '2024-03-31T02:30:00' },
      { type: 'cron', hour: '*/2', minute: 0, week: '1-10', year: 2030, timezone: 'Australia/Lord_Howe' },
      { type: 'interval', weeks: 1, days: 0.5, seconds: 1.25, end_time: 1900000000 },
      { type: 'date', run_date: 1714557600.5, timezone: 'America/New_York' },
    ];
    for (const input of inputs) {
      const once = parse(input);
      expect(parse(once)).toEqual(once);
      expect(parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
  });

  test('parseTrigger does not modify its input', () => {
    const input = { type: 'cron', expression: ' 0 2 * * * ', timezone: 'europe/berlin' };
    const copy = structuredClone(input);
    parse(input);
    expect(input).toEqual(copy);
  });
});

describe('interval validation', () => {
  test('at least one unit, each a finite number >= 0', () => {
    rejects({ type: 'interval' }, 'trigger', 'invalid_trigger', /needs at least one of weeks, days, hours, minutes, seconds/);
    rejects({ type: 'interval', hours: null }, 'trigger', 'invalid_trigger');
    rejects({ type: 'interval', hours: -1 }, 'trigger.hours', 'invalid_trigger', 'trigger.hours: expected a number >= 0, got -1');
    rejects({ type: 'interval', minutes: '5' }, 'trigger.minutes', 'invalid_trigger', /expected a number >= 0, got "5"/);
    rejects({ type: 'interval', seconds: Number.NaN }, 'trigger.seconds', 'invalid_trigger');
    rejects({ type: 'interval', days: Number.POSITIVE_INFINITY }, 'trigger.days', 'invalid_trigger');
    rejects({ type: 'interval', weeks: true }, 'trigger.weeks', 'invalid_trigger');
    rejects({ type: 'interval', hours: 1, minutes: -0.5 }, 'trigger.minutes', 'invalid_trigger');
  });

  test('the total must be at least 1 ms and not absurdly long', () => {
    rejects({ type: 'interval', seconds: 0 }, 'trigger.seconds', 'invalid_trigger', /at least 1 millisecond/);
    rejects({ type: 'interval', hours: 0, minutes: 0 }, 'trigger.hours', 'invalid_trigger', /at least 1 millisecond/);
    rejects({ type: 'interval', seconds: 0.0004 }, 'trigger.seconds', 'invalid_trigger', /at least 1 millisecond/);
    expect(parse({ type: 'interval', seconds: 0.001 })).toMatchObject({ seconds: 0.001 });
    rejects({ type: 'interval', weeks: 1e12 }, 'trigger.weeks', 'invalid_trigger', /too long/);
  });

  test('end before start', () => {
    rejects({ type: 'interval', hours: 1, start_time: '2024-01-02T00:00:00Z', end_time: '2024-01-01T00:00:00Z' }, 'trigger.end_time', 'invalid_trigger');
    // The default start_time is one period after `now`.
    rejects({ type: 'interval', hours: 1, end_time: '2023-12-31T00:00:00Z' }, 'trigger.end_time', 'invalid_trigger', /before start_time 2024-01-01T01:00/);
  });
});

describe('compileTrigger', () => {
  test('accepts specs read back from JSON and returns an equal spec', () => {
    const spec = parse({ type: 'cron', expression: '30 2 * * 1-5', timezone: 'Europe/Berlin' });
    const trigger = compileTrigger(JSON.parse(JSON.stringify(spec)) as TriggerSpec);
    expect(trigger.spec).toEqual(spec);
    expect(Object.isFrozen(trigger.spec)).toBe(true);
  });

  test('is cached: the same spec compiles to the same trigger', () => {
    const spec = parse({ type: 'cron', expression: '0 9 * * MON#2', timezone: 'Asia/Tokyo' });
    expect(compileTrigger(spec)).toBe(compileTrigger({ ...spec }));
  });

  test('validates what it is given', () => {
    expect(() => compileTrigger({ type: 'cron', expression: '0 25 * * *' })).toThrow(ValidationError);
    expect(() => compileTrigger({ type: 'cron', expression: '0 0 * * *', timezone: 'Nowhere/City' })).toThrow(/unknown time zone/);
  });

  test('an interval without its anchor cannot be compiled', () => {
    let error: unknown;
    try {
      compileTrigger({ type: 'interval', hours: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('trigger.start_time');
  });

  test('parseTrigger requires a finite now', () => {
    expect(() => parseTrigger({ type: 'interval', hours: 1 }, { now: Number.NaN })).toThrow(TypeError);
  });
});
