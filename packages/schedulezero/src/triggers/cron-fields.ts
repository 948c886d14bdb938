/**
 * The field form of a cron trigger, as accepted by APScheduler's CronTrigger (and so by the original
 * Python ScheduleZero): `{"hour": "*\/2", "minute": 0}`.
 *
 * APScheduler's grammar is translated to croner syntax rather than matched directly, so both forms
 * share one matcher. Differences from crontab that the translation takes care of:
 * - every field must match (day and day_of_week are ANDed, unlike crontab's OR);
 * - day_of_week counts 0 = Monday .. 6 = Sunday;
 * - `a/n` means "from a, every n" and a step over a wildcard starts at the field's minimum
 *   (1970 for year);
 * - `day` takes `last`, `last fri` and `1st mon` .. `5th mon`;
 * - a missing field is `*` when it is more significant than the least significant field given, and
 *   its minimum otherwise (APScheduler's rule: `{"day": 1}` is midnight on the 1st).
 * `week` (ISO week number) has no croner equivalent; it becomes a filter applied by the matcher.
 */
import { triggerError } from './errors.js';
import type { CronFieldForm } from '../domain/types.js';
import type { CronPlan } from './cron-matcher.js';

export const CRON_FIELD_NAMES = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
export type CronFieldName = (typeof CRON_FIELD_NAMES)[number];

const MIN: Readonly<Record<CronFieldName, number>> = {
  year: 1970, month: 1, day: 1, week: 1, day_of_week: 0, hour: 0, minute: 0, second: 0,
};
const MAX: Readonly<Record<CronFieldName, number>> = {
  year: 9999, month: 12, day: 31, week: 53, day_of_week: 6, hour: 23, minute: 59, second: 59,
};
const DEFAULTS: Readonly<Record<CronFieldName, string>> = {
  year: '*', month: '1', day: '1', week: '*', day_of_week: '*', hour: '0', minute: '0', second: '0',
};

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAY_TITLES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const POSITIONS = ['1st', '2nd', '3rd', '4th', '5th'] as const;

/** An inclusive range with a step; a lone value is first = last, step 1. */
interface Range {
  readonly first: number;
  readonly last: number;
  readonly step: number;
  /** Written as `*` or `*\/n`. */
  readonly wildcard: boolean;
  /** Written with a `/`. */
  readonly stepped: boolean;
}

export interface ParsedCronFields {
  readonly plan: CronPlan;
  /** A 7-part crontab-like expression for cronstrue, and what it cannot say. */
  readonly description: { readonly expression: string; readonly suffix: string };
}

function fieldError(name: CronFieldName, message: string): Error {
  return triggerError(`trigger.${name}`, `trigger.${name}: ${message}`, 'invalid_cron');
}

function rangeText(name: CronFieldName): string {
  return `${MIN[name]}-${MAX[name]}`;
}

/** Parses one comma-separated item of a numeric field (APScheduler's AllExpression / RangeExpression). */
function parseRange(name: CronFieldName, item: string, names: readonly string[] | null): Range {
  const min = MIN[name];
  const max = MAX[name];
  let m = /^\*(?:\/(\d+))?$/.exec(item);
  if (m !== null) {
    const step = m[1] === undefined ? 1 : Number(m[1]);
    if (step < 1) throw fieldError(name, `step in "${item}" must be at least 1`);
    if (m[1] !== undefined && step > max - min) {
      throw fieldError(name, `step in "${item}" is larger than the field's range ${rangeText(name)}`);
    }
    return { first: min, last: max, step, wildcard: true, stepped: m[1] !== undefined };
  }
  m = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
  let first: number;
  let last: number;
  let step = 1;
  if (m !== null) {
    first = Number(m[1]);
    // "a/n" runs from a to the field's maximum.
    last = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? max : first;
    if (m[3] !== undefined) step = Number(m[3]);
  } else {
    const named = names === null ? null : /^([a-z]+)(?:-([a-z]+))?$/.exec(item);
    if (named === null || names === null) {
      const hint = names === null ? '' : ` or names (${names.join(', ')})`;
      throw fieldError(name, `"${item}" is not a valid expression (use *, */n, a, a-b, a-b/n, a/n${hint})`);
    }
    const lookup = (word: string): number => {
      const index = names.indexOf(word);
      if (index < 0) throw fieldError(name, `"${word}" is not a valid name (${names.join(', ')})`);
      return index + min;
    };
    first = lookup(named[1] as string);
    last = named[2] === undefined ? first : lookup(named[2]);
  }
  if (first < min || first > max || last < min || last > max) {
    throw fieldError(name, `"${item}" is out of range ${rangeText(name)}`);
  }
  if (first > last) throw fieldError(name, `range "${item}" starts after it ends`);
  if (step < 1) throw fieldError(name, `step in "${item}" must be at least 1`);
  if (m !== null && m[3] !== undefined && step > last - first) {
    throw fieldError(name, `step in "${item}" is larger than its range`);
  }
  return { first, last, step, wildcard: false, stepped: m !== null && m[3] !== undefined };
}

function values(range: Range): number[] {
  const out: number[] = [];
  for (let v = range.first; v <= range.last; v += range.step) out.push(v);
  return out;
}

/** croner text for a field whose numbering matches croner's (second, minute, hour, month, year). */
function toCroner(name: CronFieldName, ranges: readonly Range[]): string {
  return ranges
    .map((r) => {
      if (r.wildcard) return r.step === 1 ? '*' : name === 'year' ? `${MIN.year}-${MAX.year}/${r.step}` : `*/${r.step}`;
      if (r.first === r.last) return String(r.first);
      return r.step === 1 ? `${r.first}-${r.last}` : `${r.first}-${r.last}/${r.step}`;
    })
    .join(',');
}

function splitItems(name: CronFieldName, text: string): string[] {
  const items = text.split(/\s*,\s*/);
  if (items.some((item) => item === '')) throw fieldError(name, `"${text}" has an empty list item`);
  return items;
}

/** Sorted values as a croner list, runs written as ranges ("1-5" reads better in descriptions). */
function compactList(values: number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    out.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return out.join(',');
}

/** APScheduler weekday number (0 = Monday) to crontab/croner (0 = Sunday). */
function cronWeekday(apsWeekday: number): number {
  return (apsWeekday + 1) % 7;
}

function weekdayIndex(name: CronFieldName, word: string): number {
  const index = (WEEKDAYS as readonly string[]).indexOf(word);
  if (index < 0) throw fieldError(name, `"${word}" is not a weekday name (${WEEKDAYS.join(', ')})`);
  return index;
}

interface DayField {
  /** croner day-of-month text, `*` when only weekday positions were given. */
  readonly dom: string;
  /** croner day-of-week text for `1st mon` / `last fri` items, `*` when none. */
  readonly nth: string;
  /** The field matches every day. */
  readonly any: boolean;
}

function parseDayField(text: string): DayField {
  const dom: string[] = [];
  const nth: string[] = [];
  let any = false;
  for (const item of splitItems('day', text)) {
    if (item === 'last') {
      dom.push('L');
      continue;
    }
    const position = /^(1st|2nd|3rd|4th|5th|last)\s+(\w+)$/.exec(item);
    if (position !== null) {
      const day = cronWeekday(weekdayIndex('day', position[2] as string));
      const which = position[1] === 'last' ? 'L' : String((POSITIONS as readonly string[]).indexOf(position[1] as string) + 1);
      nth.push(`${day}#${which}`);
      continue;
    }
    let range: Range;
    try {
      range = parseRange('day', item, null);
    } catch {
      throw fieldError(
        'day',
        `"${item}" is not a valid expression (use *, */n, a, a-b, a-b/n, a/n with days 1-31, last, ` +
          `"last fri", or "1st mon" .. "5th mon")`,
      );
    }
    if (range.wildcard && range.step === 1) any = true;
    dom.push(toCroner('day', [range]));
  }
  return { dom: dom.length === 0 ? '*' : dom.join(','), nth: nth.length === 0 ? '*' : nth.join(','), any };
}

function normalizeValue(name: CronFieldName, value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw fieldError(name, `${String(value)} is not a valid value (expected a whole number in ${rangeText(name)} or an expression string)`);
    }
    return String(value);
  }
  if (typeof value !== 'string') throw fieldError(name, 'expected a string expression or a number');
  const text = value.trim().toLowerCase();
  if (text === '') throw fieldError(name, 'must not be empty');
  return text;
}

/** True when `form` holds at least one cron field. */
export function hasCronFields(form: CronFieldForm): boolean {
  return CRON_FIELD_NAMES.some((name) => form[name] !== undefined);
}

/** Validates and translates the field form. Throws ValidationError naming `trigger.<field>`. */
export function parseCronFields(form: CronFieldForm): ParsedCronFields {
  const given = CRON_FIELD_NAMES.filter((name) => form[name] !== undefined);
  const leastSignificant = given.length === 0 ? -1 : CRON_FIELD_NAMES.indexOf(given[given.length - 1] as CronFieldName);
  const text = {} as Record<CronFieldName, string>;
  CRON_FIELD_NAMES.forEach((name, index) => {
    const value = form[name];
    text[name] = value !== undefined ? normalizeValue(name, value) : index > leastSignificant ? DEFAULTS[name] : '*';
  });

  const parseNumeric = (name: CronFieldName, names: readonly string[] | null): Range[] =>
    splitItems(name, text[name]).map((item) => parseRange(name, item, names));
  const second = toCroner('second', parseNumeric('second', null));
  const minute = toCroner('minute', parseNumeric('minute', null));
  const hourRanges = parseNumeric('hour', null);
  const hour = toCroner('hour', hourRanges);
  const month = toCroner('month', parseNumeric('month', MONTHS));
  const year = toCroner('year', parseNumeric('year', null));

  const weekdays = new Set<number>();
  for (const r of parseNumeric('day_of_week', WEEKDAYS)) for (const v of values(r)) weekdays.add(v);
  const dowText = weekdays.size === 7 ? '*' : compactList([...weekdays].map(cronWeekday));

  const weekSet = new Set<number>();
  for (const r of parseNumeric('week', null)) for (const v of values(r)) weekSet.add(v);
  const weeks = weekSet.size === 53 ? null : Array.from({ length: 54 }, (_, w) => weekSet.has(w));

  const day = parseDayField(text.day);
  // Separate patterns are ANDed by the matcher; within the day field, dates and weekday positions
  // are alternatives, which is croner's OR.
  const days: string[] = [];
  if (!day.any && (day.dom !== '*' || day.nth !== '*')) days.push(`0 0 0 ${day.dom} * ${day.nth}`);
  if (dowText !== '*') days.push(`0 0 0 * * ${dowText}`);

  const plan: CronPlan = {
    time: `${second} ${minute} ${hour} * ${month} * ${year}`,
    days,
    weeks,
    // A wildcard or a step in the hour keeps the job periodic through a repeated hour.
    hourWildcard: hourRanges.some((r) => r.wildcard || r.stepped),
  };

  // cronstrue reads "5#L" poorly; "5L" is its spelling of "last Friday".
  const nthText = day.any ? '*' : day.nth.replace(/#L/g, 'L');
  let suffix = '';
  let dowDescribed = dowText;
  if (nthText !== '*' && dowText !== '*') {
    const titles = [...weekdays].sort((a, b) => a - b).map((v) => WEEKDAY_TITLES[v] ?? String(v));
    suffix += `, and only on ${titles.join(', ')}`;
    dowDescribed = nthText;
  } else if (nthText !== '*') {
    dowDescribed = nthText;
  }
  if (weeks !== null) suffix += `, only in ISO week ${text.week}`;
  const domDescribed = day.any ? '*' : day.dom;
  return {
    plan,
    description: { expression: `${second} ${minute} ${hour} ${domDescribed} ${month} ${dowDescribed} ${year}`, suffix },
  };
}
