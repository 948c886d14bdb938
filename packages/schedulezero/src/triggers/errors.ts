import { ValidationError } from '../domain/errors.js';

/** Machine-readable codes of trigger validation errors. */
export type TriggerErrorCode = 'invalid_trigger' | 'invalid_cron' | 'invalid_timezone';

export function triggerError(field: string, message: string, code: TriggerErrorCode = 'invalid_trigger'): ValidationError {
  return new ValidationError(message, field, code);
}

/** JSON-ish check for a plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short, safe rendering of an offending input value for error messages. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? typeof value);
  } catch {
    text = typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
