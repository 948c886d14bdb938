import type { DocSite, RenderedPage } from '../../../../docs/site.js';
import { html, raw, type SafeHtml } from '../../../html.js';
import { pager, sectionTrail, siteNav, tableOfContents } from './doc-nav.js';

export interface DocPageView {
  site: DocSite;
  siteName: string;
  rendered: RenderedPage;
  /** Link back to the list of doc sites, or null when there is nothing else to list. */
  indexHref: string | null;
}

/** A documentation page: the site's navigation, the article, "On this page". */
export function docPageBody({ site, siteName, rendered, indexHref }: DocPageView): SafeHtml {
  const { page } = rendered;
  const { previous, next } = site.neighbours(page);
  const trail = sectionTrail(site.nav, page);
  const home = site.home();
  return html`<div class="sz-docs${rendered.toc.length > 0 ? '' : ' sz-docs-no-toc'}">
${siteNav(site, siteName, page, indexHref)}
<article class="sz-docs-article">
  <nav class="sz-breadcrumb sz-docs-crumbs" aria-label="Breadcrumb">${indexHref ? html`<a href="${indexHref}">Docs</a> › ` : ''}${
    home && home !== page ? html`<a href="${home.url}">${siteName}</a>` : html`<span>${siteName}</span>`
  }${trail.map((title) => html` › <span>${title}</span>`)}</nav>
  <a class="sz-docs-jump" href="#sz-docs-nav">Pages of ${siteName} ↓</a>
  ${rendered.hasTitleHeading ? '' : html`<h1>${page.title}</h1>`}
  ${/* markdown-it renders with html: false: the page's own HTML arrives escaped. */ ''}
  <div class="sz-docs-content">${raw(rendered.html)}</div>
  ${pager(previous, next)}
</article>
${tableOfContents(rendered.toc)}
</div>`;
}

/** A site whose folder or mkdocs.yml cannot be read. */
export function unavailableBody(siteName: string, problem: string, indexHref: string): SafeHtml {
  return html`<div class="sz-page-head"><div><h1>${siteName}</h1><p>This documentation site cannot be shown right now.</p></div></div>
<div class="sz-flash sz-flash-error" role="alert">${problem}</div>
<p><a href="${indexHref}">← All documentation</a></p>`;
}
