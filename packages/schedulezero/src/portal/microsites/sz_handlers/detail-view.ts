import { html, type SafeHtml } from '../../html.js';
import type { RunRow } from '../../../domain/types.js';
import type { WorkerView } from '../../../engine/types.js';
import type { RunStats } from '../../../store/store.js';
import { headActions, handlerStatus, methodChips, workerStatus } from './common-view.js';
import type { DetailData, Links, MethodItem } from './data.js';
import { ago, count, countdown, duration, empty, statusBadge } from '../../format.js';
import type { GovernedState } from '../../../governor/index.js';
import { percentiles, rateCell, when } from './format.js';

/** GET /:handler: one handler's workers, methods and recent runs. */
export function detailPage(data: DetailData, links: Links): SafeHtml {
  const { view, name } = data;
  const workers = view?.workers ?? [];
  const online = workers.filter((w) => w.status === 'online');
  const subtitle = view === null
    ? 'No worker of this handler has connected in the last 24 hours; its runs wait in the queue.'
    : html`${online.length} of ${workers.length} ${workers.length === 1 ? 'worker' : 'workers'} online · last seen ${ago(view.last_seen_at)}`;
  return html`<div class="szh-page">${[
    html`<nav class="sz-breadcrumb" aria-label="Breadcrumb"><a href="${links.home}">Handlers</a> / <span>${name}</span></nav>`,
    html`<div class="sz-page-head">
  <div><h1 class="szh-title"><span>${name}</span>${handlerStatus(view?.status ?? 'offline')}<span class="sz-badge" title="How the server reaches this handler">${TYPE_LABEL[data.detail.type]}</span></h1>${data.detail.description ? html`<p>${data.detail.description}</p>` : ''}<p>${subtitle}</p></div>
  ${headActions(links, links.handler(name))}
</div>`,
    tiles(data, online),
    data.detail.governor ? governorCard(data.detail.governor) : '',
    workersCard(workers),
    methodsCard(data.methods),
    runsCard(data.runs, links, data.now),
  ]}</div>`;
}

const TYPE_LABEL: Record<DetailData['detail']['type'], string> = {
  worker: 'pull worker',
  http: 'webhook',
  command: 'command',
  in_process: 'in-process',
};

const GOVERNOR_STATE: Record<string, { label: string; badge: string }> = {
  starting: { label: 'Starting', badge: 'sz-badge-info' },
  running: { label: 'Running', badge: 'sz-badge-ok' },
  backoff: { label: 'Restarting soon', badge: 'sz-badge-warn' },
  stopping: { label: 'Stopping', badge: 'sz-badge-info' },
  stopped: { label: 'Stopped', badge: '' },
  failed: { label: 'Gave up', badge: 'sz-badge-fail' },
};

/** The process the server keeps running for this handler (handler_registry.yaml `run`). */
function governorCard(g: GovernedState): SafeHtml {
  const state = GOVERNOR_STATE[g.state] ?? { label: g.state, badge: '' };
  const exit = g.last_exit
    ? html`${g.last_exit.signal ? `killed by ${g.last_exit.signal}` : `exit code ${g.last_exit.code ?? '?'}`}, ${ago(g.last_exit.at)}`
    : 'none';
  return html`<section class="sz-card" aria-labelledby="szh-governor">
  <h2 id="szh-governor">Process <span class="sz-muted">supervised by the governor</span></h2>
  <dl class="sz-kv">
    <dt>State</dt><dd><span class="sz-badge ${state.badge}">${state.label}</span>${g.next_restart_at !== null ? html` next start ${countdown(g.next_restart_at)}` : ''}</dd>
    <dt>PID</dt><dd>${g.pid ?? '—'}</dd>
    <dt>Restarts</dt><dd>${count(g.restarts)}</dd>
    <dt>Last exit</dt><dd>${exit}</dd>
    ${g.last_error ? html`<dt>Last error</dt><dd class="szh-outcome">${g.last_error}</dd>` : ''}
    <dt>Up since</dt><dd>${g.started_at !== null && g.state === 'running' ? ago(g.started_at) : '—'}</dd>
    <dt>Command</dt><dd><code>${g.command.join(' ')}</code></dd>
    <dt>Log file</dt><dd><code>${g.log_file}</code></dd>
  </dl>
</section>`;
}

function failedCount(stats: RunStats): number {
  return (stats.counts.failed ?? 0) + (stats.counts.timed_out ?? 0) + (stats.counts.lost ?? 0);
}

function tiles(data: DetailData, online: WorkerView[]): SafeHtml {
  const { stats } = data;
  const capacity = online.reduce((n, w) => n + w.concurrency, 0);
  const running = data.view?.running ?? 0;
  return html`<div class="sz-tiles">
  <div class="sz-tile"><div class="sz-tile-label">Running now</div><div class="sz-tile-value">${running}</div><div class="sz-tile-note">${capacity > 0 ? `of ${capacity} ${capacity === 1 ? 'slot' : 'slots'} on online workers` : 'no online worker'}</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Runs (24 h)</div><div class="sz-tile-value">${count(stats.total)}</div><div class="sz-tile-note">${count(stats.counts.succeeded ?? 0)} succeeded · ${count(failedCount(stats))} failed${stats.counts.running ? ` · ${count(stats.counts.running)} running` : ''}${stats.counts.queued ? ` · ${count(stats.counts.queued)} queued` : ''}</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Success rate (24 h)</div><div class="sz-tile-value">${rateCell(stats.success_rate)}</div><div class="sz-tile-note">of finished runs</div></div>
  <div class="sz-tile"><div class="sz-tile-label">Duration p50 / p95</div><div class="sz-tile-value szh-small-value">${percentiles(stats.duration_ms_p50, stats.duration_ms_p95)}</div><div class="sz-tile-note">started to finished (24 h)</div></div>
</div>`;
}

function workersCard(workers: WorkerView[]): SafeHtml {
  const sorted = [...workers].sort((a, b) => Number(b.status === 'online') - Number(a.status === 'online') || b.last_seen_at - a.last_seen_at);
  const body = sorted.length === 0
    ? empty('No worker has connected for this handler in the last 24 hours.')
    : html`<div class="sz-table-wrap"><table class="sz-table">
    <thead><tr><th scope="col">Worker</th><th scope="col">Status</th><th scope="col" class="sz-num">Busy</th><th scope="col">Methods</th><th scope="col">Version</th><th scope="col">Registered</th><th scope="col">Last seen</th></tr></thead>
    <tbody>${sorted.map((w) => html`<tr>
      <th scope="row"><span class="sz-name">${w.name ?? 'unnamed worker'}</span><span class="sz-sub sz-mono" title="Worker id">${w.id}</span><span class="sz-sub">${w.kind === 'local' ? 'in-process' : 'remote'}</span></th>
      <td>${workerStatus(w.status)}</td>
      <td class="sz-num" title="Jobs running of its concurrency">${w.running} / ${w.concurrency}</td>
      <td>${methodChips(w.methods, 8)}</td>
      <td>${w.version ? html`<span class="sz-mono">${w.version}</span>` : html`<span class="sz-muted">—</span>`}</td>
      <td>${ago(w.registered_at)}</td>
      <td>${ago(w.last_seen_at)}</td>
    </tr>`)}</tbody>
  </table></div>`;
  return html`<section class="sz-card sz-card-flush" aria-labelledby="szh-workers"><h2 id="szh-workers">Workers <span class="sz-muted">online, and those seen in the last 24 h</span></h2>${body}</section>`;
}

function methodsCard(methods: MethodItem[]): SafeHtml {
  const body = methods.length === 0
    ? empty('No methods offered or called yet.')
    : html`<div class="sz-table-wrap"><table class="sz-table">
    <thead><tr><th scope="col">Method</th><th scope="col">Offered by</th><th scope="col" class="sz-num">Runs</th><th scope="col" class="sz-num">Succeeded</th><th scope="col" class="sz-num">Failed</th><th scope="col" class="sz-num">Success</th><th scope="col" class="sz-num">p50</th><th scope="col" class="sz-num">p95</th></tr></thead>
    <tbody>${methods.map(({ method, offered_by, stats, description, params_schema }) => html`<tr>
      <th scope="row"><code class="szh-method">${method}</code>${description ? html`<span class="sz-sub">${description}</span>` : ''}${params_schema ? html`<details class="szh-schema"><summary>Params schema</summary><pre class="sz-pre">${JSON.stringify(params_schema, null, 2)}</pre></details>` : ''}</th>
      <td>${offered_by > 0 ? `${offered_by} online ${offered_by === 1 ? 'worker' : 'workers'}` : html`<span class="sz-badge sz-badge-warn" title="Runs of this method wait until a worker offering it connects">no online worker</span>`}</td>
      <td class="sz-num">${count(stats.total)}</td>
      <td class="sz-num">${count(stats.counts.succeeded ?? 0)}</td>
      <td class="sz-num">${count(failedCount(stats))}</td>
      <td class="sz-num">${rateCell(stats.success_rate)}</td>
      <td class="sz-num">${duration(stats.duration_ms_p50)}</td>
      <td class="sz-num">${duration(stats.duration_ms_p95)}</td>
    </tr>`)}</tbody>
  </table></div>`;
  return html`<section class="sz-card sz-card-flush" aria-labelledby="szh-methods"><h2 id="szh-methods">Methods <span class="sz-muted">last 24 h</span></h2>${body}</section>`;
}

function runsCard(runs: RunRow[], links: Links, now: number): SafeHtml {
  const body = runs.length === 0
    ? empty('No runs yet.')
    : html`<div class="sz-table-wrap"><table class="sz-table">
    <thead><tr><th scope="col">Run</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col">Scheduled</th><th scope="col" class="sz-num">Duration</th><th scope="col">Outcome</th></tr></thead>
    <tbody>${runs.map((run) => runRow(run, links, now))}</tbody>
  </table></div>`;
  return html`<section class="sz-card sz-card-flush" aria-labelledby="szh-runs"><h2 id="szh-runs">Recent runs <span class="sz-muted">newest first</span></h2>${body}</section>`;
}

function runRow(run: RunRow, links: Links, now: number): SafeHtml {
  const id = links.run ? html`<a class="sz-mono" href="${links.run(run.id)}" title="${run.id}">${shortId(run.id)}</a>` : html`<span class="sz-mono" title="${run.id}">${shortId(run.id)}</span>`;
  const took = run.started_at !== null && run.finished_at !== null ? duration(run.finished_at - run.started_at) : run.status === 'running' && run.started_at !== null ? html`started ${ago(run.started_at)}` : '—';
  return html`<tr>
    <td>${id}${run.attempt > 1 ? html`<span class="sz-sub">attempt ${run.attempt}</span>` : ''}</td>
    <td><code class="szh-method">${run.method}</code></td>
    <td>${statusBadge(run.status)}</td>
    <td>${when(run.scheduled_at, now)}</td>
    <td class="sz-num">${took}</td>
    <td class="szh-outcome">${outcome(run)}</td>
  </tr>`;
}

function outcome(run: RunRow): SafeHtml | string {
  const text = run.error?.message ?? run.message;
  if (!text) return '';
  const short = text.length > 140 ? `${text.slice(0, 139)}…` : text;
  return html`<span class="${run.error ? 'szh-error' : 'sz-muted'}" title="${text}">${run.error?.type ? html`<span class="sz-mono">${run.error.type}</span>: ` : ''}${short}</span>`;
}

/**
 * Run ids are UUIDv7: the start is a timestamp shared by runs created together, so the random
 * tail is what tells them apart (the full id is in the title and the link).
 */
function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}
