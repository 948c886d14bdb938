import { AppError } from '../../../domain/errors.js';
import type { ScheduleRow } from '../../../domain/types.js';
import type { PortalApi } from '../../api.js';
import { formFieldOf, messageFor, type FieldErrors } from './form-fields.js';
import { buildTrigger } from './form-parse.js';
import { cronFieldForm, INTERVAL_UNITS, triggerType, type FormValues } from './form-values.js';
import { safeZone } from './format.js';
import type { PreviewModel } from './views/preview.js';

export const PREVIEW_COUNT = 5;

/** Nothing typed yet is not an error: say what to fill in instead. */
function incomplete(values: FormValues, stored: ScheduleRow | undefined): string | null {
  const type = triggerType(values);
  if (type === 'cron' && values.cron_expression.trim() === '' && !cronFieldForm(stored?.trigger)) return 'Enter a cron expression to see when it runs.';
  if (type === 'interval' && INTERVAL_UNITS.every((u) => values[`interval_${u}`].trim() === '')) return 'Enter an interval to see when it runs.';
  if (type === 'date' && values.run_date.trim() === '') return 'Pick the date and time to run at.';
  return null;
}

/** The live preview of the form's trigger: the engine validates it and computes its fire times. */
export function previewOf(api: PortalApi, values: FormValues, stored?: ScheduleRow): PreviewModel {
  const hint = incomplete(values, stored);
  if (hint !== null) return { kind: 'incomplete', hint };
  const errors: FieldErrors = new Map();
  const trigger = buildTrigger(values, errors, stored);
  const [first] = errors;
  if (first) return { kind: 'error', field: first[0], message: first[1] };
  const now = api.now();
  try {
    const { times, description } = api.schedules.preview(trigger, PREVIEW_COUNT, now);
    return { kind: 'ok', description, times, zone: safeZone(values.timezone.trim() || 'UTC') };
  } catch (err) {
    if (err instanceof AppError) return { kind: 'error', field: formFieldOf(err.field), message: messageFor(err.message, err.field) };
    throw err;
  }
}

/** The trigger's problem as a form error (for a submitted form), or nothing. */
export function triggerError(api: PortalApi, trigger: unknown, errors: FieldErrors): void {
  try {
    api.schedules.preview(trigger, 1);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const key = formFieldOf(err.field);
    if (!errors.has(key)) errors.set(key, messageFor(err.message, err.field));
  }
}
