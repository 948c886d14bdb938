/**
 * The crontab form of a cron trigger: `m h dom mon dow` or `s m h dom mon dow`.
 *
 * croner parses the fields, but reports errors with its internal part names and zero-based month
 * and day indexes ("Invalid value for month: 12" for "13"). When croner rejects an expression, each
 * field is parsed again on its own, so the error can name the field and quote what the user wrote.
 */
import { CronPattern } from 'croner';
import { triggerError } from './errors.js';
import type { CronPlan } from './cron-matcher.js';

const FIELD = 'trigger.expression';

interface FieldDef {
  readonly label: string;
  readonly range: string;
  /** A 6-part croner pattern exercising only this field. */
  readonly probe: (text: string) => string;
}

const SECOND: FieldDef = { label: 'second', range: '0-59', probe: (f) => `${f} 0 0 * * *` };
const MINUTE: FieldDef = { label: 'minute', range: '0-59', probe: (f) => `0 ${f} 0 * * *` };
const HOUR: FieldDef = { label: 'hour', range: '0-23', probe: (f) => `0 0 ${f} * * *` };
const DOM: FieldDef = { label: 'day-of-month', range: '1-31', probe: (f) => `0 0 0 ${f} * *` };
const MONTH: FieldDef = { label: 'month', range: '1-12 or JAN-DEC', probe: (f) => `0 0 0 * ${f} *` };
const DOW: FieldDef = { label: 'day-of-week', range: '0-7 or SUN-SAT', probe: (f) => `0 0 0 * * ${f}` };

const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface ParsedCronExpression {
  /** The expression with whitespace collapsed to single spaces. */
  readonly expression: string;
  readonly plan: CronPlan;
}

function fail(expression: string, detail: string): Error {
  return triggerError(FIELD, `cron expression "${expression}": ${detail}`, 'invalid_cron');
}

function cronerDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern: /, '').replace(/^Syntax error, /, '');
}

function checkCharacters(expression: string, def: FieldDef, text: string): void {
  const bad = /[^0-9A-Za-z*?,\-/#]/.exec(text);
  if (bad !== null) {
    throw fail(expression, `${def.label} field "${text}" contains the invalid character "${bad[0]}"`);
  }
}

function checkField(expression: string, def: FieldDef, text: string): void {
  try {
    new CronPattern(def.probe(text), undefined, { mode: '6-part' });
  } catch (error) {
    const detail = cronerDetail(error);
    if (/^Invalid value for /.test(detail)) {
      throw fail(expression, `${def.label} field "${text}" is out of range ${def.range}`);
    }
    if (/illegal characters/.test(detail)) {
      throw fail(expression, `${def.label} field "${text}" is not valid here (allowed: ${def.range}, * , - / ? and, where the field allows them, L W #)`);
    }
    throw fail(expression, `${def.label} field "${text}" is invalid: ${detail}`);
  }
}

function fields(parts: readonly string[]): [string, string, string, string, string, string] {
  return (parts.length === 5 ? ['0', ...parts] : parts) as [string, string, string, string, string, string];
}

function defsFor(parts: readonly string[]): FieldDef[] {
  return parts.length === 5 ? [MINUTE, HOUR, DOM, MONTH, DOW] : [SECOND, MINUTE, HOUR, DOM, MONTH, DOW];
}

/**
 * The error to report when croner rejects the plan of a syntactically shaped expression: the first
 * field croner rejects on its own, or croner's message as is.
 */
export function cronExpressionError(expression: string, error: unknown): Error {
  const parts = expression.split(' ');
  defsFor(parts).forEach((def, i) => checkField(expression, def, parts[i] as string));
  return fail(expression, cronerDetail(error));
}

/**
 * Checks the shape of a crontab string (field count, characters) and translates it. croner's parse
 * of the plan (new CronMatcher) checks the rest; cronExpressionError explains its failures. Throws
 * ValidationError (field trigger.expression, code invalid_cron).
 */
export function parseCronExpression(input: unknown): ParsedCronExpression {
  if (typeof input !== 'string') {
    throw triggerError(FIELD, `${FIELD}: expected a crontab string such as "30 2 * * 1-5"`, 'invalid_cron');
  }
  const parts = input.trim().split(/\s+/).filter((p) => p !== '');
  const expression = parts.join(' ');
  if (parts.length === 1 && parts[0]?.startsWith('@')) {
    const equivalent = NICKNAMES[parts[0].toLowerCase()];
    throw fail(
      expression,
      equivalent === undefined ? 'nicknames are not supported' : `nicknames are not supported; use "${equivalent}"`,
    );
  }
  if (parts.length !== 5 && parts.length !== 6) {
    throw fail(
      expression,
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got ${parts.length}` +
        (parts.length === 7 ? '; a year field is not supported in the crontab form (use the field form with "year")' : ''),
    );
  }
  const [second, minute, hour, dom, month, dow] = fields(parts);
  defsFor(parts).forEach((def, i) => checkCharacters(expression, def, parts[i] as string));

  const isStar = (f: string): boolean => f === '*' || f === '?';
  const plan: CronPlan = {
    time: `${second} ${minute} ${hour} * ${month} * *`,
    days: isStar(dom) && isStar(dow) ? [] : [`0 0 0 ${dom} * ${dow}`],
    weeks: null,
    hourWildcard: /[*?/]/.test(hour),
  };
  return { expression, plan };
}
