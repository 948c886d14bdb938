import { html, type SafeHtml } from '../../html.js';
import type { HandlerRunStats } from '../../../store/store.js';
import { headActions, handlerStatus, methodChips } from './common-view.js';
import type { HandlerListItem, Links, ListData } from './data.js';
import { ago, count, duration, percent } from '../../format.js';
import { percentiles, rateCell } from './format.js';

/** GET /: every handler with its workers and how it did over the last 24 hours. */
export function listPage(data: ListData, links: Links, serverUrl: string): SafeHtml {
  const { handlers, waiting } = data;
  return html`<div class="szh-page"><div class="sz-page-head">
  <div><h1>Handlers</h1><p>The programs that run your jobs, their workers, and how their methods did over the last 24 hours.</p></div>
  ${headActions(links, links.home)}
</div>
${handlers.length > 0 ? html`${tiles(data)}${table(handlers, links)}` : emptyState(links, serverUrl)}
${waiting.length > 0 ? waitingCard(waiting, links) : ''}</div>`;
}

function tiles(data: ListData): SafeHtml {
  const views = data.handlers.map((h) => h.view);
  const online = views.filter((v) => v.status === 'online').length;
  const workers = views.flatMap((v) => v.workers);
  const workersOnline = workers.filter((w) => w.status === 'online').length;
  const running = views.reduce((n, v) => n + v.running, 0);
  const { totals } = data;
  return html`<div class="sz-tiles">
  <div class="sz-tile"><div class="sz-tile-label">Handlers online</div><div class="sz-tile-value">${online} <span class="szh-of">/ ${views.length}</span></div><div class="sz-tile-note">${views.length - online === 0 ? 'all connected' : `${views.length - online} offline`}</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Workers online</div><div class="sz-tile-value">${workersOnline} <span class="szh-of">/ ${workers.length}</span></div><div class="sz-tile-note">seen in the last 24 h</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Running now</div><div class="sz-tile-value">${count(running)}</div><div class="sz-tile-note">${count(totals.counts.queued ?? 0)} queued (24 h)</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Success rate (24 h)</div><div class="sz-tile-value">${percent(totals.success_rate)}</div><div class="sz-tile-note">${count(totals.total)} runs · p95 ${duration(totals.duration_ms_p95)}</div></div>
</div>`;
}

function table(items: HandlerListItem[], links: Links): SafeHtml {
  return html`<section class="sz-card sz-card-flush" aria-labelledby="szh-all">
  <h2 id="szh-all">All handlers <span class="sz-muted">runs, success and durations: last 24 h</span></h2>
  <div class="sz-table-wrap"><table class="sz-table">
    <thead><tr>
      <th scope="col">Handler</th><th scope="col">Status</th><th scope="col" class="sz-num">Workers</th><th scope="col" class="sz-num">Running</th>
      <th scope="col" class="sz-num">Runs</th><th scope="col" class="sz-num">Success</th><th scope="col" class="sz-num">p50 / p95</th><th scope="col">Last seen</th>
    </tr></thead>
    <tbody>${items.map((item) => row(item, links))}</tbody>
  </table></div>
</section>`;
}

function row({ view, stats }: HandlerListItem, links: Links): SafeHtml {
  const online = view.workers.filter((w) => w.status === 'online').length;
  return html`<tr>
  <th scope="row"><a class="sz-name" href="${links.handler(view.handler)}">${view.handler}</a><span class="sz-sub">${methodChips(view.methods, 6)}</span></th>
  <td>${handlerStatus(view.status)}</td>
  <td class="sz-num" title="${online} of ${view.workers.length} workers online">${online} / ${view.workers.length}</td>
  <td class="sz-num">${view.running > 0 ? html`<span class="sz-badge sz-status-running">${view.running}</span>` : html`<span class="sz-muted">0</span>`}</td>
  <td class="sz-num">${stats ? count(stats.total) : html`<span class="sz-muted">0</span>`}</td>
  <td class="sz-num">${rateCell(stats?.success_rate)}</td>
  <td class="sz-num">${percentiles(stats?.duration_ms_p50, stats?.duration_ms_p95)}</td>
  <td>${ago(view.last_seen_at)}</td>
</tr>`;
}

function waitingCard(waiting: HandlerRunStats[], links: Links): SafeHtml {
  return html`<section class="sz-card szh-waiting" aria-labelledby="szh-waiting">
  <h2 id="szh-waiting">Runs waiting for a handler</h2>
  <p class="sz-muted">These handlers have queued runs but no worker has connected for them. Start a worker under that name, or check the schedule's handler for a typo.</p>
  <ul class="sz-list">${waiting.map(
    (s) => html`<li><a class="sz-name" href="${links.handler(s.handler)}">${s.handler}</a><span class="sz-badge sz-badge-warn">${count(s.counts.queued ?? 0)} queued</span></li>`,
  )}</ul>
</section>`;
}

function emptyState(links: Links, serverUrl: string): SafeHtml {
  return html`<section class="sz-card szh-empty" aria-labelledby="szh-empty">
  <h2 id="szh-empty">No handler has connected yet</h2>
  <p>A handler is a program that runs your jobs. Its workers connect out to this server, say which methods they offer, and pull work; a schedule names the handler and method to call. Handlers can run on any machine that reaches this server.</p>
  <ol class="szh-steps">
    <li><p>Start the TypeScript example (handler <code>demo</code>, methods <code>hello</code>, <code>sleep</code>, <code>fail</code>) from the ScheduleZero folder:</p>
      <pre class="sz-pre"><code>SCHEDULEZERO_SERVER=${serverUrl} npm run handler</code></pre></li>
    <li><p>Or the Python worker (standard library only, handler <code>pydemo</code>):</p>
      <pre class="sz-pre"><code>SCHEDULEZERO_SERVER=${serverUrl} python3 examples/python-worker/worker.py</code></pre></li>
    <li><p>Add <code>SCHEDULEZERO_TOKEN=…</code> when the server requires API tokens. The handler appears here as soon as it registers; <a href="${links.home}">refresh</a> to see it.</p></li>
  </ol>
  ${links.docs ? html`<p>Writing your own? <a href="${links.docs}">Read the docs</a> for the TypeScript SDK and the handler protocol.</p>` : ''}
</section>`;
}
