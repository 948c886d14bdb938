import { html, type SafeHtml } from '../../html.js';
import type { MicrositeContext } from '../../plugin.js';
import { dashboardPanels, type Panel, type PanelId } from './panels/index.js';
import { heading } from './panels/shared.js';
import type { DashSource } from './source.js';

/** The element a panel lives in: the live stream's event of the same name replaces its content. */
function slot(panel: Panel, body: SafeHtml): SafeHtml {
  // hx-target/hx-swap: the body's boost defaults (#sz-main, scroll to top) are inherited otherwise.
  const live = html`id="dash-${panel.id}" class="${panel.className}" sse-swap="${panel.event}" hx-target="this" hx-swap="innerHTML"`;
  return panel.headingId ? html`<section ${live} aria-labelledby="${panel.headingId}">${body}</section>` : html`<div ${live}>${body}</div>`;
}

/** A chart card: the chart, and the numbers behind it in a <details> that stays open across updates. */
function chartCard(id: string, title: string, note: string, chart: SafeHtml | undefined, hours: SafeHtml | undefined): SafeHtml {
  return html`<section id="dash-${id}-card" class="sz-card" aria-labelledby="dash-${id}-h">${heading(`dash-${id}-h`, title, note)}${chart}<details class="dash-data"><summary>Hourly numbers</summary>${hours}</details></section>`;
}

/** The dashboard page: every panel drawn from one source, inside the element that holds the live stream. */
export async function dashboardBody(ctx: MicrositeContext, source: DashSource): Promise<SafeHtml> {
  const panels = dashboardPanels(ctx);
  const drawn = await Promise.all(panels.map((panel) => panel.render(source)));
  const slots = new Map<PanelId, SafeHtml>(panels.map((panel, i) => [panel.id, slot(panel, drawn[i]!)]));
  const pair = (a: PanelId, b: PanelId) => html`<div class="sz-cols-2">${slots.get(a)}${slots.get(b)}</div>`;
  return html`<div class="sz-page-head"><div><h1>${ctx.microsite.name}</h1><p>What the scheduler is doing right now. This page updates as things happen.</p></div></div>
<div class="dash" hx-ext="sse" sse-connect="${ctx.url('/events')}">
${slots.get('tiles')}
${pair('running', 'next')}
${pair('failures', 'handlers')}
<div class="sz-cols-2">${chartCard('outcomes', 'Outcomes', 'per hour', slots.get('outcomes'), slots.get('outcomes-hours'))}${chartCard('lateness', 'Start lateness', 'mean per hour', slots.get('lateness'), slots.get('lateness-hours'))}</div>
${slots.get('cards') ?? ''}
</div>`;
}
