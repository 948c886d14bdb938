/// <reference lib="dom" />
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchDocs, searchIndexJson, type SearchPage } from '../../src/docs/build/search.js';
import { SEARCH_ASSETS, searchAssetTags, searchBox, searchPageBody } from '../../src/docs/theme/search-box.js';
import { html, raw, type SafeHtml } from '../../src/portal/html.js';
import { tempDir, waitFor } from '../helpers.js';
import { browserAvailable, launchBrowser, watchForErrors } from '../portal/browser.js';

const XSS_TITLE = '<img src=x onerror=alert(1)> Tricky page';

const PAGES: SearchPage[] = [
  { location: '', title: 'Welcome', html: '<h1 id="welcome">Welcome</h1><p>ScheduleZero runs jobs. Cron schedules are explained in the guide.</p>' },
  {
    location: 'guide/cron/',
    title: 'Cron schedules',
    html:
      '<h1 id="cron-schedules">Cron schedules</h1><p>How to write schedules.</p>' +
      '<h2 id="syntax">Syntax<a class="sz-docs-permalink" href="#syntax" aria-label="Link to the section “Syntax”">#</a></h2><p>Five fields: minute, hour, day.</p>' +
      '<h2 id="time-zones">Time zones<a class="sz-docs-permalink" href="#time-zones" aria-label="Link to the section “Time zones”">#</a></h2><p>Each schedule has a zone.</p>',
  },
  { location: 'guide/workers/', title: 'Workers', html: '<h1 id="workers">Workers</h1><p>Workers run the jobs that a cron expression triggers.</p>' },
  { location: 'xss/', title: XSS_TITLE, html: '<p>Escaping &lt;b&gt;matters&lt;/b&gt; here.</p>', sectionTitle: 'Security' },
];

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'";

function sitePage(title: string, body: SafeHtml, indexUrl = '/search/search_index.json'): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
${searchAssetTags('/assets/')}
</head>
<body>
<header>${searchBox({ base: '/', indexUrl })}</header>
<main>${body}</main>
</body>
</html>
`.value;
}

/** A built site in a folder: pages, the search page, the index and the assets. */
function writeSite(root: string): void {
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const page of PAGES) write(join(page.location, 'index.html'), sitePage(page.title, html`<article>${raw(page.html)}</article>`));
  write('search/index.html', sitePage('Search', searchPageBody()));
  write('search/search_index.json', searchIndexJson(PAGES.flatMap(searchDocs)));
  write('broken/index.html', sitePage('Broken', html`<p>Index missing</p>`, '/missing/search_index.json'));
  mkdirSync(join(root, 'assets'), { recursive: true });
  for (const asset of SEARCH_ASSETS) copyFileSync(asset.path, join(root, 'assets', asset.name));
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

/** A static file server for the folder, on a free loopback port, sending a CSP without 'unsafe-inline'. */
function serve(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    // Chromium asks for one whatever the page says; an empty answer keeps 404s meaningful.
    if (path === '/favicon.ico') return void response.writeHead(204).end();
    let file = join(root, path);
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.runIf(browserAvailable)('docs search in Chromium', () => {
  const dir = tempDir('sz-search-');
  let server: Server;
  let origin: string;
  let browser: Browser;
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    writeSite(dir.path);
    server = await serve(dir.path);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    dir.cleanup();
  });

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    // Fail on the step that waits too long, well within the test's own timeout.
    page.setDefaultTimeout(10_000);
    const problems = watchForErrors(page);
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(origin + path);
    return { page, problems };
  }

  const indexRequests = () => requests.filter((url) => url.endsWith('/search_index.json')).length;
  const options = (page: Page) => page.locator('.sz-search-results [role="option"]');
  const input = (page: Page) => page.locator('.sz-search-input');

  it('loads the index only once the user interacts, then finds pages with title matches first', async () => {
    const { page, problems } = await open('/');
    await page.waitForTimeout(300);
    expect(indexRequests()).toBe(0);

    await input(page).focus();
    await waitFor(() => indexRequests() === 1);
    await input(page).pressSequentially('cron');
    await options(page).first().waitFor();

    expect(await input(page).getAttribute('aria-expanded')).toBe('true');
    const pageTitles = await page.locator('.sz-search-results .sz-search-hit:not(.sz-search-hit--section) .sz-search-hit-title').allTextContents();
    // The page titled "Cron schedules" first; the two that only mention cron in their text after it.
    expect(pageTitles[0]).toBe('Cron schedules');
    expect(pageTitles.slice(1).sort()).toEqual(['Welcome', 'Workers']);
    expect(await page.locator('.sz-search-results mark').first().textContent()).toMatch(/^cron$/i);
    const first = options(page).first();
    expect(await first.locator('a').getAttribute('href')).toBe(`${origin}/guide/cron/`);
    expect(await first.locator('.sz-search-hit-text').textContent()).toContain('How to write schedules');
    // Typing more reuses the loaded index.
    await input(page).pressSequentially(' sch');
    await waitFor(async () => (await options(page).count()) > 0 && (await page.locator('.sz-search-hit-title').first().textContent()) === 'Cron schedules');
    expect(indexRequests()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows section hits under their page', async () => {
    const { page, problems } = await open('/');
    await input(page).fill('zones');
    await options(page).first().waitFor();
    const section = page.locator('.sz-search-results .sz-search-hit--section').first();
    expect(await section.locator('.sz-search-hit-title').textContent()).toBe('Time zones');
    // The page's title is part of the option's text (for screen readers), shown by the page row above it.
    expect(await section.locator('.sz-search-hit-page').textContent()).toBe('Cron schedules › ');
    expect(await section.locator('a').getAttribute('href')).toBe(`${origin}/guide/cron/#time-zones`);
    expect(await options(page).first().locator('.sz-search-hit-title').textContent()).toBe('Cron schedules');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves through results with the arrow keys and opens one with Enter', async () => {
    const { page, problems } = await open('/');
    await input(page).focus();
    await input(page).pressSequentially('cron');
    await options(page).first().waitFor();
    const ids = await options(page).evaluateAll((nodes) => nodes.map((node) => node.id));
    expect(ids.length).toBeGreaterThan(2);

    await page.keyboard.press('ArrowDown');
    expect(await input(page).getAttribute('aria-activedescendant')).toBe(ids[0]);
    await page.keyboard.press('ArrowDown');
    expect(await input(page).getAttribute('aria-activedescendant')).toBe(ids[1]);
    expect(await page.locator(`#${ids[1]}`).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator(`#${ids[0]}`).getAttribute('aria-selected')).toBe('false');
    await page.keyboard.press('ArrowUp');
    expect(await input(page).getAttribute('aria-activedescendant')).toBe(ids[0]);
    // Focus stays in the field throughout.
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('sz-search-input');

    await Promise.all([page.waitForURL(`${origin}/guide/cron/`), page.keyboard.press('Enter')]);
    expect(await page.title()).toBe('Cron schedules');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('focuses the search with "/" unless typing in a field, and closes with Escape', async () => {
    const { page, problems } = await open('/guide/workers/');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sz-search-q');
    await page.keyboard.type('workers');
    await options(page).first().waitFor();
    // "/" typed inside the field is just text.
    await page.keyboard.type('/');
    expect(await input(page).inputValue()).toBe('workers/');

    await page.keyboard.press('Escape');
    expect(await page.locator('.sz-search-panel').isHidden()).toBe(true);
    expect(await input(page).getAttribute('aria-expanded')).toBe('false');
    expect(await input(page).inputValue()).toBe('workers/');
    // Arrow down opens the results again.
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('.sz-search-panel').isVisible()).toBe(true);
    // Escape right after typing: the results still on their way do not open the list again.
    await page.keyboard.type('x');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(400);
    expect(await page.locator('.sz-search-panel').isHidden()).toBe(true);
    // Arrow down then searches for what the field now says.
    await page.keyboard.press('ArrowDown');
    await page.locator('.sz-search-message', { hasText: 'No results for “workers/x”.' }).waitFor();
    expect(await options(page).count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows markup in titles as text', async () => {
    const { page, problems } = await open('/');
    await input(page).fill('tricky');
    await options(page).first().waitFor();
    expect(await options(page).first().locator('.sz-search-hit-title').textContent()).toBe(XSS_TITLE);
    expect(await options(page).first().locator('.sz-search-hit-group').textContent()).toBe('Security');
    expect(await page.locator('.sz-search img').count()).toBe(0);
    await input(page).fill('matters');
    // Short waits per look: the list is redrawn as the query changes, and waitFor retries.
    await waitFor(async () => (await options(page).first().locator('.sz-search-hit-text').textContent({ timeout: 500 }))?.includes('<b>matters</b>'), 20_000, 100);
    expect(await page.locator('.sz-search-results b').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('submits to the search page, which lists every result for ?q=', async () => {
    const { page, problems } = await open('/');
    await input(page).fill('cron');
    await options(page).first().waitFor();
    // Enter with no result chosen goes to the full results page.
    await Promise.all([page.waitForURL(`${origin}/search/?q=cron`), input(page).press('Enter')]);
    const results = page.locator('.sz-search-page-results > .sz-search-hit');
    await results.first().waitFor();
    expect(await results.count()).toBe(3);
    expect(await results.first().locator('.sz-search-hit-title').first().textContent()).toBe('Cron schedules');
    expect(await page.locator('.sz-search-page-status').textContent()).toBe('3 pages found for “cron”.');
    expect(await page.locator('.sz-search-page-input').inputValue()).toBe('cron');

    // Typing on the search page updates the results and the address.
    await page.locator('.sz-search-page-input').fill('zones');
    await waitFor(async () => (await page.locator('.sz-search-page-status').textContent()) === '1 page found for “zones”.');
    expect(new URL(page.url()).searchParams.get('q')).toBe('zones');
    expect(await page.locator('.sz-search-page-results .sz-search-hit--section a').getAttribute('href')).toBe(`${origin}/guide/cron/#time-zones`);

    await page.locator('.sz-search-page-input').fill('nothingmatchesthis');
    await waitFor(async () => (await page.locator('.sz-search-page-status').textContent())?.startsWith('No results'));
    expect(await results.count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says so when the index cannot be loaded', async () => {
    const { page } = await open('/broken/');
    await input(page).fill('cron');
    await page.locator('.sz-search-message', { hasText: 'could not be loaded' }).waitFor();
    expect(await page.locator('.sz-search-panel').isVisible()).toBe(true);
    await page.close();
  });

  it('asks nothing of any server but the site', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  });
});
