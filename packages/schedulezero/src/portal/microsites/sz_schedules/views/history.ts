import type { RunRow } from '../../../../domain/types.js';
import { html, type SafeHtml } from '../../../html.js';
import { ago, duration, empty, statusBadge, time } from '../../../format.js';
import { actionForm, canCancel, canRetry, originLabel, prettyJson, type View } from './common.js';

export interface HistoryModel {
  scheduleId: string;
  zone: string;
  runs: RunRow[];
  cursor: string;
  nextCursor: string | null;
  /** The URL of the page the history is on (for polling and for coming back after an action). */
  self: string;
}

export const HISTORY_ID = 'szs-history';

/**
 * The run history card. While a run on it is queued or running, an empty child element polls
 * the page and swaps in the card's new version; it is a child so that its hx attributes are not
 * inherited by the row buttons.
 */
export function historyCard(view: View, m: HistoryModel): SafeHtml {
  const live = m.runs.some(canCancel);
  return html`<section class="sz-card sz-card-flush" id="${HISTORY_ID}" aria-labelledby="szs-history-title">
  <h2 id="szs-history-title">Run history ${live ? html`<span class="sz-muted">updating live</span>` : ''}</h2>
  ${live ? html`<span hidden hx-get="${m.self}" hx-trigger="every 2s" hx-select="#${HISTORY_ID}" hx-target="#${HISTORY_ID}" hx-swap="outerHTML"></span>` : ''}
  ${m.runs.length === 0
    ? empty('No runs yet.', 'Runs appear here when the schedule fires, or when you press Run now.')
    : html`<div class="sz-table-wrap"><table class="sz-table szs-history">
  <thead><tr>
    <th scope="col">Status</th><th scope="col">Scheduled</th><th scope="col">Started</th><th scope="col" class="sz-num">Duration</th>
    <th scope="col" class="sz-num">Attempts</th><th scope="col">Worker</th><th scope="col">Origin</th><th scope="col">Output</th><th scope="col"><span class="szs-sr">Actions</span></th>
  </tr></thead>
  <tbody>${m.runs.map((run) => runRow(view, run, m))}</tbody>
</table></div>`}
  ${pager(view, m)}
</section>`;
}

function runRow(view: View, run: RunRow, m: HistoryModel): SafeHtml {
  const took = run.started_at !== null && run.finished_at !== null ? duration(run.finished_at - run.started_at) : null;
  return html`<tr>
  <td><a href="${view.links.run(run.id)}" class="szs-run-link" aria-label="Run ${run.id}">${statusBadge(run.status)}</a></td>
  <td>${time(run.scheduled_at, m.zone)}</td>
  <td>${run.started_at === null ? html`<span class="sz-muted">—</span>` : ago(run.started_at, m.zone)}</td>
  <td class="sz-num">${took ?? html`<span class="sz-muted">—</span>`}</td>
  <td class="sz-num">${run.attempt} / ${run.retry.max_attempts}</td>
  <td>${run.worker_id ? html`<span class="sz-mono szs-trunc" title="${run.worker_id}">${run.worker_id}</span>` : html`<span class="sz-muted">—</span>`}</td>
  <td>${originLabel(run.origin)}</td>
  <td>${output(run)}</td>
  <td class="sz-actions-cell">
    <a class="sz-btn sz-btn-sm sz-btn-quiet" href="${view.links.run(run.id)}">Details</a>
    ${canRetry(run) ? actionForm(view, view.links.runAction(run.id, 'retry'), 'Retry', { back: m.self, small: true }) : ''}
    ${canCancel(run) ? actionForm(view, view.links.runAction(run.id, 'cancel'), 'Cancel', { back: m.self, small: true, variant: 'danger' }) : ''}
  </td>
</tr>`;
}

/** The run's result or error, folded: the table stays scannable. */
export function output(run: RunRow): SafeHtml {
  if (run.error) {
    return html`<details class="szs-output"><summary class="szs-output-error" title="${run.error.message}">${clip(run.error.message, 60)}</summary><pre class="sz-pre">${
      run.error.type ? `${run.error.type}: ` : ''
    }${run.error.message}</pre></details>`;
  }
  if (run.result !== null) {
    return html`<details class="szs-output"><summary>Result</summary><pre class="sz-pre">${prettyJson(run.result)}</pre></details>`;
  }
  if (run.message) return html`<span class="sz-muted" title="${run.message}">${clip(run.message, 60)}</span>`;
  return html`<span class="sz-muted">—</span>`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pager(view: View, m: HistoryModel): SafeHtml {
  if (!m.cursor && !m.nextCursor) return html``;
  return html`<nav class="sz-pager szs-pad" aria-label="Pages of runs">
  <span>${m.cursor ? html`<a href="${view.links.schedule(m.scheduleId)}">← Newest runs</a>` : ''}</span>
  <span>${m.nextCursor ? html`<a href="${view.links.schedule(m.scheduleId, { runs: m.nextCursor })}" rel="next">Older runs →</a>` : ''}</span>
</nav>`;
}
