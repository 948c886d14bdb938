import { html, type SafeHtml } from '../../../html.js';
import type { RunTimelineBucket } from '../../../../store/store.js';
import { latenessLine, outcomeBars } from '../charts.js';
import { absolute, count, duration, iso } from '../../../format.js';
import { hourLabel } from '../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';

/**
 * The two charts of the last 24 hours, each with the numbers behind it as a table. Chart and
 * table are separate panels: the table sits in a <details> the page draws, which stays open
 * while its content is replaced.
 */

/** The timeline scans a day of runs: the live stream redraws the charts at most this often. */
const CHART_EVERY_MS = 10_000;

function legend(buckets: readonly RunTimelineBucket[], middle: string): SafeHtml {
  const first = buckets[0]!.start;
  return html`<div class="sz-chart-legend" aria-hidden="true"><span><time datetime="${iso(first)}" title="${absolute(first)}">${hourLabel(first)} UTC</time></span><span>${middle}</span><span>now</span></div>`;
}

/** The numbers behind a chart, newest hour first, hours without runs left out. */
function table(caption: string, head: readonly string[], rows: readonly (readonly [number, readonly string[]])[], none: string): SafeHtml {
  if (rows.length === 0) return html`<p class="sz-muted">${none}</p>`;
  return html`<div class="sz-table-wrap"><table class="sz-table">
<caption class="dash-sr">${caption}</caption>
<thead><tr><th scope="col">Hour (UTC)</th>${head.map((h) => html`<th scope="col" class="sz-num">${h}</th>`)}</tr></thead>
<tbody>${rows.map(([start, cells]) => html`<tr><th scope="row"><time datetime="${iso(start)}">${hourLabel(start)}</time></th>${cells.map((c) => html`<td class="sz-num">${c}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

export const outcomesPanel: Panel = {
  id: 'outcomes',
  event: 'outcomes',
  className: 'dash-chart',
  everyMs: CHART_EVERY_MS,
  async render(source: DashSource) {
    const buckets = await source.timeline();
    const succeeded = buckets.reduce((n, b) => n + b.succeeded, 0);
    const failed = buckets.reduce((n, b) => n + b.failed, 0);
    const busiest = buckets.reduce((best, b) => (b.succeeded + b.failed > best.succeeded + best.failed ? b : best), buckets[0]!);
    const max = busiest.succeeded + busiest.failed;
    const description =
      succeeded + failed === 0
        ? 'No runs finished in the last 24 hours.'
        : `${count(succeeded + failed)} runs finished in the last 24 hours: ${count(succeeded)} succeeded, ${count(failed)} failed. Busiest hour: ${hourLabel(busiest.start)} UTC with ${count(max)}.`;
    return html`${outcomeBars(buckets, { id: 'dash-outcomes-chart', title: 'Finished runs per hour, last 24 hours', description })}
${legend(buckets, max > 0 ? `max ${count(max)} per hour` : 'no finished runs')}
<p class="dash-key"><span class="dash-swatch dash-swatch-ok" aria-hidden="true"></span>Succeeded <span class="dash-swatch dash-swatch-fail" aria-hidden="true"></span>Failed, timed out or lost</p>`;
  },
};

export const outcomesHoursPanel: Panel = {
  id: 'outcomes-hours',
  event: 'outcomes-hours',
  className: 'dash-hours',
  everyMs: CHART_EVERY_MS,
  async render(source: DashSource) {
    const rows = (await source.timeline())
      .filter((b) => b.total > 0)
      .reverse()
      .map((b) => [b.start, [count(b.succeeded), count(b.failed), count(b.total)]] as const);
    return table('Runs per hour', ['Succeeded', 'Failed', 'All runs'], rows, 'No runs in the last 24 hours.');
  },
};

export const latenessPanel: Panel = {
  id: 'lateness',
  event: 'lateness',
  className: 'dash-chart',
  everyMs: CHART_EVERY_MS,
  async render(source: DashSource) {
    const buckets = await source.timeline();
    const started = buckets.filter((b) => b.lateness_ms_avg !== null);
    const peak = started.reduce<RunTimelineBucket | null>((best, b) => (best === null || b.lateness_ms_avg! > best.lateness_ms_avg! ? b : best), null);
    const worst = Math.max(0, ...started.map((b) => b.lateness_ms_max ?? 0));
    const description =
      peak === null
        ? 'No runs started in the last 24 hours.'
        : `Mean delay between a run falling due and starting, per hour. Highest hourly mean: ${duration(peak.lateness_ms_avg!)} at ${hourLabel(peak.start)} UTC; slowest single start: ${duration(worst)}.`;
    return html`${latenessLine(buckets, { id: 'dash-lateness-chart', title: 'Mean start lateness per hour, last 24 hours', description })}
${legend(buckets, peak ? `max ${duration(peak.lateness_ms_avg!)}` : 'no runs started')}
<p class="dash-key">${peak ? `Slowest single start: ${duration(worst)}` : 'How long runs waited after falling due before a worker started them.'}</p>`;
  },
};

export const latenessHoursPanel: Panel = {
  id: 'lateness-hours',
  event: 'lateness-hours',
  className: 'dash-hours',
  everyMs: CHART_EVERY_MS,
  async render(source: DashSource) {
    const rows = (await source.timeline())
      .filter((b) => b.lateness_ms_avg !== null)
      .reverse()
      .map((b) => [b.start, [duration(b.lateness_ms_avg!), duration(b.lateness_ms_max ?? b.lateness_ms_avg!)]] as const);
    return table('Start lateness per hour', ['Mean', 'Worst'], rows, 'No runs started in the last 24 hours.');
  },
};
