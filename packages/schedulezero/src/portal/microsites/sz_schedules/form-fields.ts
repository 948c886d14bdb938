import type { FormField } from './form-values.js';

/** Errors by form field; `form` holds problems no single field owns, `trigger` the trigger's. */
export type ErrorKey = FormField | 'trigger' | 'form';
export type FieldErrors = Map<ErrorKey, string>;

const CRON_FIELDS = new Set(['expression', 'year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second']);
const DIRECT = new Set<string>(['name', 'id', 'handler', 'method', 'max_instances', 'catch_up', 'misfire_grace_seconds', 'timeout_seconds']);

/**
 * The form field an engine or schema error belongs to: its `field` is a dotted path of the API
 * body ("trigger.expression", "retry.max_attempts", "params.x").
 */
export function formFieldOf(path: string | undefined): ErrorKey {
  if (!path) return 'form';
  const [head, sub] = path.split('.', 2) as [string, string | undefined];
  if (head === 'trigger') {
    if (sub === undefined) return 'trigger';
    if (CRON_FIELDS.has(sub)) return 'cron_expression';
    if (sub === 'weeks' || sub === 'days' || sub === 'hours' || sub === 'minutes' || sub === 'seconds') return `interval_${sub}`;
    if (sub === 'run_date' || sub === 'timezone' || sub === 'start_time' || sub === 'end_time') return sub;
    if (sub === 'type') return 'trigger_type';
    return 'trigger';
  }
  if (head === 'params') return 'params';
  if (head === 'retry') {
    if (sub === 'max_attempts') return 'retry_max_attempts';
    if (sub === 'initial_delay_seconds') return 'retry_initial_delay_seconds';
    return 'form';
  }
  return DIRECT.has(head) ? (head as FormField) : 'form';
}

/** "trigger.expression: cron expression ..." reads better next to its field without the path. */
export function messageFor(message: string, path: string | undefined): string {
  const text = path && message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const FIELD_LABELS: Record<ErrorKey, string> = {
  name: 'Name',
  id: 'ID',
  handler: 'Handler',
  method: 'Method',
  params: 'Parameters',
  trigger_type: 'Trigger type',
  cron_expression: 'Cron expression',
  interval_weeks: 'Weeks',
  interval_days: 'Days',
  interval_hours: 'Hours',
  interval_minutes: 'Minutes',
  interval_seconds: 'Seconds',
  run_date: 'Run at',
  timezone: 'Time zone',
  start_time: 'Start',
  end_time: 'End',
  max_instances: 'Max instances',
  catch_up: 'Catch up',
  misfire_grace_seconds: 'Misfire grace',
  timeout_seconds: 'Timeout',
  retry_max_attempts: 'Max attempts',
  retry_initial_delay_seconds: 'First retry delay',
  paused: 'Start paused',
  trigger: 'Trigger',
  form: 'Schedule',
};

export function fieldId(key: ErrorKey): string {
  return `szs-f-${key.replace(/_/g, '-')}`;
}
