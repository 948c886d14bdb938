import { html, type SafeHtml } from '../../../html.js';
import type { MicrositeContext, MountedMicrosite } from '../../../plugin.js';
import type { DashSource } from '../source.js';
import type { Panel } from './panel.js';

/** Other microsites that bring dashboard cards. */
export function cardSites(ctx: MicrositeContext): MountedMicrosite[] {
  return ctx.mounted().filter((m) => m.microsite.id !== ctx.microsite.id && m.cards.length > 0);
}

async function renderCard(ctx: MicrositeContext, site: MountedMicrosite, index: number, card: MountedMicrosite['cards'][number]): Promise<SafeHtml> {
  let body: SafeHtml;
  try {
    body = await card.render(site.ctx);
  } catch (err) {
    // One broken card must not take the dashboard down; its author finds the error in the log.
    ctx.log.error({ err, microsite: site.microsite.id, card: card.id }, 'dashboard card failed to render');
    body = html`<p class="sz-muted">This card could not be shown. The details are in the server log.</p>`;
  }
  const id = `dash-card-${index}`;
  return html`<section class="sz-card" aria-labelledby="${id}"><h3 id="${id}"><span>${card.title}</span><a class="dash-more" href="${site.microsite.path}">${site.microsite.name}</a></h3>${body}</section>`;
}

const HEADING = 'dash-cards-h';

export const cardsPanel: Panel = {
  id: 'cards',
  event: 'cards',
  className: 'dash-cards',
  headingId: HEADING,
  // Cards are other microsites' code of unknown cost: redrawn at the charts' pace.
  everyMs: 10_000,
  async render(source: DashSource) {
    const sites = cardSites(source.ctx);
    let index = 0;
    const cards = await Promise.all(sites.flatMap((site) => site.cards.map((card) => renderCard(source.ctx, site, index++, card))));
    return html`<h2 id="${HEADING}">From your microsites</h2><div class="sz-grid">${cards}</div>`;
  },
};
