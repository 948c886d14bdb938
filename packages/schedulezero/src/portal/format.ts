import type { RunStatus } from '../domain/types.js';
import { html, type SafeHtml } from './html.js';

/**
 * How the portal writes numbers, times and run statuses: one style for every page. Core
 * microsites import this module; custom ones get the same functions as `ctx.format`.
 *
 * Nothing here reads the clock. A <time data-ago> or <time data-countdown> carries an absolute
 * time as its text, which portal.js turns into "12s ago" / "in 4m 05s" every second: the page
 * reads right without JavaScript, and a live panel whose data did not change renders to the same
 * bytes (the dashboard's stream skips sending those).
 */

const NOTHING = '—';

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "12.0" -> "12", "12.3" stays. */
function tenths(value: number): string {
  return (value / 10).toFixed(1).replace(/\.0$/, '');
}

/** 1234567 -> "1,234,567"; a dash for nothing. */
export function count(n: number | null | undefined): string {
  return missing(n) ? NOTHING : n.toLocaleString('en-US');
}

/** "1 method", "3 methods", "1,200 methods"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Whole seconds and up, in the words portal.js uses for relative times: "4m 05s", "2h 05m", "3d 4h". */
function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * A run time or a lateness: "850 ms", "2 s", "12.3 s", "4m 10s", "2h 05m", "3d 4h". Negative
 * values (clock skew) read as 0 ms; a dash for nothing.
 */
export function duration(ms: number | null | undefined): string {
  if (missing(ms)) return NOTHING;
  const value = Math.max(0, ms);
  const whole = Math.round(value);
  if (whole < 1000) return `${whole} ms`;
  const t = Math.round(value / 100);
  if (t < 600) return `${tenths(t)} s`;
  return span(value);
}

/**
 * A rate (0..1) as a percentage: "100%", "97.5%", "0%". Never rounds to 100% while anything
 * failed, nor to 0% while anything succeeded: one run in thousands must stay visible.
 */
export function percent(rate: number | null | undefined): string {
  if (missing(rate)) return NOTHING;
  if (rate >= 1) return '100%';
  if (rate <= 0) return '0%';
  return `${tenths(Math.min(999, Math.max(1, Math.round(rate * 1000))))}%`;
}

/** The job of a run or schedule as one name: handler.method. */
export function jobName(row: { handler: string; method: string }): string {
  return `${row.handler}.${row.method}`;
}

/** "2025-06-02T07:00:00.000Z", for datetime attributes. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** A formatter for `zone`, or null when Intl does not know the zone. */
function clock(zone: string): Intl.DateTimeFormat | null {
  const cached = clocks.get(zone);
  if (cached) return cached;
  let f: Intl.DateTimeFormat;
  try {
    // en-GB names zones as people in Europe know them (CEST); elsewhere it says "GMT-4".
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
  } catch {
    // Unknown zones are not cached: a zone typed by a user must not grow the map.
    return null;
  }
  // Intl accepts any capitalisation of a zone name; the bound keeps odd spellings from piling up.
  if (clocks.size >= 1000) clocks.clear();
  clocks.set(zone, f);
  return f;
}

/** True when `zone` is an IANA zone (or alias) that Intl knows. */
export function knownZone(zone: string): boolean {
  return clock(zone) !== null;
}

/** A wall clock reading: zero-padded fields ("2025", "06", "02", "09", ...), the weekday and the zone's short name. */
export interface WallClock {
  weekday: string;
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  zone: string;
}

/** The wall clock of `ms` in `zone`; in UTC when Intl does not know the zone (`zone` then reads "UTC"). */
export function wallClock(ms: number, zone = 'UTC'): WallClock {
  const p: Record<string, string> = {};
  for (const part of (clock(zone) ?? clock('UTC')!).formatToParts(new Date(ms))) p[part.type] = part.value;
  return { weekday: p.weekday!, year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second!, zone: p.timeZoneName! };
}

function wall(ms: number, zone: string, seconds: boolean): string {
  const w = wallClock(ms, zone);
  return `${w.weekday} ${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}${seconds ? `:${w.second}` : ''} ${w.zone}`;
}

function isUtc(zone: string): boolean {
  return (clock(zone)?.resolvedOptions().timeZone ?? 'UTC') === 'UTC';
}

/**
 * An exact time: "Mon 2025-06-02 09:00:00 CEST" in an IANA `zone` (UTC by default, and for a
 * zone Intl does not know; the text then says UTC).
 */
export function absolute(ms: number, zone = 'UTC'): string {
  return wall(ms, zone, true);
}

/** The hover text of a time: the exact time in its zone, and in UTC too when the zone is another. */
function exact(ms: number, zone: string): string {
  return isUtc(zone) ? absolute(ms) : `${absolute(ms, zone)} · ${absolute(ms)}`;
}

/** An exact time as a <time> element ("Mon 2025-06-02 09:00:00 CEST"), UTC on hover for other zones. */
export function time(ms: number, zone = 'UTC'): SafeHtml {
  return html`<time datetime="${iso(ms)}"${isUtc(zone) ? '' : html` title="${absolute(ms)}"`}>${absolute(ms, zone)}</time>`;
}

/**
 * A past moment: portal.js shows "12s ago"; the text without it is the time to the minute, and
 * the exact time is on hover. "never" (muted) for no time.
 */
export function ago(ms: number | null | undefined, zone = 'UTC'): SafeHtml {
  if (missing(ms)) return html`<span class="sz-muted">never</span>`;
  return html`<time data-ago datetime="${iso(ms)}" title="${exact(ms, zone)}">${wall(ms, zone, false)}</time>`;
}

/** A coming moment: portal.js shows "in 4m 05s", then "due"; like ago() otherwise. A muted dash for no time. */
export function countdown(ms: number | null | undefined, zone = 'UTC'): SafeHtml {
  if (missing(ms)) return html`<span class="sz-muted">${NOTHING}</span>`;
  return html`<time class="sz-countdown" data-countdown datetime="${iso(ms)}" title="${exact(ms, zone)}">${wall(ms, zone, false)}</time>`;
}

const STATUS_LABELS: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  lost: 'Lost',
  missed: 'Missed',
};

/** "Timed out" for timed_out; a status this version does not know reads as itself, spaced and capitalised. */
export function statusLabel(status: RunStatus | string): string {
  const known = (STATUS_LABELS as Record<string, string>)[status];
  if (known) return known;
  const words = status.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A run status as a coloured badge (portal.css styles .sz-status-<status>). */
export function statusBadge(status: RunStatus | string): SafeHtml {
  return html`<span class="sz-badge sz-status-${status}">${statusLabel(status)}</span>`;
}

/** The empty state of a list or card: what is missing, in bold, and what to do about it. */
export function empty(title: string, hint: SafeHtml | string = ''): SafeHtml {
  return html`<div class="sz-empty"><strong>${title}</strong>${hint}</div>`;
}

/** The helpers as one object: `ctx.format` of every microsite. */
export const format = Object.freeze({
  count,
  plural,
  duration,
  percent,
  jobName,
  iso,
  absolute,
  time,
  ago,
  countdown,
  statusLabel,
  statusBadge,
  empty,
});

export type PortalFormat = typeof format;
