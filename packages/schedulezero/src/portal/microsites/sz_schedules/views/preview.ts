import { html, type SafeHtml } from '../../../html.js';
import { FIELD_LABELS, type ErrorKey } from '../form-fields.js';
import { absolute, countdown, iso } from '../../../format.js';

/** What the live preview shows: the trigger in words and its next fire times, or why it is wrong. */
export type PreviewModel =
  | { kind: 'ok'; description: string; times: number[]; zone: string }
  | { kind: 'error'; field: ErrorKey; message: string }
  | { kind: 'incomplete'; hint: string };

export function previewBody(model: PreviewModel): SafeHtml {
  if (model.kind === 'incomplete') return html`<p class="sz-muted szs-preview-hint">${model.hint}</p>`;
  if (model.kind === 'error') {
    return html`<p class="szs-preview-error" role="alert"><strong>${FIELD_LABELS[model.field]}:</strong> ${model.message}</p>`;
  }
  const { zone } = model;
  return html`<p class="szs-preview-desc"><span class="szs-preview-label">Runs</span> <strong>${model.description}</strong></p>
${model.times.length === 0 ? html`<p class="sz-muted">It will not fire again: every occurrence is in the past.</p>` : timesTable(model.times, zone)}`;
}

/** Fire times in the schedule's zone, in UTC, and from now. */
export function timesTable(times: number[], zone: string): SafeHtml {
  return html`<table class="sz-table szs-times">
  <caption>Next ${times.length === 1 ? 'run' : `${times.length} runs`}</caption>
  <thead><tr><th scope="col">${zone}</th>${zone === 'UTC' ? '' : html`<th scope="col">UTC</th>`}<th scope="col">From now</th></tr></thead>
  <tbody>${times.map(
    (t) => html`<tr><td><time datetime="${iso(t)}">${absolute(t, zone)}</time></td>${zone === 'UTC' ? '' : html`<td class="sz-muted">${absolute(t)}</td>`}<td class="sz-muted">${countdown(t, zone)}</td></tr>`,
  )}</tbody>
</table>`;
}
