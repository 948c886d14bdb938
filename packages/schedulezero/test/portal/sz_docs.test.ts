import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir, waitFor } from '../helpers.js';
import { portalClient } from './portal-client.js';

/** A GET sent exactly as written: fetch() would resolve "..", "%2e%2e" and friends first. */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers: { accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The markup between an opening tag matched by `start` and the first `end` after it. */
function section(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  expect(from, `no ${start} in the page`).toBeGreaterThanOrEqual(0);
  return text.slice(from, text.indexOf(end, from) + end.length);
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const MKDOCS = `site_name: Acme Guide
site_description: How to run Acme jobs
theme:
  name: material
markdown_extensions:
  - toc:
      permalink: true
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
plugins:
  - search
  - awesome-pages
nav:
  - Home: index.md
  - Guide:
      - guide/setup.md
      - Advanced use: guide/advanced.md
  - Reference: reference.md
  - Vendor site: https://example.com/vendor
`;

const INDEX_MD = `# Welcome to Acme

Start with [the setup](guide/setup.md#install) or read [a missing page](missing.md).

| Setting | Default |
| ------- | ------- |
| \`workers\` | 4 |
| \`retries\` | 2 |

\`\`\`yaml
name: "<b>not bold</b>"
\`\`\`

<script>alert("xss")</script>

![Acme logo](img/logo.png)
`;

const SETUP_MD = `# Setup

## Install

### From npm

Run it. Back to [the start](../index.md), on to [advanced use](advanced.md).

## Configure

Details.
`;

describe('sz_docs with documentation.sites', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;

  const write = (rel: string, content: string | Buffer) => {
    const path = join(dir.path, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };

  beforeAll(async () => {
    dir = tempDir('sz-docs-portal-');
    write('acme/mkdocs.yml', MKDOCS);
    write('acme/docs/index.md', INDEX_MD);
    write('acme/docs/guide/setup.md', SETUP_MD);
    write('acme/docs/guide/advanced.md', '# Advanced\n\nDeep things.\n');
    write('acme/docs/reference.md', '# Reference\n\nAll the keys.\n');
    write('acme/docs/img/logo.png', PNG);
    write('acme/docs/.secret.txt', 'HIDDEN FILE CONTENT');
    write('outside.txt', 'TOP SECRET OUTSIDE');
    symlinkSync(join(dir.path, 'outside.txt'), join(dir.path, 'acme/docs/leak.txt'));
    // A custom microsite with an MkDocs site of its own (the definition's `docs`).
    write('logs/index.mjs', "export default { id: 'logs', name: 'Logs', docs: './manual', routes(app) { app.get('/', async () => 'logs'); } };\n");
    write('logs/manual/mkdocs.yml', 'site_name: Log viewer manual\ndocs_dir: .\n');
    write('logs/manual/index.md', '# Log viewer\n\nHow to read logs.\n');
    write(
      'portal_config.yaml',
      `microsites:
  - sz_docs
  - id: logs
    source: ./logs
    description: Job logs
documentation:
  sites:
    - id: acme
      docs_source: ./acme
    - id: vendor
      name: Vendor manual
      url: https://example.com/manual
      description: The vendor's own documentation
    - id: api
      type: openapi
      url: https://api.example.com/reference
    - id: old
      docs_source: ./acme
      enabled: false
    - id: missing
      name: Missing docs
      docs_source: ./nope
`,
    );
    server = await startTestServer({ portal_config: join(dir.path, 'portal_config.yaml') });
  });

  afterAll(async () => {
    await server?.close();
    dir?.cleanup();
  });

  test('the index lists every site: served ones, external ones in a new tab, unavailable ones with the reason', async () => {
    const res = await portalClient(server.url).get('/docs/');
    expect(res.status).toBe(200);
    const list = section(res.text, '<ul class="sz-docs-sites">', '</ul>');
    const card = (name: string) => {
      const at = list.indexOf(name);
      expect(at, name).toBeGreaterThanOrEqual(0);
      return list.slice(list.lastIndexOf('<li', at), list.indexOf('</li>', at));
    };
    // In the order configured; the microsite's site comes after the configured ones.
    const order = ['Acme Guide', 'Vendor manual', 'API reference', 'Missing docs', 'Log viewer manual'].map((n) => list.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(list).not.toContain('/docs/old/');

    expect(card('Acme Guide')).toContain('<a href="/docs/acme/">');
    expect(card('Acme Guide')).toContain('How to run Acme jobs');
    expect(card('Acme Guide')).toContain('4 pages');
    expect(card('Vendor manual')).toContain('<a href="https://example.com/manual" target="_blank" rel="noopener noreferrer" hx-boost="false">');
    expect(card('Vendor manual')).toContain('↗');
    expect(card('Vendor manual')).toContain('The vendor&#39;s own documentation');
    expect(card('API reference')).toContain('href="https://api.example.com/reference" target="_blank"');
    expect(card('Missing docs')).toContain('Unavailable');
    expect(card('Missing docs')).toContain('does not exist');
    expect(card('Log viewer manual')).toContain('<a href="/docs/logs/">');
    expect(card('Log viewer manual')).toContain('Job logs');
  });

  test('a page has the site navigation, the article, "On this page" and previous/next links', async () => {
    const res = await portalClient(server.url).get('/docs/acme/guide/setup/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Setup · Acme Guide · ScheduleZero</title>');
    expect(res.text).toMatch(/<link rel="stylesheet" href="\/docs\/acme\/_sz\/theme\.[0-9a-f]{12}\.css">/);
    // Part of the portal: its navigation with the docs marked, its brand in the header.
    const portalNav = section(res.text, '<nav id="sz-nav"', '</nav>');
    expect(portalNav).toMatch(/<a href="\/docs" aria-current="page">/);
    expect(res.text).toContain('<a class="sz-brand" href="/">');

    const nav = section(res.text, '<nav id="sz-docs-nav"', '</nav>');
    expect(nav).toContain('<a class="sz-docs-back" href="/docs/_sites/">← All documentation</a>');
    expect(nav).toContain('<a href="/docs/acme/guide/setup/" aria-current="page">Setup</a>');
    expect(nav).toContain('<summary>Guide</summary>');
    expect(nav).toContain('<a href="/docs/acme/guide/advanced/">Advanced use</a>');
    expect(nav).toContain('<a href="https://example.com/vendor" target="_blank" rel="noopener noreferrer">Vendor site');
    expect(nav.match(/aria-current/g)).toHaveLength(1);

    const toc = section(res.text, '<aside class="sz-docs-toc"', '</aside>');
    expect(toc).toContain('On this page');
    expect(toc).toContain('<li><a href="#install">Install</a><ul><li><a href="#from-npm">From npm</a></li></ul></li>');
    expect(toc).toContain('<a href="#configure">Configure</a>');

    const article = section(res.text, '<article class="sz-docs-article">', '</article>');
    expect(article).toContain('<h1 id="setup">Setup</h1>');
    expect(article).toContain('<h2 id="install">Install<a class="sz-docs-permalink" href="#install"');
    expect(article).toContain('<a href="/docs/acme/">the start</a>');
    expect(article).toContain('<a href="/docs/acme/guide/advanced/">advanced use</a>');
    expect(article).toContain('<span>Guide</span>');

    const pager = section(article, '<nav class="sz-docs-pager"', '</nav>');
    expect(pager).toMatch(/<a class="sz-docs-prev" rel="prev" href="\/docs\/acme\/">.*<span class="sz-docs-pager-title">Home<\/span><\/a>/);
    expect(pager).toMatch(/<a class="sz-docs-next" rel="next" href="\/docs\/acme\/guide\/advanced\/">.*Advanced use/);
  });

  test('Markdown: tables, escaped code and raw HTML, rewritten links and images, broken links marked', async () => {
    const res = await portalClient(server.url).get('/docs/acme/');
    expect(res.status).toBe(200);
    const article = section(res.text, '<article class="sz-docs-article">', '</article>');
    expect(article).toContain('<table>');
    expect(article).toContain('<td><code>workers</code></td>');
    expect(article).toMatch(/<code class="hljs language-yaml">.*&lt;b&gt;not bold&lt;\/b&gt;/);
    expect(article).not.toContain('<script');
    expect(res.text).not.toContain('<script>alert');
    expect(article).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
    expect(article).toContain('<a href="/docs/acme/guide/setup/#install">the setup</a>');
    expect(article).toContain('<a href="missing.md" class="sz-docs-broken" title="Broken link: no such page in the docs folder">a missing page</a>');
    expect(article).toContain('<img src="/docs/acme/img/logo.png" alt="Acme logo" loading="lazy">');
    // Home is the first page: no "previous", and the next one is the guide's first page.
    expect(article).not.toContain('rel="prev"');
    expect(article).toContain('rel="next" href="/docs/acme/guide/setup/"');

    const image = await fetch(`${server.url}/docs/acme/img/logo.png`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(image.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
  });

  test('a page missing its trailing slash, or asked for by its .md name, redirects to its URL', async () => {
    for (const [from, to] of [
      ['/docs/acme', '/docs/acme/'],
      ['/docs/acme/guide/setup', '/docs/acme/guide/setup/'],
      ['/docs/acme/guide/setup.md?x=1', '/docs/acme/guide/setup/?x=1'],
      ['/docs/acme/index.md', '/docs/acme/'],
    ]) {
      const res = await fetch(`${server.url}${from}`, { redirect: 'manual' });
      expect(res.status, from).toBe(301);
      expect(res.headers.get('location'), from).toBe(to);
    }
  });

  test('path traversal, hidden files, Markdown sources and symlinks out of the folder are 404', async () => {
    for (const path of [
      '/docs/acme/../outside.txt',
      '/docs/acme/../../outside.txt',
      '/docs/acme/img/../../../outside.txt',
      '/docs/acme/%2e%2e/%2e%2e/outside.txt',
      '/docs/acme/%2E%2E/%2E%2E/outside.txt',
      '/docs/acme/img/%2e%2e%2f%2e%2e%2f%2e%2e%2foutside.txt',
      '/docs/acme/..%2f..%2foutside.txt',
      '/docs/acme/..%5c..%5coutside.txt',
      '/docs/acme/leak.txt',
      '/docs/acme/.secret.txt',
      '/docs/acme/%2esecret.txt',
      '/docs/acme/guide/setup.md/',
      '/docs/acme/img/logo.png%00.html',
      '/docs/acme/nope/',
      '/docs/acme/.schedulezero-docs.json',
      '/docs/acme/mkdocs.yml',
      '/docs/acme/_sz/../../outside.txt',
      '/docs/nope/',
      '/docs/old/',
    ]) {
      const res = await rawGet(server.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain('TOP SECRET');
      expect(res.body, path).not.toContain('HIDDEN FILE');
    }
    // Inside a site, its own 404 page with its navigation; elsewhere the portal's.
    const notFound = await rawGet(server.url, '/docs/acme/nope/');
    expect(notFound.body).toContain('There is no page at this address in Acme Guide.');
    expect(notFound.body).toContain('<nav id="sz-docs-nav"');
    expect((await rawGet(server.url, '/docs/nope/')).body).toContain('There is no documentation page at /docs/nope/.');
  });

  test('a site whose folder is missing answers with a clear message', async () => {
    const res = await portalClient(server.url).get('/docs/missing/');
    expect(res.status).toBe(503);
    expect(res.text).toContain('This documentation site cannot be shown right now.');
    expect(res.text).toMatch(/nope does not exist/);
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  test('pages and files are no-cache with validators; the theme\'s hashed files are cached for a year', async () => {
    const page = await fetch(`${server.url}/docs/acme/reference/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const etag = page.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${server.url}/docs/acme/reference/`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);

    const css = /href="(\/docs\/acme\/_sz\/theme\.[0-9a-f]{12}\.css)"/.exec(await page.text())![1]!;
    const asset = await fetch(`${server.url}${css}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/css; charset=utf-8');

    const image = await fetch(`${server.url}/docs/acme/img/logo.png`);
    expect(image.headers.get('cache-control')).toBe('no-cache');
    const index = await fetch(`${server.url}/docs/acme/search/search_index.json`);
    expect(index.status).toBe(200);
    const docs = ((await index.json()) as { docs: { location: string; title: string }[] }).docs;
    expect(docs.map((d) => d.location)).toContain('guide/setup/#install');
  });

  test('the microsite\'s own MkDocs site is served (docs_dir: ".", mkdocs.yml not served)', async () => {
    const res = await portalClient(server.url).get('/docs/logs/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('How to read logs.');
    expect((await rawGet(server.url, '/docs/logs/mkdocs.yml')).status).toBe(404);
  });

  test('the site is built again after a page changes', async () => {
    const client = portalClient(server.url);
    expect((await client.get('/docs/acme/guide/advanced/')).text).toContain('Deep things.');
    write('acme/docs/guide/advanced.md', '# Advanced\n\nDeeper things now.\n');
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(dir.path, 'acme/docs/guide/advanced.md'), later, later);
    // Sources are checked at most once a second.
    await waitFor(async () => (await client.get('/docs/acme/guide/advanced/')).text.includes('Deeper things now.') || null, 10_000, 200);
  });
});

describe('sz_docs without documentation.sites', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  test('ScheduleZero\'s own docs at /docs and the handler SDKs\' docs (the repository\'s) at /docs/handlers/...', async () => {
    const client = portalClient(server.url);
    const home = await client.get('/docs/');
    expect(home.status).toBe(200);
    const ownIndex = readFileSync(new URL('../../../../docs/index.md', import.meta.url), 'utf8');
    const firstLine = ownIndex.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))!.trim();
    expect(home.text).toContain(firstLine.slice(0, 40));
    const sdk = await client.get('/docs/handlers/typescript/examples/retries/');
    expect(sdk.status).toBe(200);
    expect(sdk.text).toContain('NonRetryableError');
    expect((await client.get('/docs/handlers/python/')).status).toBe(200);

    const triggers = await client.get('/docs/concepts/triggers/');
    expect(triggers.status).toBe(200);
    expect(triggers.text).toContain('<a href="/docs/concepts/triggers/" aria-current="page">Triggers</a>');
    expect(triggers.text).toContain('href="/docs/concepts/dst/');

    const index = await client.get('/docs/_sites/');
    expect(index.status).toBe(200);
    for (const href of ['/docs/', '/docs/handlers/typescript/', '/docs/handlers/python/']) expect(index.text).toContain(`<a href="${href}">`);
    expect((await rawGet(server.url, '/docs/mkdocs.yml')).status).toBe(404);
  });
});
