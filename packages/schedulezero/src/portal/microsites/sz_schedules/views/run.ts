import { isTerminal, type AttemptRow, type RunRow, type RunStatus, type ScheduleRow } from '../../../../domain/types.js';
import type { RunLogLine } from '../../../../store/store.js';
import { html, type SafeHtml } from '../../../html.js';
import { ago, duration, empty, jobName, statusBadge, time } from '../../../format.js';
import { seconds } from '../format.js';
import { actionForm, breadcrumb, canCancel, canRetry, originLabel, prettyJson, scheduleTitle, zoneOf, type View } from './common.js';

export interface RunModel {
  run: RunRow;
  attempts: AttemptRow[];
  /** The run's schedule, or null for a one-off run or a deleted schedule. */
  schedule: ScheduleRow | null;
  /** The run's log (its last lines); null when the portal cannot read logs. */
  log: RunLogModel | null;
}

export interface RunLogModel {
  /** Oldest first: the last lines of the log. */
  lines: RunLogLine[];
  /** Earlier lines not shown. */
  omitted: number;
  /** The seq to follow on from (the last line shown). */
  after: number;
}

export const LOG_ID = 'szs-log';

export const RUN_ID = 'szs-run';

export function runPage(view: View, m: RunModel, flash: SafeHtml): SafeHtml {
  const { run, schedule } = m;
  const zone = schedule ? zoneOf(schedule) : 'UTC';
  const self = view.links.run(run.id);
  const crumbs = [{ label: 'Schedules', href: view.links.home() }];
  if (schedule) crumbs.push({ label: scheduleTitle(schedule), href: view.links.schedule(schedule.id) });
  const live = canCancel(run);
  return html`${breadcrumb([...crumbs, { label: 'Run' }])}
<div id="${RUN_ID}">
${live ? html`<span hidden hx-get="${self}" hx-trigger="every 2s" hx-select="#${RUN_ID}" hx-target="#${RUN_ID}" hx-swap="outerHTML"></span>` : ''}
<div class="sz-page-head">
  <div>
    <h1>Run ${statusBadge(run.status)}</h1>
    <p><span class="sz-mono">${run.id}</span> · <code>${jobName(run)}</code> · ${originLabel(run.origin)}</p>
  </div>
  <div class="sz-actions">
    ${canRetry(run) ? actionForm(view, view.links.runAction(run.id, 'retry'), 'Retry', { variant: 'primary', title: 'Run this job again as a new run' }) : ''}
    ${live ? actionForm(view, view.links.runAction(run.id, 'cancel'), 'Cancel run', { variant: 'danger', back: self }) : ''}
    ${schedule ? html`<a class="sz-btn" href="${view.links.schedule(schedule.id)}">View schedule</a>` : ''}
  </div>
</div>
${flash}
<div class="sz-cols-2">
  <section class="sz-card" aria-labelledby="szs-run-details">
    <h2 id="szs-run-details">Details</h2>
    <dl class="sz-kv">
      <dt>Status</dt><dd>${statusBadge(run.status)}${run.cancel_requested && live ? html` <span class="sz-muted">cancel requested</span>` : ''}</dd>
      <dt>Schedule</dt><dd>${
        schedule
          ? html`<a href="${view.links.schedule(schedule.id)}">${scheduleTitle(schedule)}</a>`
          : run.schedule_id
            ? html`<span class="sz-mono">${run.schedule_id}</span> <span class="sz-muted">(deleted)</span>`
            : html`<span class="sz-muted">none (one-off run)</span>`
      }</dd>
      <dt>Scheduled for</dt><dd>${time(run.scheduled_at, zone)}</dd>
      <dt>Started</dt><dd>${run.started_at === null ? html`<span class="sz-muted">not yet</span>` : html`${time(run.started_at, zone)} · ${ago(run.started_at, zone)}`}</dd>
      <dt>Finished</dt><dd>${run.finished_at === null ? html`<span class="sz-muted">not yet</span>` : time(run.finished_at, zone)}</dd>
      <dt>Duration</dt><dd>${run.started_at !== null && run.finished_at !== null ? duration(run.finished_at - run.started_at) : html`<span class="sz-muted">—</span>`}</dd>
      <dt>Attempts</dt><dd>${run.attempt} of at most ${run.retry.max_attempts}</dd>
      <dt>Worker</dt><dd>${run.worker_id ? html`<span class="sz-mono">${run.worker_id}</span>` : html`<span class="sz-muted">—</span>`}</dd>
      <dt>Timeout</dt><dd>${run.timeout_seconds === null ? html`<span class="sz-muted">none</span>` : seconds(run.timeout_seconds)}</dd>
      ${run.progress !== null || run.message ? html`<dt>Progress</dt><dd>${run.progress !== null ? `${Math.round(run.progress * 100) / 100}` : ''}${run.message ? html` <span class="sz-muted">${run.message}</span>` : ''}</dd>` : ''}
    </dl>
  </section>
  <section class="sz-card" aria-labelledby="szs-run-output">
    <h2 id="szs-run-output">${run.error ? 'Error' : 'Result'}</h2>
    ${run.error
      ? html`<pre class="sz-pre szs-error-pre">${run.error.type ? `${run.error.type}: ` : ''}${run.error.message}</pre>${
          run.error.retryable === false ? html`<p class="sz-hint">The handler marked this error as not retryable.</p>` : ''
        }`
      : run.result !== null
        ? html`<pre class="sz-pre">${prettyJson(run.result)}</pre>`
        : html`<p class="sz-muted">${live ? 'The run has not finished yet.' : 'The method returned nothing.'}</p>`}
    <h3 class="szs-subhead">Parameters</h3>
    ${Object.keys(run.params).length === 0 ? html`<p class="sz-muted">none</p>` : html`<pre class="sz-pre">${prettyJson(run.params)}</pre>`}
  </section>
</div>
${attemptsCard(m.attempts, zone)}
</div>
${m.log ? logCard(view, run, m.log) : ''}`;
}

/** hh:mm:ss.mmm (UTC) of a log line; the full time is on hover. */
function lineTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/**
 * Log lines as the text of a <pre>, one per line. Everything the handler wrote is escaped by
 * html``: a line of markup shows as text. The live stream sends the same markup.
 */
export function logLines(lines: readonly RunLogLine[]): SafeHtml {
  return html`${lines.map(
    (l) =>
      html`<span class="szs-log-line szs-log-${l.stream}" data-seq="${l.seq}" title="${new Date(l.at).toISOString()} · ${l.stream}${l.attempt === null ? '' : ` · attempt ${l.attempt}`}"><span class="sz-muted">${lineTime(l.at)}</span> ${l.stream === 'log' ? '' : html`<span class="sz-muted">${l.stream}</span> `}${l.message}</span>\n`,
  )}`;
}

/** What the live log says when the run has ended. */
export function logEnded(status: RunStatus): SafeHtml {
  return html`<p class="sz-hint" id="${LOG_ID}-state">The run has ended: ${statusBadge(status)}</p>`;
}

/**
 * The run's log. While the run is pending it follows the log over server-sent events: new lines
 * are appended to the <pre>, and the `end` event replaces the "following" note and closes the
 * stream (hx-target="this": the portal's inherited target is the whole page). It sits outside
 * #szs-run, whose refresh every 2 s would otherwise reconnect it.
 */
function logCard(view: View, run: RunRow, log: RunLogModel): SafeHtml {
  const follow = !isTerminal(run.status);
  const events = `${view.links.run(run.id)}/log/events?after=${log.after}`;
  const pre = follow
    ? html`<pre class="sz-pre szs-log" id="${LOG_ID}-lines" sse-swap="log" hx-target="this" hx-swap="beforeend" aria-live="polite">${logLines(log.lines)}</pre>`
    : html`<pre class="sz-pre szs-log" id="${LOG_ID}-lines">${logLines(log.lines)}</pre>`;
  return html`<section class="sz-card" id="${LOG_ID}" aria-labelledby="${LOG_ID}-title">
  <h2 id="${LOG_ID}-title">Log</h2>
  ${log.omitted > 0 ? html`<p class="sz-hint">${log.omitted} earlier line${log.omitted === 1 ? ' is' : 's are'} not shown: <code>schedulezero runs logs ${run.id}</code> prints them all.</p>` : ''}
  ${
    follow
      ? html`<div hx-ext="sse" sse-connect="${events}" sse-close="end">
    ${pre}
    <p class="sz-hint" id="${LOG_ID}-state" sse-swap="end" hx-target="this" hx-swap="outerHTML">Following the log live…</p>
  </div>`
      : log.lines.length === 0
        ? html`<p class="sz-muted">This run wrote no log.</p>`
        : pre
  }
</section>`;
}

function attemptsCard(attempts: AttemptRow[], zone: string): SafeHtml {
  return html`<section class="sz-card sz-card-flush" aria-labelledby="szs-attempts-title">
  <h2 id="szs-attempts-title">Attempts</h2>
  ${attempts.length === 0
    ? empty('No attempt has started yet.')
    : html`<div class="sz-table-wrap"><table class="sz-table">
  <thead><tr><th scope="col" class="sz-num">#</th><th scope="col">Status</th><th scope="col">Worker</th><th scope="col">Started</th><th scope="col" class="sz-num">Duration</th><th scope="col">Outcome</th></tr></thead>
  <tbody>${attempts.map(
    (a) => html`<tr>
    <td class="sz-num">${a.attempt}</td>
    <td>${statusBadge(a.status)}</td>
    <td>${a.worker_id ? html`<span class="sz-mono szs-trunc" title="${a.worker_id}">${a.worker_id}</span>` : html`<span class="sz-muted">—</span>`}</td>
    <td>${time(a.started_at, zone)} <span class="sz-muted">· ${ago(a.started_at, zone)}</span></td>
    <td class="sz-num">${a.finished_at === null ? html`<span class="sz-muted">—</span>` : duration(a.finished_at - a.started_at)}</td>
    <td>${a.error ? html`<span class="szs-output-error">${a.error.message}</span>` : a.result !== null ? html`<code class="szs-trunc" title="${prettyJson(a.result, 2000)}">${prettyJson(a.result, 200)}</code>` : html`<span class="sz-muted">—</span>`}</td>
  </tr>`,
  )}</tbody>
</table></div>`}
</section>`;
}
