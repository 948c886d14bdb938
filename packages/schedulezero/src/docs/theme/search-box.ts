import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { html, type SafeHtml } from '../../portal/html.js';

/**
 * The search box of built documentation sites, and the page that lists every result.
 *
 * The markup carries everything assets/search.js needs in data attributes (no inline script, so
 * pages can be served under a CSP that forbids them). Without JavaScript the form still submits
 * to {base}search/?q=..., whose page says search needs JavaScript.
 */

export interface SearchBoxOptions {
  /** The site's base URL, ending in '/' ('/docs/', or relative such as '../'). */
  base: string;
  /** URL of search_index.json (same origin). */
  indexUrl: string;
  /** The input's accessible label; default "Search the documentation". */
  label?: string;
}

export function searchBox(opts: SearchBoxOptions): SafeHtml {
  const label = opts.label ?? 'Search the documentation';
  return html`<form class="sz-search" role="search" action="${opts.base}search/" method="get" data-sz-search-base="${opts.base}" data-sz-search-index="${opts.indexUrl}">
  <label class="sz-search-label" for="sz-search-q">${label}</label>
  <input class="sz-search-input" id="sz-search-q" type="search" name="q" placeholder="Search" autocomplete="off" spellcheck="false" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="sz-search-results" aria-keyshortcuts="/">
  <kbd class="sz-search-key" aria-hidden="true">/</kbd>
  <p class="sz-search-live" role="status" aria-live="polite"></p>
  <div class="sz-search-panel" hidden>
    <p class="sz-search-message"></p>
    <ul class="sz-search-results" id="sz-search-results" role="listbox" aria-label="Search results"></ul>
  </div>
</form>`;
}

/**
 * The body of {base}search/index.html: reads ?q= and lists every result. Where to search comes
 * from `opts`, or else from the page's search box (searchBox() in the site's header).
 */
export function searchPageBody(opts?: Pick<SearchBoxOptions, 'base' | 'indexUrl'>): SafeHtml {
  return html`<section class="sz-search-page" data-sz-search-page${opts ? html` data-sz-search-base="${opts.base}" data-sz-search-index="${opts.indexUrl}"` : ''}>
  <h1>Search</h1>
  <form class="sz-search-page-form" role="search" method="get">
    <label class="sz-search-page-label" for="sz-search-page-q">Search the documentation</label>
    <input class="sz-search-page-input" id="sz-search-page-q" type="search" name="q" autocomplete="off" spellcheck="false">
    <button type="submit">Search</button>
  </form>
  <p class="sz-search-page-status" role="status" aria-live="polite"></p>
  <ol class="sz-search-page-results"></ol>
  <noscript><p>Search needs JavaScript. The navigation lists every page.</p></noscript>
</section>`;
}

export interface SearchAsset {
  /** File name to write it under in the site's assets folder. */
  name: string;
  /** Absolute path of the file to copy. */
  path: string;
}

/** MiniSearch's browser build (it defines window.MiniSearch). Not in the package's exports map, so found beside its CommonJS entry. */
function miniSearchUmd(): string {
  const cjs = createRequire(import.meta.url).resolve('minisearch'); // .../minisearch/dist/cjs/index.cjs
  return join(dirname(cjs), '..', 'umd', 'index.js');
}

const own = (name: string): string => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

/** The files a build copies next to its pages, in the order their script tags must come (MiniSearch first). */
export const SEARCH_ASSETS: SearchAsset[] = [
  { name: 'minisearch.js', path: miniSearchUmd() },
  { name: 'search.js', path: own('search.js') },
  { name: 'search.css', path: own('search.css') },
];

/**
 * The tags that load search, for a page's head: `assetsUrl` is where SEARCH_ASSETS were copied
 * (ending in '/'). Deferred scripts run in order once the page is parsed.
 */
export function searchAssetTags(assetsUrl: string): SafeHtml {
  return html`<link rel="stylesheet" href="${assetsUrl}search.css">
<script defer src="${assetsUrl}minisearch.js"></script>
<script defer src="${assetsUrl}search.js"></script>`;
}
