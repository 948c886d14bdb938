import { html } from '../../../html.js';
import type { WorkerView } from '../../../../engine/types.js';
import { ago, count, empty, jobName } from '../../../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';
import { heading, runOrigin } from './shared.js';

const HEADING = 'dash-running-h';

export const runningPanel: Panel = {
  id: 'running',
  event: 'running',
  className: 'sz-card sz-card-flush',
  headingId: HEADING,
  everyMs: 500,
  async render(source: DashSource) {
    const [{ runs, total }, handlers] = await Promise.all([source.running(), source.handlers()]);
    const schedules = await source.schedulesOf(runs);
    const workers = new Map<string, WorkerView>(handlers.flatMap((h) => h.workers.map((w) => [w.id, w] as const)));
    const head = heading(HEADING, 'Running now', total > 0 ? count(total) : null);
    if (runs.length === 0) {
      return html`${head}${empty('Nothing is running.', 'Runs show up here the moment a worker starts them.')}`;
    }
    const rows = runs.map((run) => {
      const worker = run.worker_id ? workers.get(run.worker_id) : undefined;
      const workerName = worker?.name ?? run.worker_id ?? '—';
      return html`<tr>
<td><span class="sz-name sz-mono">${jobName(run)}</span>${runOrigin(source, run, schedules)}</td>
<td>${run.started_at !== null ? ago(run.started_at) : '—'}${run.attempt > 1 ? html`<span class="sz-sub">attempt ${run.attempt}</span>` : ''}</td>
<td${run.worker_id ? html` title="${run.worker_id}"` : ''}>${workerName}${run.progress !== null ? html`<span class="sz-sub">${Math.round(run.progress)}% done${run.message ? html` · ${run.message}` : ''}</span>` : ''}</td>
</tr>`;
    });
    const hidden = total - runs.length;
    return html`${head}<div class="sz-table-wrap"><table class="sz-table">
<thead><tr><th scope="col">Job</th><th scope="col">Started</th><th scope="col">Worker</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>${hidden > 0 ? html`<p class="dash-foot sz-muted">and ${count(hidden)} more running</p>` : ''}`;
  },
};
