import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ScheduleCreate, SchedulePatch } from '../../../schemas/schedule.js';
import type { ScheduleInput, SchedulePatchInput } from '../../../engine/types.js';
import { formFieldOf, type FieldErrors } from './form-fields.js';

/**
 * The engine trusts its callers to have checked the API schema (identifiers, ranges); the REST
 * API does it with Ajv, and so does the form, with the very same schema.
 */
const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true, removeAdditional: false });
const validateCreate = ajv.compile(ScheduleCreate) as ValidateFunction<ScheduleInput>;
const validatePatch = ajv.compile(SchedulePatch) as ValidateFunction<SchedulePatchInput>;

function describe(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'type':
      return p.type === 'integer' ? 'Enter a whole number.' : p.type === 'number' ? 'Enter a number.' : `Must be ${String(p.type)}.`;
    case 'minimum':
      return `Must be at least ${String(p.limit)}.`;
    case 'exclusiveMinimum':
      return `Must be more than ${String(p.limit)}.`;
    case 'maximum':
      return `Must be at most ${String(p.limit)}.`;
    case 'minLength':
    case 'required':
      return 'Required.';
    case 'maxLength':
      return `At most ${String(p.limit)} characters.`;
    case 'pattern':
      return 'Use letters, digits and . _ : @ / - only, starting with a letter or digit.';
    default:
      return err.message ? `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.` : 'Not valid.';
  }
}

/** A nullable number fails both branches; "must be null" is never the helpful half. */
function useful(err: ErrorObject): boolean {
  if (err.keyword === 'anyOf' || err.keyword === 'oneOf') return false;
  return !(err.keyword === 'type' && (err.params as { type?: unknown }).type === 'null');
}

function collect(errors: ErrorObject[] | null | undefined, out: FieldErrors): void {
  for (const err of (errors ?? []).filter(useful)) {
    const parts = err.instancePath.split('/').filter(Boolean);
    const missing = (err.params as { missingProperty?: unknown }).missingProperty;
    if (err.keyword === 'required' && typeof missing === 'string') parts.push(missing);
    const path = parts.join('.');
    const key = formFieldOf(path || undefined);
    if (!out.has(key)) out.set(key, describe(err));
  }
}

export function checkCreate(body: Record<string, unknown>, errors: FieldErrors): body is ScheduleInput {
  if (validateCreate(body)) return true;
  collect(validateCreate.errors, errors);
  return false;
}

export function checkPatch(body: Record<string, unknown>, errors: FieldErrors): body is SchedulePatchInput {
  if (validatePatch(body)) return true;
  collect(validatePatch.errors, errors);
  return false;
}
