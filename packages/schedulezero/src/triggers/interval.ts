/**
 * Interval occurrences: start_time + k * period, k >= 0. Pure elapsed time, so DST never moves them.
 */
import { MAX_INSTANT } from './calendar.js';
import type { IntervalTriggerSpec } from '../domain/types.js';
import type { Trigger } from './trigger.js';

export const INTERVAL_UNITS = [
  ['weeks', 7 * 86_400_000],
  ['days', 86_400_000],
  ['hours', 3_600_000],
  ['minutes', 60_000],
  ['seconds', 1000],
] as const;

export type IntervalUnit = (typeof INTERVAL_UNITS)[number][0];

export class IntervalTrigger implements Trigger {
  constructor(
    readonly spec: IntervalTriggerSpec,
    private readonly start: number,
    /** Whole milliseconds, >= 1. */
    private readonly period: number,
    private readonly end: number | null,
  ) {}

  next(after: number): number | null {
    if (Number.isNaN(after) || after >= MAX_INSTANT) return null;
    const { start, period } = this;
    let at: number;
    if (after < start) {
      at = start;
    } else {
      at = start + (Math.floor((after - start) / period) + 1) * period;
      // Floating-point division may be off by one step for huge multiples; settle exactly.
      while (at <= after) at += period;
      while (at - period > after && at - period >= start) at -= period;
    }
    if (at > MAX_INSTANT || (this.end !== null && at > this.end)) return null;
    return at;
  }

  first(now: number): number | null {
    return this.next(now - 1);
  }

  describe(): string {
    const parts: string[] = [];
    for (const [unit] of INTERVAL_UNITS) {
      const value = this.spec[unit];
      if (value === undefined || value === 0) continue;
      const singular = unit.slice(0, -1);
      parts.push(value === 1 ? `1 ${singular}` : `${value} ${unit}`);
    }
    const every = parts.length === 1 && parts[0]?.startsWith('1 ') ? parts[0].slice(2) : parts.join(', ');
    let text = `Every ${every}, starting ${new Date(this.start).toISOString()}`;
    if (this.end !== null) text += `, until ${new Date(this.end).toISOString()}`;
    return text;
  }
}
