import type { ScheduleRow } from '../../../domain/types.js';
import type { FieldErrors } from './form-fields.js';
import { cronFieldForm, INTERVAL_UNITS, sameTrigger, triggerType, type FormField, type FormValues } from './form-values.js';

/**
 * From the typed form to the body the engine takes (the API's schedule body). Only what text
 * cannot be is checked here (a number that is no number, JSON that does not parse); ranges,
 * identifiers and the trigger's rules are the schema's and the engine's.
 */

function number(values: FormValues, field: FormField, errors: FieldErrors): number | undefined {
  const text = values[field].trim();
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) {
    errors.set(field, 'Enter a number.');
    return undefined;
  }
  return n;
}

/** The trigger object of the form; `stored` fills in what the form cannot show (cron field form). */
export function buildTrigger(values: FormValues, errors: FieldErrors, stored?: ScheduleRow): Record<string, unknown> {
  const type = triggerType(values);
  const trigger: Record<string, unknown> = { type };
  const timezone = values.timezone.trim();
  if (timezone !== '') trigger.timezone = timezone;
  if (type === 'cron') {
    const expression = values.cron_expression.trim().replace(/\s+/g, ' ');
    const fieldForm = expression === '' ? cronFieldForm(stored?.trigger) : null;
    if (fieldForm) Object.assign(trigger, fieldForm);
    else if (expression !== '') trigger.expression = expression;
  } else if (type === 'interval') {
    for (const unit of INTERVAL_UNITS) {
      const n = number(values, `interval_${unit}`, errors);
      if (n !== undefined) trigger[unit] = n;
    }
  } else {
    const runDate = values.run_date.trim();
    if (runDate !== '') trigger.run_date = runDate;
  }
  if (type !== 'date') {
    const start = values.start_time.trim();
    const end = values.end_time.trim();
    if (start !== '') trigger.start_time = start;
    if (end !== '') trigger.end_time = end;
  }
  return trigger;
}

function parseParams(values: FormValues, errors: FieldErrors): Record<string, unknown> | undefined {
  const text = values.params.trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    errors.set('params', `Not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    errors.set('params', 'Parameters must be a JSON object, such as {"report": "daily"}.');
    return undefined;
  }
  return parsed as Record<string, unknown>;
}

function required(values: FormValues, field: FormField, message: string, errors: FieldErrors): string | undefined {
  const text = values[field].trim();
  if (text === '') errors.set(field, message);
  return text === '' ? undefined : text;
}

/**
 * The create body (no `stored`) or the patch body (with the stored schedule). On edit, an empty
 * optional number means "none" (null) where the engine has a null, and "keep" otherwise; the
 * trigger is only sent when it changed, so that an unrelated edit keeps the pending run.
 */
export function buildScheduleBody(values: FormValues, errors: FieldErrors, stored?: ScheduleRow): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const editing = stored !== undefined;

  if (!editing) {
    const id = values.id.trim();
    if (id !== '') body.id = id;
  }
  const name = values.name.trim();
  body.name = name === '' ? null : name;
  const handler = required(values, 'handler', 'Enter the handler that runs this job.', errors);
  const method = required(values, 'method', 'Enter the method of the handler to call.', errors);
  if (handler !== undefined) body.handler = handler;
  if (method !== undefined) body.method = method;
  const params = parseParams(values, errors);
  if (params !== undefined) body.params = params;

  if (!stored || !sameTrigger(values, stored.trigger)) body.trigger = buildTrigger(values, errors, stored);

  const maxInstances = number(values, 'max_instances', errors);
  if (maxInstances !== undefined) body.max_instances = maxInstances;
  const catchUp = values.catch_up.trim();
  if (catchUp === 'skip' || catchUp === 'once' || catchUp === 'all') body.catch_up = catchUp;
  else if (catchUp !== '') errors.set('catch_up', 'Choose skip, once or all.');

  for (const field of ['misfire_grace_seconds', 'timeout_seconds'] as const) {
    const n = number(values, field, errors);
    if (n !== undefined) body[field] = n;
    else if (editing && values[field].trim() === '') body[field] = null;
  }

  const retry: Record<string, number> = {};
  const attempts = number(values, 'retry_max_attempts', errors);
  const delay = number(values, 'retry_initial_delay_seconds', errors);
  if (attempts !== undefined) retry.max_attempts = attempts;
  if (delay !== undefined) retry.initial_delay_seconds = delay;
  if (Object.keys(retry).length > 0) body.retry = retry;

  if (!editing && values.paused !== '') body.paused = true;
  return body;
}
