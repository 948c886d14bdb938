/**
 * Finds the next wall time matching a cron plan.
 *
 * croner parses every field and decides which days match (L, W, #, the day-of-month/day-of-week
 * OR), but its own search walks in a time zone with a DST policy that differs from ours and costs
 * tens of microseconds per call. So the search runs here, on wall times encoded as UTC
 * (calendar.ts): croner's parsed second/minute/hour/month/year tables drive a field-by-field
 * search, and croner's `CronDate.match` classifies days. Whether a day matches depends only on the
 * month's length and the weekday of its 1st, so each plan caches at most 28 day bitmasks.
 */
import { CronDate, CronPattern } from 'croner';
import { SECOND, daysInMonth, isoWeek, weekday } from './calendar.js';

/** A cron trigger's fields in croner syntax, from either accepted input form. */
export interface CronPlan {
  /** croner 7-part pattern carrying second, minute, hour, month and year: `s m h * mon * year`. */
  readonly time: string;
  /**
   * croner 6-part patterns `0 0 0 <dom> * <dow>`, read with croner's default day logic (OR when both
   * day fields are restricted). A day matches when it matches every pattern (none: every day).
   */
  readonly days: readonly string[];
  /** Allowed ISO week numbers (index 1-53), or null when not restricted. */
  readonly weeks: readonly boolean[] | null;
  /** The hour field is a wildcard or a step: a repeated wall time runs on both passes. */
  readonly hourWildcard: boolean;
}

/**
 * Years without a match before giving up. Day matching repeats with the 400-year Gregorian cycle,
 * so a plan without a year field that finds nothing in 400 years never matches.
 */
const MAX_SEARCH_YEARS = 401;
const MAX_YEAR = 9999;
const DAY_OPTIONS = { domAndDow: false };

function nextTable(flags: ArrayLike<number>, size: number): Int8Array {
  const table = new Int8Array(size + 1).fill(-1);
  for (let v = size - 1; v >= 0; v--) table[v] = flags[v] ? v : (table[v + 1] as number);
  return table;
}

export class CronMatcher {
  private readonly nextSecond: Int8Array;
  private readonly nextMinute: Int8Array;
  private readonly nextHour: Int8Array;
  private readonly firstTime: number;
  private readonly months: readonly boolean[];
  /** 1 for allowed years; null: every year. */
  private readonly years: Uint8Array | null;
  private readonly dayPatterns: readonly CronPattern[];
  private readonly weeks: readonly boolean[] | null;
  /** Day bitmask (bit d-1 for day d) per (month length, weekday of the 1st); -1 until computed. */
  private readonly masks = new Int32Array(28).fill(-1);

  constructor(plan: CronPlan) {
    const time = new CronPattern(plan.time, undefined, { mode: '7-part' });
    this.nextSecond = nextTable(time.second, 60);
    this.nextMinute = nextTable(time.minute, 60);
    this.nextHour = nextTable(time.hour, 24);
    const s = this.nextSecond[0] as number;
    const m = this.nextMinute[0] as number;
    const h = this.nextHour[0] as number;
    if (s < 0 || m < 0 || h < 0) throw new Error(`CronPattern: no second, minute or hour matches in "${plan.time}"`);
    this.firstTime = h * 3600 + m * 60 + s;
    this.months = Array.from({ length: 12 }, (_, i) => time.month[i] === 1);
    this.years = time.starYear ? null : Uint8Array.from(time.year);
    this.dayPatterns = plan.days.map((text) => {
      const pattern = new CronPattern(text, undefined, { mode: '6-part' });
      // Every CronPattern carries a 10 000-entry year table; day patterns never read it (their year
      // is *), and matchers are cached, so drop it rather than keep ~80 kB per pattern alive.
      pattern.year = [];
      return pattern;
    });
    this.weeks = plan.weeks;
  }

  /** The first matching wall time >= `wall` (whole seconds), or null when there is none. */
  nextWall(wall: number): number | null {
    const start = new Date(wall);
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth();
    let fromDay = start.getUTCDate();
    // Seconds into the start day; applies only on the start day itself.
    let fromTime = start.getUTCHours() * 3600 + start.getUTCMinutes() * 60 + start.getUTCSeconds();
    for (let scanned = 0; scanned < MAX_SEARCH_YEARS; scanned++) {
      if (year > MAX_YEAR) return null;
      if (this.years !== null && this.years[year] !== 1) {
        const next = this.nextAllowedYear(year);
        if (next < 0) return null;
        year = next;
        month = 0;
        fromDay = 1;
        fromTime = 0;
      }
      for (; month < 12; month++) {
        if (this.months[month] === true) {
          const found = this.searchMonth(year, month, fromDay, fromTime);
          if (found !== null) return found;
        }
        fromDay = 1;
        fromTime = 0;
      }
      year++;
      month = 0;
    }
    return null;
  }

  private searchMonth(year: number, month: number, fromDay: number, fromTime: number): number | null {
    let bits = this.dayMask(year, month) & ~((1 << (fromDay - 1)) - 1);
    while (bits !== 0) {
      const day = 32 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      if (this.weeks !== null && this.weeks[isoWeek(year, month, day)] !== true) continue;
      const tod = day === fromDay ? this.nextTimeOfDay(fromTime) : this.firstTime;
      if (tod >= 0) return Date.UTC(year, month, day) + tod * SECOND;
    }
    return null;
  }

  /** First allowed second-of-day >= `from`, or -1. */
  private nextTimeOfDay(from: number): number {
    if (from === 0) return this.firstTime;
    const h = Math.floor(from / 3600);
    const m = Math.floor(from / 60) % 60;
    const s = from % 60;
    let hour = this.nextHour[h] as number;
    if (hour < 0) return -1;
    if (hour === h) {
      let minute = this.nextMinute[m] as number;
      if (minute === m) {
        const second = this.nextSecond[s] as number;
        if (second >= 0) return h * 3600 + m * 60 + second;
        minute = this.nextMinute[m + 1] as number;
      }
      if (minute >= 0) return h * 3600 + minute * 60 + (this.nextSecond[0] as number);
      hour = this.nextHour[h + 1] as number;
      if (hour < 0) return -1;
    }
    return hour * 3600 + (this.nextMinute[0] as number) * 60 + (this.nextSecond[0] as number);
  }

  private nextAllowedYear(from: number): number {
    const years = this.years as Uint8Array;
    for (let y = from; y <= MAX_YEAR; y++) if (years[y] === 1) return y;
    return -1;
  }

  private dayMask(year: number, month: number): number {
    const length = daysInMonth(year, month);
    const first = weekday(year, month, 1);
    const key = (length - 28) * 7 + first;
    let mask = this.masks[key] as number;
    if (mask < 0) {
      mask = this.computeDayMask(year, month, length);
      this.masks[key] = mask;
    }
    return mask;
  }

  private computeDayMask(year: number, month: number, length: number): number {
    let mask = 0;
    if (this.dayPatterns.length === 0) return length === 31 ? 0x7fffffff : (1 << length) - 1;
    const date = new CronDate(new Date(Date.UTC(year, month, 1)), 0);
    for (let day = 1; day <= length; day++) {
      date.year = year;
      date.month = month;
      date.day = day;
      date.hour = 0;
      date.minute = 0;
      date.second = 0;
      let ok = true;
      for (const pattern of this.dayPatterns) {
        if (!date.match(pattern, DAY_OPTIONS)) {
          ok = false;
          break;
        }
      }
      if (ok) mask |= 1 << (day - 1);
    }
    return mask;
  }
}
