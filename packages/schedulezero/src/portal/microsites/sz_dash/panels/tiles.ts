import { html, type SafeHtml } from '../../../html.js';
import { count, percent, plural } from '../../../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';

function tile(label: string, value: string, note: SafeHtml | string, tone: 'bad' | null = null): SafeHtml {
  return html`<div class="sz-tile${tone ? html` dash-tile-${tone}` : ''}"><div class="sz-tile-label">${label}</div><div class="sz-tile-value">${value}</div><div class="sz-tile-note">${note}</div></div>`;
}

const HEADING = 'dash-tiles-h';

export const tilesPanel: Panel = {
  id: 'tiles',
  event: 'tiles',
  className: 'sz-tiles',
  headingId: HEADING,
  // The 24-hour figures come from the charts' timeline; the counts around them are live.
  everyMs: 1000,
  async render(source: DashSource) {
    const [running, schedules, handlers, buckets] = await Promise.all([source.running(), source.scheduleCount(), source.handlers(), source.timeline()]);
    const day = buckets.reduce((sum, b) => ({ total: sum.total + b.total, succeeded: sum.succeeded + b.succeeded, failed: sum.failed + b.failed }), { total: 0, succeeded: 0, failed: 0 });
    const finished = day.succeeded + day.failed;
    const online = handlers.filter((h) => h.status === 'online').length;
    const all = source.links.schedules;
    return html`<h2 id="${HEADING}" class="dash-sr">Key figures</h2>
${tile('Running now', count(running.total), online > 0 ? `on ${plural(online, 'handler')} online` : 'no handler online')}
${tile('Schedules', count(schedules), all ? html`<a href="${all}">Manage schedules</a>` : schedules === 1 ? 'schedule' : 'schedules')}
${tile('Runs · 24 h', count(day.total), `${count(finished)} finished`)}
${tile('Success rate · 24 h', finished > 0 ? percent(day.succeeded / finished) : '—', finished > 0 ? `of ${plural(finished, 'finished run')}` : 'no finished runs yet')}
${tile('Failures · 24 h', count(day.failed), 'failed, timed out or lost', day.failed > 0 ? 'bad' : null)}`;
  },
};
