import { expect } from 'vitest';
import { AppError, ValidationError } from '../../../src/domain/errors.js';
import { compileTrigger, parseTrigger, type Trigger } from '../../../src/triggers/index.js';

/** The `now` used for parsing in tests: 2024-01-01T00:00:00Z. */
export const NOW = Date.parse('2024-01-01T00:00:00Z');

export function compile(input: Record<string, unknown>, now = NOW): Trigger {
  return compileTrigger(parseTrigger(input, { now }));
}

/** The next `n` occurrences strictly after `after` (ISO text), as ISO strings; stops at null. */
export function occurrences(trigger: Trigger, after: string | number, n: number): string[] {
  const out: string[] = [];
  let t: number | null = typeof after === 'number' ? after : Date.parse(after);
  for (let i = 0; i < n; i++) {
    t = trigger.next(t);
    if (t === null) break;
    out.push(new Date(t).toISOString());
  }
  return out;
}

/** Shorthand: occurrences of a crontab expression in a zone. */
export function cronRuns(expression: string, timezone: string, after: string, n: number): string[] {
  return occurrences(compile({ type: 'cron', expression, timezone }), after, n);
}

/** Asserts that parsing `input` fails with a ValidationError on `field` with `code`. */
export function rejects(input: unknown, field: string, code: string, message?: RegExp | string): ValidationError {
  let caught: unknown;
  try {
    parseTrigger(input, { now: NOW });
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${JSON.stringify(input)} to be rejected`).toBeInstanceOf(ValidationError);
  const error = caught as ValidationError;
  expect(error).toBeInstanceOf(AppError);
  expect(error.statusCode).toBe(400);
  expect({ field: error.field, code: error.code }).toEqual({ field, code });
  if (message !== undefined) {
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  }
  return error;
}
