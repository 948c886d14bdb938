import { html, type SafeHtml } from '../../html.js';
import type { WorkerStatus } from '../../../domain/types.js';
import type { Links } from './data.js';

/** Pieces both handler pages use. */

export function handlerStatus(status: 'online' | 'offline'): SafeHtml {
  return html`<span class="szh-status"><span class="sz-dot sz-dot-${status}" aria-hidden="true"></span><span class="sz-badge ${status === 'online' ? 'sz-badge-ok' : ''}">${status}</span></span>`;
}

const WORKER_STATUS: Record<WorkerStatus, { label: string; css: string; title: string }> = {
  online: { label: 'online', css: 'sz-badge-ok', title: 'Connected and polling for work' },
  left: { label: 'left', css: '', title: 'Disconnected cleanly (it said goodbye)' },
  lost: { label: 'lost', css: 'sz-badge-fail', title: 'Stopped answering; its running jobs were handed back' },
};

export function workerStatus(status: WorkerStatus): SafeHtml {
  const s = WORKER_STATUS[status];
  return html`<span class="sz-badge ${s.css}" title="${s.title}">${s.label}</span>`;
}

/** Method names as code chips; long lists are cut short with a count of the rest. */
export function methodChips(methods: readonly string[], max = Infinity): SafeHtml {
  if (methods.length === 0) return html`<span class="sz-muted">no methods</span>`;
  const shown = methods.slice(0, max);
  const rest = methods.length - shown.length;
  return html`<span class="szh-methods">${shown.map((m) => html`<code class="szh-method">${m}</code>`)}${rest > 0 ? html`<span class="sz-muted" title="${methods.slice(max).join(', ')}">+${rest} more</span>` : ''}</span>`;
}

export function headActions(links: Links, refresh: string): SafeHtml {
  return html`<div class="sz-actions"><a class="sz-btn" href="${refresh}">↻ Refresh</a>${links.docs ? html`<a class="sz-btn sz-btn-quiet" href="${links.docs}">📖 Docs</a>` : ''}</div>`;
}
