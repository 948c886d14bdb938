import { html } from '../../../html.js';
import { ago, count, empty, plural } from '../../../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';
import { heading } from './shared.js';

const HEADING = 'dash-handlers-h';

export const handlersPanel: Panel = {
  id: 'handlers',
  event: 'handlers',
  className: 'sz-card sz-card-flush',
  headingId: HEADING,
  everyMs: 500,
  async render(source: DashSource) {
    const handlers = await source.handlers();
    const all = source.links.handlers;
    const online = handlers.filter((h) => h.status === 'online').length;
    const head = heading(HEADING, 'Handlers', handlers.length > 0 ? `${count(online)} of ${count(handlers.length)} online` : null, all ? { href: all, label: 'All handlers' } : null);
    if (handlers.length === 0) {
      return html`${head}${empty('No handler has connected yet.', 'Start a worker (or register an in-process handler) and it shows up here.')}`;
    }
    // An online handler shows "connected" rather than its last heartbeat: that time moves with
    // every poll and would make each render differ, defeating the stream's skip-if-unchanged.
    const rows = handlers.map((h) => {
      const live = h.workers.filter((w) => w.status === 'online').length;
      return html`<tr>
<td><span class="sz-dot sz-dot-${h.status}" aria-hidden="true"></span><span class="sz-name sz-mono">${h.handler}</span><span class="dash-sr"> (${h.status})</span><span class="sz-sub">${plural(h.methods.length, 'method')}</span></td>
<td class="sz-num">${count(live)}${live !== h.workers.length ? html`<span class="sz-muted"> / ${count(h.workers.length)}</span>` : ''}</td>
<td class="sz-num">${count(h.running)}</td>
<td>${h.status === 'online' ? html`<span class="sz-muted">connected</span>` : h.last_seen_at !== null ? ago(h.last_seen_at) : '—'}</td>
</tr>`;
    });
    return html`${head}<div class="sz-table-wrap"><table class="sz-table">
<thead><tr><th scope="col">Handler</th><th scope="col" class="sz-num">Workers</th><th scope="col" class="sz-num">Running</th><th scope="col">Last seen</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  },
};
