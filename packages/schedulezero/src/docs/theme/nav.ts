import { html, type SafeHtml } from '../../portal/html.js';
import type { TocEntry } from '../markdown.js';
import type { DocPage, DocSite, NavNode } from '../site.js';

/** Sites this small show every section open; bigger ones open the current page's sections only. */
const OPEN_ALL_UP_TO = 15;

/**
 * Sites bigger than this list the pages of the current page's sections only; other sections are
 * one link to their first page (Material's navigation.prune). A thousand-page site would otherwise
 * repeat its whole navigation, most of every page's bytes, on each of its pages.
 */
const PRUNE_ABOVE = 150;

/** The left column: the site's name and its navigation tree, the current page marked. */
export function siteNav(site: DocSite, siteName: string, current: DocPage | null, indexHref: string | null, closed?: ClosedSections): SafeHtml {
  const home = site.home();
  const openAll = site.pages.length <= OPEN_ALL_UP_TO;
  const prune = site.pages.length > PRUNE_ABOVE;
  return html`<nav id="sz-docs-nav" class="sz-docs-nav" aria-label="${siteName} pages">
  ${indexHref ? html`<a class="sz-docs-back" href="${indexHref}">← All documentation</a>` : ''}
  <a class="sz-docs-site" href="${home?.url ?? site.baseUrl}">${siteName}</a>
  ${tree(site.nav, current, { openAll, prune }, closed ?? new Map())}
  ${current === null || current.inNav ? '' : html`<p class="sz-docs-offnav">This page is not in the site's navigation.</p>`}
</nav>`;
}

/**
 * A section that does not hold the current page renders the same on every page; a build of a
 * big site reuses it instead of rendering the whole tree again for each of its pages.
 */
export type ClosedSections = Map<NavNode, SafeHtml>;

function tree(nodes: readonly NavNode[], current: DocPage | null, mode: { openAll: boolean; prune: boolean }, closed: ClosedSections): SafeHtml {
  const items = nodes.map((node) => {
    if (node.kind === 'page') {
      return html`<li><a href="${node.page.url}"${node.page === current ? html` aria-current="page"` : ''}>${node.title}</a></li>`;
    }
    if (node.kind === 'link') {
      return html`<li><a href="${node.url}" target="_blank" rel="noopener noreferrer">${node.title}<span class="sz-ext" aria-label="(opens in a new tab)">↗</span></a></li>`;
    }
    const holdsCurrent = current !== null && contains(node, current);
    if (!holdsCurrent) {
      const reused = closed.get(node);
      if (reused) return reused;
    }
    const first = mode.prune && !holdsCurrent ? firstPage(node) : null;
    const open = mode.openAll || holdsCurrent;
    const out = first
      ? html`<li class="sz-docs-group sz-docs-pruned"><a href="${first.url}">${node.title}</a></li>`
      : html`<li class="sz-docs-group"><details${open ? html` open` : ''}><summary>${node.title}</summary>${tree(node.children, current, mode, closed)}</details></li>`;
    if (!holdsCurrent) closed.set(node, out);
    return out;
  });
  return html`<ul>${items}</ul>`;
}

function firstPage(node: NavNode): DocPage | null {
  if (node.kind === 'page') return node.page;
  if (node.kind === 'link') return null;
  for (const child of node.children) {
    const page = firstPage(child);
    if (page) return page;
  }
  return null;
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
