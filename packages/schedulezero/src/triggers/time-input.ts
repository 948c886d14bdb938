/**
 * Times given to a trigger (run_date, start_time, end_time): ISO-8601 text or Unix epoch seconds.
 */
import { MAX_INSTANT, MIN_INSTANT, daysInMonth } from './calendar.js';
import { show, triggerError } from './errors.js';
import type { Zone } from './timezone.js';

/** A parsed time: an exact instant, or a wall time still to be placed in the trigger's zone. */
export type TimeValue = { readonly kind: 'instant'; readonly ms: number } | { readonly kind: 'wall'; readonly ms: number };

// Calendar date, optional time with optional fraction and optional offset. The offset needs a
// time: "2025-01-01Z" is not ISO-8601.
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const RANGE_TEXT = '1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z';

function expected(field: string, value: unknown): Error {
  return triggerError(
    field,
    `${field}: expected an ISO-8601 date-time (e.g. "2025-03-30T02:30:00Z", or "2025-03-30T02:30:00" ` +
      `in the trigger's timezone) or a Unix epoch number in seconds, got ${show(value)}`,
  );
}

function outOfRange(field: string, value: unknown): Error {
  return triggerError(field, `${field}: ${show(value)} is outside the supported range ${RANGE_TEXT}`);
}

/** Parses without placing wall times in a zone. Throws ValidationError (invalid_trigger) naming `field`. */
export function parseTimeValue(value: unknown, field: string): TimeValue {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw expected(field, value);
    // Rounded, not floored: 1700000000.123 * 1000 is 1700000000122.9998 in binary floating point.
    const ms = Math.round(value * 1000);
    if (ms < MIN_INSTANT || ms > MAX_INSTANT) throw outOfRange(field, value);
    return { kind: 'instant', ms };
  }
  if (typeof value !== 'string') throw expected(field, value);
  const m = ISO_RE.exec(value);
  if (m === null) throw expected(field, value);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Digits past milliseconds are dropped: occurrences are whole milliseconds.
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) throw triggerError(field, `${field}: month ${m[2]} is out of range 01-12 in ${show(value)}`);
  if (day < 1 || day > daysInMonth(year, month - 1)) {
    throw triggerError(field, `${field}: day ${m[3]} does not exist in ${m[1]}-${m[2]} in ${show(value)}`);
  }
  if (hour > 23) throw triggerError(field, `${field}: hour ${m[4]} is out of range 00-23 in ${show(value)}`);
  if (minute > 59) throw triggerError(field, `${field}: minute ${m[5]} is out of range 00-59 in ${show(value)}`);
  if (second > 59) throw triggerError(field, `${field}: second ${m[6]} is out of range 00-59 in ${show(value)}`);
  if (year < 1970) throw outOfRange(field, value);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (m[8] !== undefined) return checked({ kind: 'instant', ms: wall }, field, value);
  if (m[9] !== undefined) {
    const offHours = Number(m[10]);
    const offMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (offHours > 23 || offMinutes > 59) {
      throw triggerError(field, `${field}: UTC offset ${m[9]}${m[10]}${m[11] === undefined ? '' : `:${m[11]}`} is invalid in ${show(value)}`);
    }
    const sign = m[9] === '-' ? -1 : 1;
    return checked({ kind: 'instant', ms: wall - sign * (offHours * 60 + offMinutes) * 60_000 }, field, value);
  }
  return { kind: 'wall', ms: wall };
}

function checked(t: TimeValue, field: string, value: unknown): TimeValue {
  if (t.ms < MIN_INSTANT || t.ms > MAX_INSTANT) throw outOfRange(field, value);
  return t;
}

/**
 * The instant of a time input. An offset-less time is a wall time in `zone`: inside a DST gap it
 * means the end of the gap, in a repeated hour its first occurrence (see docs/concepts/dst.md).
 */
export function parseTimeInput(value: unknown, field: string, zone: Zone): number {
  const t = parseTimeValue(value, field);
  if (t.kind === 'instant') return t.ms;
  const ms = zone.instantOf(t.ms);
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) throw outOfRange(field, value);
  return ms;
}

/** The normalized text of an instant: ISO-8601 UTC with milliseconds. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}
