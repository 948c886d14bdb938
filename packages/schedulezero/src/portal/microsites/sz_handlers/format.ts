import { ago, countdown, duration, percent } from '../../format.js';
import { html, type SafeHtml } from '../../html.js';

/** What only the handler pages show; numbers and times come from the portal's format module. */

/** A success rate with its colour: good at 99% and above, a warning down to 90%, bad below. */
export function rateCell(rate: number | null | undefined): SafeHtml {
  if (rate === null || rate === undefined) return html`<span class="sz-muted" title="No finished runs">—</span>`;
  const tone = rate >= 0.99 ? 'good' : rate >= 0.9 ? 'warn' : 'bad';
  return html`<span class="szh-rate szh-rate-${tone}">${percent(rate)}</span>`;
}

/** A time that may lie ahead (a run waiting for its retry back-off) counts down; a past one reads "3m 05s ago". */
export function when(ms: number, now: number): SafeHtml {
  return ms > now ? countdown(ms) : ago(ms);
}

/** "p50 / p95", or a single dash when nothing finished. */
export function percentiles(p50: number | null | undefined, p95: number | null | undefined): string {
  if ((p50 ?? null) === null && (p95 ?? null) === null) return '—';
  return `${duration(p50)} / ${duration(p95)}`;
}
