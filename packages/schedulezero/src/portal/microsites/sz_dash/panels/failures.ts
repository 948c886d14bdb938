import { html } from '../../../html.js';
import { ago, empty, jobName, statusBadge } from '../../../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';
import { heading, runOrigin } from './shared.js';

/** Long messages (stack traces pasted into errors) are cut; the whole text is in the title. */
const MESSAGE_CHARS = 300;

const HEADING = 'dash-failures-h';

export const failuresPanel: Panel = {
  id: 'failures',
  event: 'failures',
  className: 'sz-card sz-card-flush',
  headingId: HEADING,
  everyMs: 500,
  async render(source: DashSource) {
    const runs = await source.failures();
    const schedules = await source.schedulesOf(runs);
    const head = heading(HEADING, 'Recent failures', 'last 24 h');
    if (runs.length === 0) {
      return html`${head}${empty('No failures in the last 24 hours.', 'Failed, timed-out and lost runs show up here as they happen.')}`;
    }
    const rows = runs.map((run) => {
      const message = run.error?.message ?? (run.status === 'timed_out' ? 'The run took longer than its timeout.' : run.status === 'lost' ? 'The worker running it went away.' : 'No error message.');
      const cut = message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message;
      return html`<tr>
<td><span class="sz-name sz-mono">${jobName(run)}</span>${runOrigin(source, run, schedules)}</td>
<td>${statusBadge(run.status)}<span class="sz-sub">${ago(run.finished_at ?? run.updated_at)}</span></td>
<td><p class="dash-error"${cut !== message ? html` title="${message}"` : ''}>${run.error?.type ? html`<span class="sz-mono">${run.error.type}:</span> ` : ''}${cut}</p></td>
</tr>`;
    });
    return html`${head}<div class="sz-table-wrap"><table class="sz-table">
<thead><tr><th scope="col">Job</th><th scope="col">When</th><th scope="col">Error</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  },
};
