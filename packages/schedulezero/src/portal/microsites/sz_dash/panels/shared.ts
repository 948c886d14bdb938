import { html, type SafeHtml } from '../../../html.js';
import type { RunRow } from '../../../../domain/types.js';
import type { DashSource, ScheduleRef } from '../source.js';

/** Where a run came from: its schedule (linked when the schedules microsite is there), or how it was started. */
export function runOrigin(source: DashSource, run: RunRow, schedules: ReadonlyMap<string, ScheduleRef>): SafeHtml {
  if (run.schedule_id === null) return html`<span class="sz-sub">One-off run</span>`;
  const ref = schedules.get(run.schedule_id);
  const manual = run.origin === 'manual' ? html` <span class="sz-muted">· run by hand</span>` : '';
  if (!ref) return html`<span class="sz-sub">Schedule <span class="sz-mono">${run.schedule_id}</span> (deleted)${manual}</span>`;
  return html`<span class="sz-sub">${scheduleLink(source, ref)}${manual}</span>`;
}

/** A schedule's name (or id) as a link to its page, or plain text without the schedules microsite. */
export function scheduleLink(source: DashSource, ref: ScheduleRef): SafeHtml {
  const label = ref.name ? html`${ref.name}` : html`<span class="sz-mono">${ref.id}</span>`;
  const href = source.links.schedule(ref.id);
  return href ? html`<a href="${href}">${label}</a>` : label;
}

/** The card heading: title, a muted note, and an optional link to the full list. */
export function heading(id: string, title: string, note: string | null, more: { href: string; label: string } | null = null): SafeHtml {
  return html`<h2 id="${id}"><span>${title}${note ? html` <span class="sz-muted">${note}</span>` : ''}</span>${more ? html`<a class="dash-more" href="${more.href}">${more.label}</a>` : ''}</h2>`;
}
