/**
 * Validation and normalization of trigger input. One pass serves both parseTrigger (untrusted API
 * input) and compileTrigger (a stored, already normalized spec): normalizing a normalized spec
 * returns an equal spec, so stored triggers are checked by the same rules they were accepted by.
 */
import { MAX_INSTANT } from './calendar.js';
import { CronMatcher, type CronPlan } from './cron-matcher.js';
import { cronExpressionError, parseCronExpression } from './cron-expression.js';
import { CRON_FIELD_NAMES, hasCronFields, parseCronFields } from './cron-fields.js';
import { isRecord, show, triggerError } from './errors.js';
import { INTERVAL_UNITS } from './interval.js';
import { formatInstant, parseTimeInput } from './time-input.js';
import { getZone, normalizeTimeZone, type Zone } from './timezone.js';
import type {
  CronFieldForm,
  CronTriggerSpec,
  DateTriggerSpec,
  IntervalTriggerSpec,
  TriggerSpec,
} from '../domain/types.js';

const TYPES = ['cron', 'interval', 'date'] as const;

const ALLOWED_KEYS: Readonly<Record<TriggerSpec['type'], ReadonlySet<string>>> = {
  cron: new Set(['type', 'expression', ...CRON_FIELD_NAMES, 'timezone', 'start_time', 'end_time']),
  interval: new Set(['type', ...INTERVAL_UNITS.map(([unit]) => unit), 'start_time', 'end_time', 'timezone']),
  date: new Set(['type', 'run_date', 'timezone']),
};

export interface NormalizedCron {
  readonly type: 'cron';
  readonly spec: CronTriggerSpec;
  readonly zone: Zone;
  readonly start: number | null;
  readonly end: number | null;
  readonly plan: CronPlan;
  readonly matcher: CronMatcher;
  readonly description: { readonly expression: string; readonly andDays: boolean; readonly suffix: string };
}

export interface NormalizedInterval {
  readonly type: 'interval';
  readonly spec: IntervalTriggerSpec;
  readonly start: number;
  readonly end: number | null;
  readonly period: number;
}

export interface NormalizedDate {
  readonly type: 'date';
  readonly spec: DateTriggerSpec;
  readonly zone: Zone;
  readonly runAt: number;
}

export type NormalizedTrigger = NormalizedCron | NormalizedInterval | NormalizedDate;

/** A value JSON clients send for "not given". */
function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function normalizeZone(input: Record<string, unknown>): { name: string; zone: Zone } {
  const raw = input.timezone;
  if (!given(raw)) return { name: 'UTC', zone: getZone('UTC') };
  if (typeof raw !== 'string') {
    throw triggerError('trigger.timezone', `trigger.timezone: expected an IANA time zone name such as "Europe/Berlin", got ${show(raw)}`, 'invalid_timezone');
  }
  const name = normalizeTimeZone(raw);
  if (name === null) {
    throw triggerError('trigger.timezone', `trigger.timezone: unknown time zone ${show(raw)} (expected an IANA name such as "Europe/Berlin")`, 'invalid_timezone');
  }
  return { name, zone: getZone(name) };
}

function bounds(input: Record<string, unknown>, zone: Zone): { start: number | null; end: number | null } {
  const start = given(input.start_time) ? parseTimeInput(input.start_time, 'trigger.start_time', zone) : null;
  const end = given(input.end_time) ? parseTimeInput(input.end_time, 'trigger.end_time', zone) : null;
  if (start !== null && end !== null && end < start) {
    throw triggerError('trigger.end_time', `trigger.end_time: ${formatInstant(end)} is before start_time ${formatInstant(start)}`);
  }
  return { start, end };
}

// Compiled matchers are shared between triggers with the same fields (croner parsing is the
// costly part of compileTrigger).
const matchers = new Map<string, CronMatcher>();
const MAX_MATCHERS = 2048;

function matcherFor(plan: CronPlan, explain: (error: unknown) => Error): CronMatcher {
  const key = `${plan.time}|${plan.days.join('|')}|${plan.weeks === null ? '' : plan.weeks.map((w) => (w ? 1 : 0)).join('')}`;
  let matcher = matchers.get(key);
  if (matcher === undefined) {
    try {
      matcher = new CronMatcher(plan);
    } catch (error) {
      throw explain(error);
    }
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    matchers.set(key, matcher);
  }
  return matcher;
}

function normalizeCron(input: Record<string, unknown>): NormalizedCron {
  const { name, zone } = normalizeZone(input);
  const form: CronFieldForm = {};
  for (const field of CRON_FIELD_NAMES) {
    const value = input[field];
    // Types are checked by parseCronFields, which names the field.
    if (given(value)) form[field] = typeof value === 'string' ? value.trim() : (value as number);
  }
  const hasExpression = given(input.expression);
  const spec: CronTriggerSpec = { type: 'cron' };
  let plan: CronPlan;
  let description: NormalizedCron['description'];
  let explain: (error: unknown) => Error;
  if (hasExpression) {
    if (hasCronFields(form)) {
      const field = CRON_FIELD_NAMES.find((f) => form[f] !== undefined) as string;
      throw triggerError(`trigger.${field}`, `trigger.${field}: give either "expression" or the cron fields (${CRON_FIELD_NAMES.join(', ')}), not both`);
    }
    const parsed = parseCronExpression(input.expression);
    spec.expression = parsed.expression;
    plan = parsed.plan;
    description = { expression: parsed.expression, andDays: false, suffix: '' };
    explain = (error) => cronExpressionError(parsed.expression, error);
  } else {
    if (!hasCronFields(form)) {
      throw triggerError('trigger.expression', `trigger.expression: a cron trigger needs "expression" (e.g. "30 2 * * 1-5") or at least one of ${CRON_FIELD_NAMES.join(', ')}`);
    }
    const parsed = parseCronFields(form);
    for (const field of CRON_FIELD_NAMES) if (form[field] !== undefined) spec[field] = form[field];
    plan = parsed.plan;
    description = { expression: parsed.description.expression, andDays: true, suffix: parsed.description.suffix };
    // The translation is validated field by field; croner refusing it would be a bug here.
    explain = (error) =>
      triggerError('trigger', `trigger: cron fields rejected: ${error instanceof Error ? error.message : String(error)}`, 'invalid_cron');
  }
  spec.timezone = name;
  const { start, end } = bounds(input, zone);
  if (start !== null) spec.start_time = formatInstant(start);
  if (end !== null) spec.end_time = formatInstant(end);
  return { type: 'cron', spec, zone, start, end, plan, matcher: matcherFor(plan, explain), description };
}

function normalizeInterval(input: Record<string, unknown>, now: number | null): NormalizedInterval {
  const { name, zone } = normalizeZone(input);
  const spec: IntervalTriggerSpec = { type: 'interval' };
  let total = 0;
  let firstUnit: string | null = null;
  for (const [unit, ms] of INTERVAL_UNITS) {
    const value = input[unit];
    if (!given(value)) continue;
    const field = `trigger.${unit}`;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw triggerError(field, `${field}: expected a number >= 0, got ${show(value)}`);
    }
    if (value * ms > MAX_INSTANT) throw triggerError(field, `${field}: ${value} ${unit} is too long an interval`);
    total += value * ms;
    firstUnit ??= field;
    spec[unit] = value;
  }
  if (firstUnit === null) {
    throw triggerError('trigger', `trigger: an interval trigger needs at least one of ${INTERVAL_UNITS.map(([u]) => u).join(', ')}`);
  }
  const period = Math.round(total);
  if (period < 1) throw triggerError(firstUnit, `${firstUnit}: the interval must be at least 1 millisecond`);
  if (period > MAX_INSTANT) throw triggerError(firstUnit, `${firstUnit}: the interval is too long`);

  let start: number;
  if (given(input.start_time)) {
    start = parseTimeInput(input.start_time, 'trigger.start_time', zone);
  } else if (now !== null) {
    // One period from now, as the original (APScheduler) did: "every 10 minutes" created at
    // 10:03 first runs at 10:13, not at once. The anchor is stored, so occurrences stay on the
    // same grid across restarts and edits.
    start = Math.floor(now) + period;
  } else {
    throw triggerError('trigger.start_time', 'trigger.start_time: required in a stored interval trigger (parseTrigger fills it in)');
  }
  const { end } = bounds({ ...input, start_time: formatInstant(start) }, zone);
  spec.start_time = formatInstant(start);
  if (end !== null) spec.end_time = formatInstant(end);
  spec.timezone = name;
  return { type: 'interval', spec, start, end, period };
}

function normalizeDate(input: Record<string, unknown>): NormalizedDate {
  const { name, zone } = normalizeZone(input);
  if (!given(input.run_date)) throw triggerError('trigger.run_date', 'trigger.run_date: required for a date trigger');
  const runAt = parseTimeInput(input.run_date, 'trigger.run_date', zone);
  return { type: 'date', spec: { type: 'date', run_date: formatInstant(runAt), timezone: name }, zone, runAt };
}

/** Validates and normalizes. `now` fills defaults; null means the input must already be complete. */
export function normalizeTrigger(input: unknown, now: number | null): NormalizedTrigger {
  if (!isRecord(input)) throw triggerError('trigger', `trigger: expected an object, got ${show(input)}`);
  const type = input.type;
  if (!given(type)) throw triggerError('trigger.type', `trigger.type: required (one of ${TYPES.join(', ')})`);
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    throw triggerError('trigger.type', `trigger.type: must be one of ${TYPES.join(', ')}, got ${show(type)}`);
  }
  const allowed = ALLOWED_KEYS[type as TriggerSpec['type']];
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) throw triggerError(`trigger.${key}`, `trigger.${key}: unknown field`);
  }
  if (type === 'cron') return normalizeCron(input);
  if (type === 'interval') return normalizeInterval(input, now);
  return normalizeDate(input);
}
