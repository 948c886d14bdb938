/**
 * Calendar arithmetic on "wall times": a local date and time encoded as the epoch milliseconds it
 * would have if it were UTC. Encoding wall times this way lets the cron search use plain integer
 * arithmetic and the UTC getters of Date, with no time zone involved until an occurrence is found.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The earliest instant a trigger accepts or produces: 1970-01-01T00:00:00.000Z. */
export const MIN_INSTANT = 0;
/** The latest instant a trigger accepts or produces: 9999-12-31T23:59:59.999Z. */
export const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (0-11) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 1 && isLeapYear(year) ? 29 : (MONTH_DAYS[month] ?? 31);
}

/** Day of the week, 0 = Sunday, of a calendar date (month 0-11). */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month, day)).getUTCDay();
}

/** ISO-8601 week number (1-53) of a calendar date (month 0-11). */
export function isoWeek(year: number, month: number, day: number): number {
  const date = Date.UTC(year, month, day);
  // The ISO week belongs to the year of its Thursday.
  const isoDow = (new Date(date).getUTCDay() + 6) % 7; // 0 = Monday
  const thursday = date + (3 - isoDow) * DAY;
  const thursdayYear = new Date(thursday).getUTCFullYear();
  const jan1 = Date.UTC(thursdayYear, 0, 1);
  return Math.floor((thursday - jan1) / DAY / 7) + 1;
}

/** Floor to a whole second (works for negative values too). */
export function floorSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

/** `YYYY-MM-DD HH:MM:SS[.mmm]` of a wall time, for descriptions. */
export function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}`}`;
}
