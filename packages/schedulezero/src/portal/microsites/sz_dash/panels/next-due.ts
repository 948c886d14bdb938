import { html } from '../../../html.js';
import { countdown, empty, jobName } from '../../../format.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';
import { heading, scheduleLink } from './shared.js';

const HEADING = 'dash-next-h';

export const nextDuePanel: Panel = {
  id: 'next',
  event: 'next',
  className: 'sz-card sz-card-flush',
  headingId: HEADING,
  everyMs: 500,
  async render(source: DashSource) {
    const schedules = await source.nextDue();
    const all = source.links.schedules;
    const head = heading(HEADING, 'Next due', null, all ? { href: all, label: 'All schedules' } : null);
    if (schedules.length === 0) {
      const hint = all
        ? html`<a href="${all}">Create a schedule</a> or resume a paused one, and its next runs show here.`
        : html`Create a schedule (or resume a paused one) and its next runs show here.`;
      return html`${head}${empty('Nothing is scheduled.', hint)}`;
    }
    const rows = schedules.map(
      (s) => html`<tr>
<td><span class="sz-name">${scheduleLink(source, s)}</span><span class="sz-sub"><span class="sz-mono">${jobName(s)}</span> · ${source.ctx.api.schedules.describe(s)}</span></td>
<td class="sz-num">${countdown(s.next_run_at!)}</td>
</tr>`,
    );
    return html`${head}<div class="sz-table-wrap"><table class="sz-table">
<thead><tr><th scope="col">Schedule</th><th scope="col" class="sz-num">Due</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  },
};
