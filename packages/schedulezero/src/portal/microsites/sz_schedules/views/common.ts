import type { RunOrigin, RunRow, ScheduleRow } from '../../../../domain/types.js';
import { html, type SafeHtml } from '../../../html.js';
import { flashOf } from '../flash.js';
import type { Links } from '../links.js';

/** What every view of the microsite needs: its URLs and the CSRF field for forms. */
export interface View {
  links: Links;
  csrf: SafeHtml;
}

export function scheduleTitle(s: ScheduleRow): string {
  return s.name && s.name.trim() !== '' ? s.name : s.id;
}

export function zoneOf(s: ScheduleRow): string {
  return s.trigger.timezone ?? 'UTC';
}

export function stateBadge(s: ScheduleRow): SafeHtml {
  if (s.paused) return html`<span class="sz-badge sz-badge-warn">Paused</span>`;
  if (s.next_run_at === null) return html`<span class="sz-badge" title="The trigger has no further occurrence.">Done</span>`;
  return html`<span class="sz-badge sz-badge-ok">Active</span>`;
}

const ORIGIN_LABELS: Record<RunOrigin, string> = { scheduled: 'Scheduled', manual: 'Manual', one_off: 'One-off' };

export function originLabel(origin: RunOrigin): string {
  return ORIGIN_LABELS[origin] ?? origin;
}

/** A finished run that did not succeed can be run again; a pending one can be stopped. */
export function canRetry(run: RunRow): boolean {
  return run.status === 'failed' || run.status === 'timed_out' || run.status === 'lost' || run.status === 'cancelled' || run.status === 'missed';
}

export function canCancel(run: RunRow): boolean {
  return run.status === 'queued' || run.status === 'running';
}

/**
 * A POST button: a plain form (works without JS; hx-boost turns it into an htmx request). `back`
 * is where the action returns to.
 */
export function actionForm(
  view: View,
  action: string,
  label: string,
  options: { back?: string; variant?: 'primary' | 'danger' | 'quiet'; small?: boolean; title?: string; confirm?: string } = {},
): SafeHtml {
  const classes = ['sz-btn', options.variant ? `sz-btn-${options.variant}` : '', options.small ? 'sz-btn-sm' : ''].filter(Boolean).join(' ');
  return html`<form method="post" action="${action}"${options.confirm ? html` hx-confirm="${options.confirm}"` : ''}>${view.csrf}${
    options.back ? html`<input type="hidden" name="back" value="${options.back}">` : ''
  }<button type="submit" class="${classes}"${options.title ? html` title="${options.title}"` : ''}>${label}</button></form>`;
}

export function flashBox(query: Record<string, unknown>, view: View): SafeHtml {
  const flash = flashOf(query.flash);
  if (!flash) return html``;
  const runId = typeof query.run === 'string' && /^[A-Za-z0-9._:@/-]{1,128}$/.test(query.run) ? query.run : null;
  return html`<div class="sz-flash sz-flash-${flash.tone}" role="status">${flash.text}${
    runId ? html` <a href="${view.links.run(runId)}">View the run</a>` : ''
  }</div>`;
}

export function breadcrumb(items: Array<{ label: string; href?: string }>): SafeHtml {
  return html`<nav class="sz-breadcrumb" aria-label="Breadcrumb">${items.map((item, i) =>
    html`${i > 0 ? html` <span aria-hidden="true">›</span> ` : ''}${item.href ? html`<a href="${item.href}">${item.label}</a>` : html`<span aria-current="page">${item.label}</span>`}`,
  )}</nav>`;
}

/** JSON for a <pre>, readable and bounded. */
export function prettyJson(value: unknown, max = 20_000): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}
