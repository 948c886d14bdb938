import { html, raw, type SafeHtml } from '../../portal/html.js';
import type { DocSite, RenderedPage } from '../site.js';
import { pager, sectionTrail, siteNav, tableOfContents, type ClosedSections } from './nav.js';
import { searchBox, searchPageBody } from './search-box.js';

/** A link of the portal's navigation, shown beside a site built for the portal. */
export interface PortalLink {
  name: string;
  href: string;
  icon: string;
  current: boolean;
  external: boolean;
  newTab: boolean;
}

/** How built pages look and what surrounds them. Everything is optional: a stand-alone site needs none. */
export interface ThemeOptions {
  /** The site's name in its navigation and titles; mkdocs.yml's site_name when absent. */
  siteName?: string | null;
  /** The header's name; the site's name when absent. */
  brandName?: string | null;
  /** Where the header's name leads; the site's home when absent. */
  brandHref?: string | null;
  logoUrl?: string | null;
  faviconUrl?: string | null;
  /** #rgb or #rrggbb; else mkdocs.yml's theme palette primary; else the default. */
  primaryColor?: string | null;
  /** The portal's navigation, when the site is part of a portal. */
  portalNav?: readonly PortalLink[] | null;
  /** "All documentation": the portal's list of doc sites. */
  indexHref?: string | null;
  /** Text of the footer (company, version). */
  footer?: string | null;
  /** Server-sent events URL that says "reload" after a rebuild (docs serve). */
  liveReload?: string | null;
}

/** What every page of one build shares. */
export interface PageFrame {
  site: DocSite;
  siteName: string;
  theme: ThemeOptions;
  /** URL of a theme file by name (hashed). */
  asset: (name: string) => string;
  /** Logo and favicon of mkdocs.yml's theme, as URLs. */
  siteLogo: string | null;
  siteFavicon: string | null;
  closed: ClosedSections;
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** A documentation page: the site's navigation, the article, "On this page". */
export function pageDocument(frame: PageFrame, rendered: RenderedPage): SafeHtml {
  const { site, siteName } = frame;
  const { page } = rendered;
  const { previous, next } = site.neighbours(page);
  const trail = sectionTrail(site.nav, page);
  const home = site.home();
  const title = withBrand(frame, page === home ? siteName : `${page.title} · ${siteName}`);
  const body = html`<div class="sz-docs${rendered.toc.length > 0 ? '' : ' sz-docs-no-toc'}">
${siteNav(site, siteName, page, frame.theme.indexHref ?? null, frame.closed)}
<article class="sz-docs-article">
  <nav class="sz-breadcrumb sz-docs-crumbs" aria-label="Breadcrumb">${frame.theme.indexHref ? html`<a href="${frame.theme.indexHref}">Docs</a> › ` : ''}${
    home && home !== page ? html`<a href="${home.url}">${siteName}</a>` : html`<span>${siteName}</span>`
  }${trail.map((t) => html` › <span>${t}</span>`)}</nav>
  <a class="sz-docs-jump" href="#sz-docs-nav">Pages of ${siteName} ↓</a>
  ${page.editUrl ? html`<a class="sz-docs-edit" href="${page.editUrl}" rel="noopener noreferrer">Edit this page</a>` : ''}
  ${rendered.hasTitleHeading ? '' : html`<h1>${page.title}</h1>`}
  ${/* markdown-it renders with html: false: the page's own HTML arrives escaped. */ ''}
  <div class="sz-docs-content">${raw(rendered.html)}</div>
  ${pager(previous, next)}
</article>
${tableOfContents(rendered.toc)}
</div>`;
  return documentShell(frame, { title, description: rendered.description ?? (page === home ? site.description : null), body });
}

/** search/index.html: every hit of ?q=, for a search sent without the drop-down. */
export function searchDocument(frame: PageFrame): SafeHtml {
  const body = html`<div class="sz-docs sz-docs-no-toc">
${siteNav(frame.site, frame.siteName, null, frame.theme.indexHref ?? null, frame.closed)}
<article class="sz-docs-article">${searchPageBody()}</article>
</div>`;
  return documentShell(frame, { title: withBrand(frame, `Search · ${frame.siteName}`), description: null, body });
}

/** 404.html: for static hosts, and for the portal when a path of the site has no page. */
export function notFoundDocument(frame: PageFrame): SafeHtml {
  const home = frame.site.home();
  const body = html`<div class="sz-docs sz-docs-no-toc">
${siteNav(frame.site, frame.siteName, null, frame.theme.indexHref ?? null, frame.closed)}
<article class="sz-docs-article"><h1>Page not found</h1><p>There is no page at this address in ${frame.siteName}.</p>${
    home ? html`<p><a href="${home.url}">Go to the start page of ${frame.siteName}</a></p>` : ''
  }</article>
</div>`;
  return documentShell(frame, { title: withBrand(frame, `Not found · ${frame.siteName}`), description: null, body });
}

/** Inside a portal, titles end in the portal's name as its other pages do. */
function withBrand(frame: PageFrame, title: string): string {
  const brand = frame.theme.brandName;
  return brand && brand !== frame.siteName ? `${title} · ${brand}` : title;
}

/** A site's root when it has no index page: a pointer to its first page. */
export function redirectDocument(target: string): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${target}"><title>Redirecting</title><link rel="canonical" href="${target}"></head>
<body><p><a href="${target}">Continue to the documentation</a></p></body></html>`;
}

function documentShell(frame: PageFrame, page: { title: string; description: string | null; body: SafeHtml }): SafeHtml {
  const { theme, site, asset } = frame;
  const config = site.config;
  const color = [theme.primaryColor, config.theme?.primaryColor].find((c): c is string => typeof c === 'string' && HEX.test(c)) ?? null;
  const brandName = theme.brandName ?? frame.siteName;
  const brandHref = theme.brandHref ?? site.home()?.url ?? site.baseUrl;
  const logo = theme.logoUrl ?? frame.siteLogo;
  const portalNav = theme.portalNav ?? null;
  const search = searchBox({ base: site.baseUrl, indexUrl: `${site.baseUrl}search/search_index.json` });
  const scheme = config.theme?.scheme === 'dark' ? 'dark' : config.theme?.scheme === 'light' ? 'light' : 'light dark';
  const main = html`<main id="sz-main" class="sz-main" tabindex="-1">${page.body}</main>`;
  const footerText = [config.copyright, theme.footer].filter((t): t is string => typeof t === 'string' && t !== '');
  return html`<!doctype html>
<html lang="${config.theme?.language ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${scheme}">
<meta name="generator" content="ScheduleZero docs">
${page.description ? html`<meta name="description" content="${page.description}">` : ''}
<title>${page.title}</title>
<link rel="icon" href="${theme.faviconUrl ?? frame.siteFavicon ?? asset('favicon.svg')}">
<link rel="stylesheet" href="${asset('portal.css')}">
<link rel="stylesheet" href="${asset('theme.css')}">
<link rel="stylesheet" href="${asset('content.css')}">
<link rel="stylesheet" href="${asset('search.css')}">
${(config.extraCss ?? []).map((href) => html`<link rel="stylesheet" href="${extraUrl(site, href)}">`)}
${color ? html`<style>:root{--sz-brand:${color};}</style>` : ''}
<script src="${asset('minisearch.js')}" defer></script>
<script src="${asset('search.js')}" defer></script>
${theme.liveReload ? html`<script src="${asset('live-reload.js')}" data-events="${theme.liveReload}" defer></script>` : ''}
</head>
<body class="sz-docs-body">
<a class="sz-skip" href="#sz-main">Skip to content</a>
<header class="sz-top">
  <a class="sz-brand" href="${brandHref}">${logo ? html`<img src="${logo}" alt="" class="sz-logo">` : html`<span class="sz-mark" aria-hidden="true"></span>`}<span>${brandName}</span></a>
  <div class="sz-top-right">${search}${config.repoUrl ? html`<a class="sz-docs-repo" href="${config.repoUrl}" rel="noopener noreferrer">${config.repoName ?? 'Repository'}</a>` : ''}</div>
</header>
${portalNav ? html`<div class="sz-shell"><details class="sz-menu" open><summary>Menu</summary>${portalLinks(portalNav)}</details>${main}</div>` : html`<div class="sz-docs-page">${main}</div>`}
${footerText.length > 0 ? html`<footer class="sz-footer">${footerText.join(' · ')}</footer>` : ''}
</body>
</html>`;
}

function portalLinks(links: readonly PortalLink[]): SafeHtml {
  const items = links.map(
    (l) =>
      html`<li><a href="${l.href}"${l.current ? html` aria-current="page"` : ''}${l.external ? html` target="${l.newTab ? '_blank' : '_self'}" rel="noopener noreferrer"` : ''}><span class="sz-nav-icon" aria-hidden="true">${l.icon}</span><span class="sz-nav-name">${l.name}</span>${
        l.external ? html`<span class="sz-ext" aria-label="(external link)">↗</span>` : ''
      }</a></li>`,
  );
  return html`<nav id="sz-nav" class="sz-nav" aria-label="Portal"><ul>${items}</ul></nav>`;
}

/** extra_css and theme.logo entries: URLs stay, paths are files of the docs folder. */
export function extraUrl(site: DocSite, href: string): string {
  return /^([a-z][a-z0-9+.-]*:|\/\/|\/)/i.test(href) ? href : site.url(href.replace(/^\.\//, ''));
}

