import type { ScheduleRow, TriggerSpec } from '../../../domain/types.js';
import { safeZone, wallInput } from './format.js';

/** The fields that make up the trigger (what the live preview sends). */
export const TRIGGER_FIELDS = [
  'trigger_type',
  'cron_expression',
  'interval_weeks',
  'interval_days',
  'interval_hours',
  'interval_minutes',
  'interval_seconds',
  'run_date',
  'timezone',
  'start_time',
  'end_time',
] as const;

/**
 * The schedule form as the user typed it: every field a string, so that a form refused with
 * errors comes back exactly as it was sent.
 */
export const FORM_FIELDS = [
  'name',
  'id',
  'handler',
  'method',
  'params',
  ...TRIGGER_FIELDS,
  'max_instances',
  'catch_up',
  'misfire_grace_seconds',
  'timeout_seconds',
  'retry_max_attempts',
  'retry_initial_delay_seconds',
  'paused',
] as const;

export type FormField = (typeof FORM_FIELDS)[number];
export type FormValues = Record<FormField, string>;

export const INTERVAL_UNITS = ['weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
export type TriggerType = 'cron' | 'interval' | 'date';

export function emptyValues(): FormValues {
  const values = {} as FormValues;
  for (const f of FORM_FIELDS) values[f] = '';
  values.trigger_type = 'cron';
  return values;
}

/** Form fields from a urlencoded body or query string; anything else is ignored. */
export function readValues(source: unknown, base: FormValues = emptyValues()): FormValues {
  const values = { ...base };
  if (typeof source !== 'object' || source === null) return values;
  const record = source as Record<string, unknown>;
  for (const f of FORM_FIELDS) {
    let v = record[f];
    if (Array.isArray(v)) v = v[0];
    if (typeof v === 'string') values[f] = v.slice(0, 20_000);
  }
  return values;
}

export function triggerType(values: FormValues): TriggerType {
  return values.trigger_type === 'interval' || values.trigger_type === 'date' ? values.trigger_type : 'cron';
}

function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** The trigger part of the form for a stored trigger. */
export function triggerValues(trigger: TriggerSpec): Partial<FormValues> {
  const zone = safeZone(trigger.timezone);
  const wall = (t: string | number | undefined) => (t === undefined ? '' : wallInput(typeof t === 'number' ? t * 1000 : Date.parse(t), zone));
  const out: Partial<FormValues> = { trigger_type: trigger.type, timezone: trigger.timezone ?? 'UTC' };
  if (trigger.type === 'cron') {
    // A cron trigger stored in the field form has no expression; the form keeps its fields.
    out.cron_expression = trigger.expression ?? '';
    out.start_time = wall(trigger.start_time);
    out.end_time = wall(trigger.end_time);
  } else if (trigger.type === 'interval') {
    for (const unit of INTERVAL_UNITS) out[`interval_${unit}`] = numberText(trigger[unit]);
    out.start_time = wall(trigger.start_time);
    out.end_time = wall(trigger.end_time);
  } else {
    out.run_date = wall(trigger.run_date);
  }
  return out;
}

export function scheduleValues(s: ScheduleRow): FormValues {
  return {
    ...emptyValues(),
    name: s.name ?? '',
    id: s.id,
    handler: s.handler,
    method: s.method,
    params: Object.keys(s.params).length === 0 ? '{}' : JSON.stringify(s.params, null, 2),
    ...triggerValues(s.trigger),
    max_instances: String(s.max_instances),
    catch_up: s.catch_up,
    misfire_grace_seconds: numberText(s.misfire_grace_seconds),
    timeout_seconds: numberText(s.timeout_seconds),
    retry_max_attempts: String(s.retry.max_attempts),
    retry_initial_delay_seconds: String(s.retry.initial_delay_seconds),
    paused: s.paused ? 'on' : '',
  };
}

/** Field-form cron fields of a stored trigger (kept when the form's expression is left empty). */
export function cronFieldForm(trigger: TriggerSpec | undefined): Record<string, string | number> | null {
  if (!trigger || trigger.type !== 'cron' || trigger.expression !== undefined) return null;
  const fields: Record<string, string | number> = {};
  for (const key of ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const) {
    const v = trigger[key];
    if (v !== undefined) fields[key] = v;
  }
  return fields;
}

/** True when the trigger fields say the same as the stored trigger's (then it is left alone). */
export function sameTrigger(values: FormValues, stored: TriggerSpec): boolean {
  const before = { ...emptyValues(), ...triggerValues(stored) };
  const type = triggerType(values);
  if (type !== before.trigger_type) return false;
  const relevant: FormField[] =
    type === 'cron'
      ? ['cron_expression', 'timezone', 'start_time', 'end_time']
      : type === 'interval'
        ? ['interval_weeks', 'interval_days', 'interval_hours', 'interval_minutes', 'interval_seconds', 'timezone', 'start_time', 'end_time']
        : ['run_date', 'timezone'];
  return relevant.every((f) => normalizeWall(values[f].trim()) === normalizeWall(before[f].trim()));
}

/** datetime-local sends "2025-06-02T09:00" when the seconds are zero. */
function normalizeWall(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
}
