import type { RunRow, ScheduleRow } from '../../../../domain/types.js';
import { html, type SafeHtml } from '../../../html.js';
import { absolute, ago, countdown, jobName, statusBadge } from '../../../format.js';
import { actionForm, scheduleTitle, stateBadge, zoneOf, type View } from './common.js';

export interface ListFilters {
  q: string;
  handler: string;
  state: '' | 'active' | 'paused';
  cursor: string;
  /** A page size asked for in the URL (kept while paging); '' for the default. */
  limit: string;
}

export interface ListModel {
  filters: ListFilters;
  items: Array<{ schedule: ScheduleRow; description: string; lastRun: RunRow | null }>;
  nextCursor: string | null;
  total: number;
  handlers: string[];
}

/** The id of the element the live search replaces (also what HX-Target says when it asks). */
export const RESULTS_ID = 'szs-results';

export function filtersActive(f: ListFilters): boolean {
  return f.q !== '' || f.handler !== '' || f.state !== '';
}

function filterQuery(f: ListFilters, cursor?: string): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.q) q.q = f.q;
  if (f.handler) q.handler = f.handler;
  if (f.state) q.state = f.state;
  if (f.limit) q.limit = f.limit;
  if (cursor) q.cursor = cursor;
  return q;
}

export function listPage(view: View, model: ListModel, title: string, flash: SafeHtml): SafeHtml {
  const { filters } = model;
  const home = view.links.home();
  return html`<div class="sz-page-head">
  <div><h1>${title}</h1><p>${model.total === 1 ? '1 schedule' : `${model.total} schedules`} · what runs when, and how it went</p></div>
  <div class="sz-actions"><a class="sz-btn sz-btn-primary" href="${view.links.create()}">New schedule</a></div>
</div>
${flash}
<form class="sz-toolbar" method="get" action="${home}" role="search" aria-label="Filter schedules"
  hx-target="#${RESULTS_ID}" hx-swap="innerHTML" hx-push-url="true" hx-include="closest form">
  <div class="sz-field sz-grow">
    <label for="szs-q">Search</label>
    <input type="search" id="szs-q" name="q" value="${filters.q}" placeholder="Name or id" autocomplete="off"
      hx-get="${home}" hx-trigger="input changed delay:300ms, search" aria-controls="${RESULTS_ID}">
  </div>
  <div class="sz-field">
    <label for="szs-handler">Handler</label>
    <input type="text" id="szs-handler" name="handler" value="${filters.handler}" list="szs-handler-list" placeholder="Any handler" autocomplete="off"
      hx-get="${home}" hx-trigger="change, input changed delay:500ms" aria-controls="${RESULTS_ID}">
    <datalist id="szs-handler-list">${model.handlers.map((h) => html`<option value="${h}"></option>`)}</datalist>
  </div>
  <div class="sz-field">
    <label for="szs-state">State</label>
    <select id="szs-state" name="state" hx-get="${home}" hx-trigger="change" aria-controls="${RESULTS_ID}">
      <option value=""${filters.state === '' ? html` selected` : ''}>All</option>
      <option value="active"${filters.state === 'active' ? html` selected` : ''}>Active</option>
      <option value="paused"${filters.state === 'paused' ? html` selected` : ''}>Paused</option>
    </select>
  </div>
  <div class="sz-actions">
    <button type="submit" class="sz-btn">Filter</button>
    ${filtersActive(filters) ? html`<a class="sz-btn sz-btn-quiet" href="${home}">Clear</a>` : ''}
  </div>
</form>
<div id="${RESULTS_ID}" aria-live="polite">${listResults(view, model)}</div>`;
}

/** The table (or the empty state) and the pager: what the live search swaps. */
export function listResults(view: View, model: ListModel): SafeHtml {
  const { filters } = model;
  if (model.items.length === 0) {
    if (filtersActive(filters) || filters.cursor) {
      return html`<div class="sz-card sz-empty"><strong>No schedules match.</strong>Try another search, or <a href="${view.links.home()}">show all schedules</a>.</div>`;
    }
    return html`<div class="sz-card sz-empty szs-first">
  <strong>No schedules yet.</strong>
  <p>A schedule calls a handler's method on a cron expression, an interval or a date.</p>
  <a class="sz-btn sz-btn-primary" href="${view.links.create()}">Create your first schedule</a>
</div>`;
  }
  const back = view.links.home(filterQuery(filters, filters.cursor));
  return html`<div class="sz-card sz-card-flush"><div class="sz-table-wrap"><table class="sz-table">
  <caption class="szs-sr">Schedules</caption>
  <thead><tr>
    <th scope="col">Schedule</th><th scope="col">Handler</th><th scope="col">Trigger</th>
    <th scope="col">Next run</th><th scope="col">Last run</th><th scope="col">State</th><th scope="col"><span class="szs-sr">Actions</span></th>
  </tr></thead>
  <tbody>${model.items.map((item) => row(view, item, back))}</tbody>
</table></div></div>
${pager(view, model)}`;
}

function row(view: View, item: ListModel['items'][number], back: string): SafeHtml {
  const { schedule: s, description, lastRun } = item;
  const zone = zoneOf(s);
  return html`<tr>
  <th scope="row" class="szs-row-head"><a class="sz-name" href="${view.links.schedule(s.id)}">${scheduleTitle(s)}</a>${s.name ? html`<span class="sz-sub sz-mono">${s.id}</span>` : ''}</th>
  <td><code>${jobName(s)}</code></td>
  <td>${description}</td>
  <td>${s.next_run_at === null ? html`<span class="sz-muted">—</span>` : html`${countdown(s.next_run_at, zone)}<span class="sz-sub">${absolute(s.next_run_at, zone)}</span>`}</td>
  <td>${lastRunCell(view, lastRun, s.last_run_at, zone)}</td>
  <td>${stateBadge(s)}</td>
  <td class="sz-actions-cell">
    ${actionForm(view, view.links.scheduleAction(s.id, 'run'), 'Run now', { back, small: true, title: `Run ${scheduleTitle(s)} now` })}
    ${s.paused
      ? actionForm(view, view.links.scheduleAction(s.id, 'resume'), 'Resume', { back, small: true, variant: 'quiet' })
      : actionForm(view, view.links.scheduleAction(s.id, 'pause'), 'Pause', { back, small: true, variant: 'quiet' })}
  </td>
</tr>`;
}

function lastRunCell(view: View, run: RunRow | null, lastFired: number | null, zone: string): SafeHtml {
  if (run) {
    return html`<a href="${view.links.run(run.id)}" class="szs-run-link">${statusBadge(run.status)}</a><span class="sz-sub">${ago(run.started_at ?? run.scheduled_at, zone)}</span>`;
  }
  return ago(lastFired, zone);
}

function pager(view: View, model: ListModel): SafeHtml {
  const { filters } = model;
  if (!filters.cursor && !model.nextCursor) return html``;
  return html`<nav class="sz-pager" aria-label="Pages of schedules">
  <span>${filters.cursor ? html`<a href="${view.links.home(filterQuery(filters))}">← First page</a>` : ''}</span>
  <span>${model.nextCursor ? html`<a href="${view.links.home(filterQuery(filters, model.nextCursor))}" rel="next">Next page →</a>` : ''}</span>
</nav>`;
}
