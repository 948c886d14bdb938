import { html, type SafeHtml } from '../../html.js';

/**
 * Times and numbers as the dashboard shows them.
 *
 * Rendered text never depends on the current time: portal.js turns <time data-ago> and
 * <time data-countdown> into "12s ago" / "in 4m 05s" right after every swap, and a panel whose
 * data did not change renders to the same bytes, so the live stream can skip sending it.
 */

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "2025-03-04 14:05:09 UTC": the absolute time behind every relative one (title on hover). */
export function absolute(ms: number): string {
  return iso(ms).replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** "2025-03-04 14:05 UTC": what a time shows before portal.js makes it relative (or without JS). */
function short(ms: number): string {
  return iso(ms).replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, ' UTC');
}

/** A past moment, shown as "12s ago" by portal.js. */
export function ago(ms: number): SafeHtml {
  return html`<time data-ago datetime="${iso(ms)}" title="${absolute(ms)}">${short(ms)}</time>`;
}

/** A coming moment, shown as "in 4m 05s" (then "due") by portal.js. */
export function countdown(ms: number): SafeHtml {
  return html`<time class="sz-countdown" data-countdown datetime="${iso(ms)}" title="${absolute(ms)}">${short(ms)}</time>`;
}

/** "14:00" (UTC) for the start of an hour bucket. */
export function hourLabel(ms: number): string {
  return iso(ms).slice(11, 16);
}

/** A lateness or duration: "0 ms", "850 ms", "2.4 s", "3m 05s", "2h 10m". */
export function duration(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value} ms`;
  if (value < 10_000) return `${(value / 1000).toFixed(1)} s`;
  const s = Math.round(value / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A success rate as a percentage that never rounds a failure away ("99.9%", not "100%"). */
export function percent(rate: number): string {
  const tenths = Math.floor(rate * 1000 + 1e-9) / 10;
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** The job of a run or schedule as one name: handler.method. */
export function jobName(row: { handler: string; method: string }): string {
  return `${row.handler}.${row.method}`;
}

const STATUS_WORDS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  lost: 'Lost',
  missed: 'Missed',
};

export function statusBadge(status: string): SafeHtml {
  return html`<span class="sz-badge sz-status-${status}">${STATUS_WORDS[status] ?? status}</span>`;
}
