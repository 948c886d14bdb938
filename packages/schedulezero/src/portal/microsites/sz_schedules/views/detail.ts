import type { RunRow, ScheduleRow } from '../../../../domain/types.js';
import { html, type SafeHtml } from '../../../html.js';
import { absolute, ago, countdown, jobName, statusBadge, time } from '../../../format.js';
import { seconds } from '../format.js';
import { actionForm, breadcrumb, prettyJson, scheduleTitle, stateBadge, zoneOf, type View } from './common.js';
import { timesTable } from './preview.js';
import { historyCard, type HistoryModel } from './history.js';

export interface DetailModel {
  schedule: ScheduleRow;
  /** The newest run of the schedule, scheduled or manual. */
  lastRun: RunRow | null;
  description: string;
  upcoming: number[];
  history: HistoryModel;
}

export function detailPage(view: View, m: DetailModel, flash: SafeHtml): SafeHtml {
  const s = m.schedule;
  const title = scheduleTitle(s);
  const zone = zoneOf(s);
  return html`${breadcrumb([{ label: 'Schedules', href: view.links.home() }, { label: title }])}
<div class="sz-page-head">
  <div>
    <h1>${title} ${stateBadge(s)}</h1>
    <p><span class="sz-mono">${s.id}</span> · <code>${jobName(s)}</code></p>
  </div>
  <div class="sz-actions">
    ${actionForm(view, view.links.scheduleAction(s.id, 'run'), 'Run now', { variant: 'primary', title: 'Run the job once now, outside its trigger' })}
    ${s.paused
      ? actionForm(view, view.links.scheduleAction(s.id, 'resume'), 'Resume')
      : actionForm(view, view.links.scheduleAction(s.id, 'pause'), 'Pause')}
    <a class="sz-btn" href="${view.links.scheduleAction(s.id, 'edit')}">Edit</a>
    <a class="sz-btn sz-btn-danger" href="${view.links.scheduleAction(s.id, 'delete')}"
      hx-post="${view.links.scheduleAction(s.id, 'delete')}" hx-push-url="true"
      hx-confirm="Delete the schedule “${title}”? Queued runs are cancelled; the run history is kept.">Delete</a>
  </div>
</div>
${flash}
<div class="sz-tiles">
  <div class="sz-tile"><div class="sz-tile-label">Next run</div><div class="sz-tile-value szs-tile-time">${
    countdown(s.next_run_at, zone)
  }</div><div class="sz-tile-note">${s.next_run_at === null ? (s.paused ? 'paused' : 'no further occurrence') : absolute(s.next_run_at, zone)}</div></div>
  ${lastRunTile(view, m.lastRun, zone)}
  <div class="sz-tile"><div class="sz-tile-label">Time zone</div><div class="sz-tile-value szs-tile-text">${zone}</div><div class="sz-tile-note">${s.trigger.type} trigger</div></div>
</div>
<div class="sz-cols-2">
  <section class="sz-card" aria-labelledby="szs-upcoming-title">
    <h2 id="szs-upcoming-title">Next fire times ${s.paused ? html`<span class="sz-muted">if resumed now</span>` : ''}</h2>
    <p>${m.description}</p>
    ${m.upcoming.length === 0 ? html`<p class="sz-muted">The trigger has no further occurrence.</p>` : timesTable(m.upcoming, zone)}
  </section>
  <section class="sz-card" aria-labelledby="szs-settings-title">
    <h2 id="szs-settings-title">Settings <a class="sz-btn sz-btn-sm sz-btn-quiet" href="${view.links.scheduleAction(s.id, 'edit')}">Edit</a></h2>
    ${settings(s)}
  </section>
</div>
${historyCard(view, m.history)}`;
}

function lastRunTile(view: View, run: RunRow | null, zone: string): SafeHtml {
  if (!run) {
    return html`<div class="sz-tile"><div class="sz-tile-label">Last run</div><div class="sz-tile-value szs-tile-time"><span class="sz-muted">never</span></div><div class="sz-tile-note">no run yet</div></div>`;
  }
  const at = run.started_at ?? run.scheduled_at;
  return html`<div class="sz-tile"><div class="sz-tile-label">Last run</div><div class="sz-tile-value szs-tile-time">${ago(at, zone)}</div><div class="sz-tile-note"><a href="${view.links.run(run.id)}">${statusBadge(run.status)}</a> ${absolute(at, zone)}</div></div>`;
}

/** The stored trigger's settings as code: what an API user would send. */
function triggerSummary(s: ScheduleRow): SafeHtml {
  const entries = Object.entries(s.trigger).filter(([k]) => k !== 'type');
  return html`<span class="szs-chips"><code>type: ${s.trigger.type}</code>${entries.map(([k, v]) => html` <code>${k}: ${String(v)}</code>`)}</span>`;
}

function settings(s: ScheduleRow): SafeHtml {
  const zone = zoneOf(s);
  const r = s.retry;
  return html`<dl class="sz-kv">
  <dt>Handler</dt><dd><code>${s.handler}</code></dd>
  <dt>Method</dt><dd><code>${s.method}</code></dd>
  <dt>Trigger</dt><dd>${triggerSummary(s)}</dd>
  <dt>Parameters</dt><dd>${Object.keys(s.params).length === 0 ? html`<span class="sz-muted">none</span>` : html`<pre class="sz-pre szs-inline-pre">${prettyJson(s.params)}</pre>`}</dd>
  <dt>Max instances</dt><dd>${s.max_instances}</dd>
  <dt>Catch up</dt><dd>${s.catch_up}${s.catch_up === 'all' ? ` (at most ${s.catch_up_limit})` : ''}</dd>
  <dt>Misfire grace</dt><dd>${s.misfire_grace_seconds === null ? html`<span class="sz-muted">none: run however late</span>` : seconds(s.misfire_grace_seconds)}</dd>
  <dt>Timeout</dt><dd>${s.timeout_seconds === null ? html`<span class="sz-muted">none</span>` : seconds(s.timeout_seconds)}</dd>
  <dt>Retries</dt><dd>${r.max_attempts <= 1 ? html`<span class="sz-muted">none (1 attempt)</span>` : `${r.max_attempts} attempts; first retry after ${r.initial_delay_seconds} s, ×${r.backoff_factor} each time, at most ${r.max_delay_seconds} s`}</dd>
  ${s.max_jitter_seconds > 0 ? html`<dt>Jitter</dt><dd>up to ${seconds(s.max_jitter_seconds)}</dd>` : ''}
  <dt>Created</dt><dd>${time(s.created_at, zone)}</dd>
  <dt>Updated</dt><dd>${time(s.updated_at, zone)} <span class="sz-muted">(version ${s.version})</span></dd>
</dl>`;
}

export function deletePage(view: View, s: ScheduleRow): SafeHtml {
  const title = scheduleTitle(s);
  return html`${breadcrumb([{ label: 'Schedules', href: view.links.home() }, { label: title, href: view.links.schedule(s.id) }, { label: 'Delete' }])}
<div class="sz-page-head"><div><h1>Delete “${title}”?</h1><p>This cannot be undone.</p></div></div>
<section class="sz-card szs-confirm">
  <p>The schedule <strong>${title}</strong> (<span class="sz-mono">${s.id}</span>) stops firing. Its queued runs are cancelled and running ones are asked to stop. The run history is kept.</p>
  <form method="post" action="${view.links.scheduleAction(s.id, 'delete')}" class="sz-actions">
    ${view.csrf}
    <button type="submit" class="sz-btn sz-btn-danger">Delete schedule</button>
    <a class="sz-btn sz-btn-quiet" href="${view.links.schedule(s.id)}">Keep it</a>
  </form>
</section>`;
}
