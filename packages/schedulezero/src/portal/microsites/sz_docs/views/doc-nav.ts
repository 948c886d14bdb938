import type { TocEntry } from '../../../../docs/markdown.js';
import type { DocPage, DocSite, NavNode } from '../../../../docs/site.js';
import { html, type SafeHtml } from '../../../html.js';

/** Sites this small show every section open; bigger ones open the current page's sections only. */
const OPEN_ALL_UP_TO = 15;

/** The left column: the site's name and its navigation tree, the current page marked. */
export function siteNav(site: DocSite, siteName: string, current: DocPage, indexHref: string | null): SafeHtml {
  const home = site.home();
  const openAll = site.pages.length <= OPEN_ALL_UP_TO;
  return html`<nav id="sz-docs-nav" class="sz-docs-nav" aria-label="${siteName} pages">
  ${indexHref ? html`<a class="sz-docs-back" href="${indexHref}">← All documentation</a>` : ''}
  <a class="sz-docs-site" href="${home?.url ?? site.baseUrl}">${siteName}</a>
  ${tree(site.nav, current, openAll)}
  ${current.inNav ? '' : html`<p class="sz-docs-offnav">This page is not in the site's navigation.</p>`}
</nav>`;
}

function tree(nodes: readonly NavNode[], current: DocPage, openAll: boolean): SafeHtml {
  const items = nodes.map((node) => {
    if (node.kind === 'page') {
      return html`<li><a href="${node.page.url}"${node.page === current ? html` aria-current="page"` : ''}>${node.title}</a></li>`;
    }
    if (node.kind === 'link') {
      return html`<li><a href="${node.url}" target="_blank" rel="noopener noreferrer">${node.title}<span class="sz-ext" aria-label="(opens in a new tab)">↗</span></a></li>`;
    }
    const open = openAll || contains(node, current);
    return html`<li class="sz-docs-group"><details${open ? html` open` : ''}><summary>${node.title}</summary>${tree(node.children, current, openAll)}</details></li>`;
  });
  return html`<ul>${items}</ul>`;
}

function contains(node: NavNode, page: DocPage): boolean {
  if (node.kind === 'page') return node.page === page;
  return node.kind === 'section' && node.children.some((child) => contains(child, page));
}

/** Titles of the sections that lead to a page, outermost first. */
export function sectionTrail(nodes: readonly NavNode[], page: DocPage): string[] {
  for (const node of nodes) {
    if (node.kind === 'section' && contains(node, page)) return [node.title, ...sectionTrail(node.children, page)];
  }
  return [];
}

/** The right column: the page's h2 and h3 headings. */
export function tableOfContents(toc: readonly TocEntry[]): SafeHtml {
  if (toc.length === 0) return html``;
  const list = (entries: readonly TocEntry[]): SafeHtml =>
    html`<ul>${entries.map((e) => html`<li><a href="#${e.id}">${e.text}</a>${e.children.length > 0 ? list(e.children) : ''}</li>`)}</ul>`;
  return html`<aside class="sz-docs-toc" aria-labelledby="sz-docs-toc-title"><h2 id="sz-docs-toc-title">On this page</h2>${list(toc)}</aside>`;
}

/** Previous and next page in the navigation's reading order. */
export function pager(previous: DocPage | null, next: DocPage | null): SafeHtml {
  if (!previous && !next) return html``;
  return html`<nav class="sz-docs-pager" aria-label="Previous and next page">
  ${previous ? html`<a class="sz-docs-prev" rel="prev" href="${previous.url}"><span class="sz-docs-pager-label">← Previous</span><span class="sz-docs-pager-title">${previous.title}</span></a>` : html`<span></span>`}
  ${next ? html`<a class="sz-docs-next" rel="next" href="${next.url}"><span class="sz-docs-pager-label">Next →</span><span class="sz-docs-pager-title">${next.title}</span></a>` : ''}
</nav>`;
}
