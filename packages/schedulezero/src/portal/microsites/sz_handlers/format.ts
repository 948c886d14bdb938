import { html, type SafeHtml } from '../../html.js';

/** How the handler pages show numbers and times. */

/** 850 ms, 12.3 s, 4m 10s, 2h 05m, 3d 4h; an em dash when there is nothing to show. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  const m = Math.floor(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
  const h = Math.floor(m / 60);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 100%, 97.5%, 0%. Never rounds a rate below one up to "100%": one failure must stay visible. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  if (rate >= 1) return '100%';
  const pct = Math.min(99.9, Math.round(rate * 1000) / 10);
  return `${pct.toFixed(1).replace(/\.0$/, '')}%`;
}

/** A success rate with its colour: good at 99% and above, a warning down to 90%, bad below. */
export function rateCell(rate: number | null | undefined): SafeHtml {
  if (rate === null || rate === undefined) return html`<span class="sz-muted" title="No finished runs">—</span>`;
  const tone = rate >= 0.99 ? 'good' : rate >= 0.9 ? 'warn' : 'bad';
  return html`<span class="szh-rate szh-rate-${tone}">${formatRate(rate)}</span>`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "2024-05-01 09:30:00 UTC": the exact time, for a title attribute. */
export function absoluteTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A span of time in the words portal.js uses: "12s", "4m 05s", "2h 05m", "3d 4h". */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The text portal.js keeps up to date every second, so that the page reads the same without it. */
export function relativeAgo(ms: number, now: number): string {
  return now - ms < 1500 ? 'just now' : `${span(now - ms)} ago`;
}

/** A relative time that stays current in the browser, with the exact time on hover. */
export function ago(ms: number | null | undefined, now: number): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="sz-muted">never</span>`;
  return html`<time data-ago datetime="${new Date(ms).toISOString()}" title="${absoluteTime(ms)}">${relativeAgo(ms, now)}</time>`;
}

/** A time that may lie ahead (a run waiting for its retry back-off) counts down; a past one reads "3m 05s ago". */
export function when(ms: number, now: number): SafeHtml {
  if (ms <= now) return ago(ms, now);
  const iso = new Date(ms).toISOString();
  return html`<time data-countdown datetime="${iso}" title="${absoluteTime(ms)}">in ${span(ms - now)}</time>`;
}

/** "p50 / p95", or a single dash when nothing finished. */
export function percentiles(p50: number | null | undefined, p95: number | null | undefined): string {
  if ((p50 ?? null) === null && (p95 ?? null) === null) return '—';
  return `${formatDuration(p50)} / ${formatDuration(p95)}`;
}
