import { html, type SafeHtml } from '../../../html.js';

/** A doc site as the index shows it. */
export interface SiteCard {
  id: string;
  name: string;
  icon: string;
  description: string | null;
  href: string | null;
  /** Opens in a new tab (a site elsewhere). */
  external: boolean;
  kind: 'site' | 'external' | 'openapi';
  pages: number | null;
  /** Why the site cannot be shown, or null. */
  problem: string | null;
}

/** GET / (and /_sites/): every doc site of the portal. */
export function indexBody(cards: readonly SiteCard[]): SafeHtml {
  return html`<div class="sz-page-head">
  <div><h1>Documentation</h1><p>${cards.length === 0 ? 'Guides and references of this portal.' : `Guides and references of this portal: ${cards.length} ${cards.length === 1 ? 'site' : 'sites'}.`}</p></div>
</div>
${cards.length === 0 ? emptyState() : html`<ul class="sz-docs-sites">${cards.map(card)}</ul>`}`;
}

function card(site: SiteCard): SafeHtml {
  const icon = site.icon ? html`<span class="sz-docs-site-icon" aria-hidden="true">${site.icon}</span>` : '';
  const title = site.href
    ? html`<a href="${site.href}"${site.external ? html` target="_blank" rel="noopener noreferrer" hx-boost="false"` : ''}>${icon}${site.name}${
        site.external ? html`<span class="sz-ext" aria-label="(opens in a new tab)">↗</span>` : ''
      }</a>`
    : html`${icon}${site.name}`;
  return html`<li class="sz-card sz-docs-card">
  <h2>${title}</h2>
  ${site.description ? html`<p>${site.description}</p>` : ''}
  ${site.problem ? html`<p class="sz-docs-problem">${site.problem}</p>` : ''}
  <p class="sz-docs-card-meta">${badge(site)}</p>
</li>`;
}

function badge(site: SiteCard): SafeHtml {
  if (site.problem) return html`<span class="sz-badge sz-badge-fail">Unavailable</span>`;
  if (site.kind === 'openapi') return html`<span class="sz-badge sz-badge-info">API reference</span>`;
  if (site.kind === 'external') return html`<span class="sz-badge">External site</span>`;
  return html`<span class="sz-badge">${site.pages === 1 ? '1 page' : `${site.pages ?? 0} pages`}</span>`;
}

function emptyState(): SafeHtml {
  return html`<section class="sz-card sz-empty">
  <strong>No documentation yet.</strong>
  List MkDocs sites under <code>documentation.sites</code> in portal_config.yaml (each with a <code>docs_source</code> folder holding
  <code>mkdocs.yml</code>, or a <code>url</code>), or give a microsite a <code>docs_source</code>.
</section>`;
}

/** A site whose folder or mkdocs.yml cannot be read. */
export function unavailableBody(siteName: string, problem: string, indexHref: string): SafeHtml {
  return html`<div class="sz-page-head"><div><h1>${siteName}</h1><p>This documentation site cannot be shown right now.</p></div></div>
<div class="sz-flash sz-flash-error" role="alert">${problem}</div>
<p><a href="${indexHref}">← All documentation</a></p>`;
}
