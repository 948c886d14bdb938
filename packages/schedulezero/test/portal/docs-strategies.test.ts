import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';
import { launchBrowser } from './browser.js';
import { portalClient } from './portal-client.js';

/**
 * The seed's three-site setup (product docs, the Python handler docs, a microsite's docs, plus an
 * API reference and an external site) served in each documentation strategy. Every site carries
 * one made-up word, so search hits show which sites an index covers.
 */
const SITES = {
  product: { word: 'zebracorn', name: 'LogStream Docs' },
  handlers: { word: 'quokkafish', name: 'Python handlers' },
  logstream: { word: 'narwhalite', name: 'LogStream microsite' },
} as const;

function writeSetup(root: string, strategy: string): string {
  const write = (rel: string, text: string) => {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  write('portal/docs/mkdocs.yml', `site_name: ${SITES.product.name}\nnav:\n  - Home: index.md\n  - Getting started: getting-started.md\n  - Billing: billing.md\n`);
  write('portal/docs/docs/index.md', `# LogStream\n\nWelcome. Read [getting started](getting-started.md).\n`);
  write('portal/docs/docs/getting-started.md', `# Getting started\n\n## Ingest logs\n\nThe ${SITES.product.word} pipeline ingests logs. Next: [billing](billing.md#plans).\n`);
  write('portal/docs/docs/billing.md', '# Billing\n\n## Plans\n\nPlans and prices.\n');
  write('handlers-python/docs/mkdocs.yml', `site_name: ${SITES.handlers.name}\n`);
  write('handlers-python/docs/docs/index.md', `# Python handlers\n\nInstall the SDK. See [the decorator](decorator.md).\n`);
  write('handlers-python/docs/docs/decorator.md', `# The decorator\n\n## Parameters\n\nEvery ${SITES.handlers.word} method is registered.\n`);
  write('logstream/docs/mkdocs.yml', `site_name: ${SITES.logstream.name}\n`);
  write('logstream/docs/docs/index.md', `# Log search\n\nSearch with ${SITES.logstream.word} queries.\n`);
  write('portal/openapi.yaml', 'openapi: 3.0.3\ninfo: {title: LogStream API, version: "1.0"}\npaths:\n  /logs:\n    get:\n      summary: List the logs\n      responses: {"200": {description: ok}}\n');
  write(
    'portal/portal_config.yaml',
    `portal:
  name: LogStream
microsites:
  - sz_dash
  - sz_docs
documentation:
  strategy: ${strategy}
  sites:
    - id: product
      name: ${SITES.product.name}
      path: /docs
      source: ./docs
      priority: 1
    - id: handler_docs
      name: Handler Development
      path: /docs/handlers/python
      source: ../handlers-python/docs
      priority: 2
    - id: logstream_docs
      path: /docs/logstream
      docs_source: ../logstream/docs
      priority: 3
    - id: api_docs
      name: API Reference
      type: openapi
      path: /docs/api
      source: ./openapi.yaml
      priority: 4
    - id: vendor
      name: Vendor manual
      url: https://vendor.example.com/manual
      priority: 5
`,
  );
  return join(root, 'portal/portal_config.yaml');
}

interface SearchIndex {
  config: { lang: string[] };
  docs: { location: string; title: string; text: string }[];
}

async function searchIndex(url: string): Promise<SearchIndex> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as SearchIndex;
}

function hits(index: SearchIndex, word: string): string[] {
  return index.docs.filter((d) => d.text.includes(word)).map((d) => d.location);
}

describe.each(['modular', 'separate'])('documentation.strategy: %s', (strategy) => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    dir = tempDir('sz-docs-modular-');
    server = await startTestServer({ portal_config: writeSetup(dir.path, strategy) });
  });
  afterAll(async () => {
    await server?.close();
    dir?.cleanup();
  });

  test('each site at its own path with its own navigation and its own search', async () => {
    const client = portalClient(server.url);
    const product = await client.get('/docs/getting-started/');
    expect(product.status).toBe(200);
    expect(product.text).toContain(SITES.product.word);
    expect(product.text).toContain('<a href="/docs/billing/#plans">billing</a>');
    const productNav = product.text.slice(product.text.indexOf('<nav id="sz-docs-nav"'), product.text.indexOf('</nav>', product.text.indexOf('<nav id="sz-docs-nav"')));
    expect(productNav).toContain('/docs/billing/');
    expect(productNav).not.toContain('/docs/handlers/python/');

    const handlers = await client.get('/docs/handlers/python/decorator/');
    expect(handlers.status).toBe(200);
    expect(handlers.text).toContain(SITES.handlers.word);
    expect(handlers.text).toContain('<a class="sz-docs-site" href="/docs/handlers/python/">Handler Development</a>');
    expect(handlers.text).not.toContain('/docs/billing/');

    expect((await client.get('/docs/logstream/')).text).toContain(SITES.logstream.word);

    const productIndex = await searchIndex(`${server.url}/docs/search/search_index.json`);
    expect(hits(productIndex, SITES.product.word)).toEqual(['getting-started/', 'getting-started/#ingest-logs']);
    expect(hits(productIndex, SITES.handlers.word)).toEqual([]);
    expect(hits(productIndex, SITES.logstream.word)).toEqual([]);
    const handlerIndex = await searchIndex(`${server.url}/docs/handlers/python/search/search_index.json`);
    expect(hits(handlerIndex, SITES.handlers.word)).toEqual(['decorator/', 'decorator/#parameters']);
    expect(hits(handlerIndex, SITES.product.word)).toEqual([]);
  });

  test('the index lists every site by priority; the API reference is served; external sites are links', async () => {
    const client = portalClient(server.url);
    const index = await client.get('/docs/_sites/');
    expect(index.status).toBe(200);
    const names = [SITES.product.name, 'Handler Development', SITES.logstream.name, 'API Reference', 'Vendor manual'];
    const at = names.map((n) => index.text.indexOf(n));
    expect(at.every((i) => i >= 0), JSON.stringify(at)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(index.text).toContain('<a href="/docs/handlers/python/">');
    expect(index.text).toContain('<a href="/docs/api/">');
    expect(index.text).toContain('<a href="https://vendor.example.com/manual" target="_blank" rel="noopener noreferrer" hx-boost="false">');

    const api = await client.get('/docs/api/');
    expect(api.status).toBe(200);
    expect(api.text).toContain('API Reference');
    const spec = await fetch(`${server.url}/docs/api/openapi.json`);
    expect(((await spec.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty('/logs');
  });
});

describe('documentation.strategy: unified', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    dir = tempDir('sz-docs-unified-');
    server = await startTestServer({ portal_config: writeSetup(dir.path, 'unified') });
  });
  afterAll(async () => {
    await server?.close();
    dir?.cleanup();
  });

  test('one site: one navigation with a section per source, every source at its path', async () => {
    const client = portalClient(server.url);
    const page = await client.get('/docs/handlers/python/decorator/');
    expect(page.status).toBe(200);
    const nav = page.text.slice(page.text.indexOf('<nav id="sz-docs-nav"'), page.text.indexOf('</nav>', page.text.indexOf('<nav id="sz-docs-nav"')));
    for (const title of [SITES.product.name, 'Handler Development', SITES.logstream.name]) expect(nav).toContain(`<summary>${title}</summary>`);
    for (const href of ['/docs/getting-started/', '/docs/handlers/python/decorator/', '/docs/logstream/']) expect(nav).toContain(`href="${href}"`);
    expect(nav).toContain('<a href="/docs/handlers/python/decorator/" aria-current="page">The decorator</a>');
    // Reading order runs across the sources.
    const last = await client.get('/docs/billing/');
    expect(last.text).toMatch(/rel="next" href="\/docs\/handlers\/python\/"/);
    expect((await client.get('/docs/')).text).toContain('Welcome.');
  });

  test('one search finds pages of every source', async () => {
    const index = await searchIndex(`${server.url}/docs/search/search_index.json`);
    expect(hits(index, SITES.product.word)).toEqual(['getting-started/', 'getting-started/#ingest-logs']);
    expect(hits(index, SITES.handlers.word)).toEqual(['handlers/python/decorator/', 'handlers/python/decorator/#parameters']);
    expect(hits(index, SITES.logstream.word)).toEqual(['logstream/']);
    expect((await fetch(`${server.url}/docs/handlers/python/search/search_index.json`)).status).toBe(404);
  });

  test('in Chromium, the search box finds a page of another source and opens it', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/docs/`);
      await page.fill('input[type="search"]', SITES.handlers.word);
      const hit = page.locator('.sz-search-results a').first();
      await hit.waitFor({ timeout: 10_000 });
      expect(await hit.getAttribute('href')).toContain('/docs/handlers/python/decorator/');
      await hit.click();
      await page.waitForURL(/\/docs\/handlers\/python\/decorator\//);
      expect(await page.textContent('h1')).toContain('The decorator');
    } finally {
      await browser.close();
    }
  });

  test('the API reference and the external site stay separate', async () => {
    const client = portalClient(server.url);
    expect((await client.get('/docs/api/')).status).toBe(200);
    const index = await client.get('/docs/_sites/');
    expect(index.text).toContain('<a href="https://vendor.example.com/manual" target="_blank"');
  });
});

describe('documentation.strategy: external', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    dir = tempDir('sz-docs-external-');
    const file = writeSetup(dir.path, 'external');
    // Where each site lives in this strategy.
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(file, 'utf8')
      .replace('      path: /docs\n', '      url: https://docs.logstream.example/\n')
      .replace('      path: /docs/handlers/python\n', '      url: https://handlers.logstream.example/python/\n');
    writeFileSync(file, text);
    server = await startTestServer({ portal_config: file });
  });
  afterAll(async () => {
    await server?.close();
    dir?.cleanup();
  });

  test('sites are listed as links only; a site without a url says so', async () => {
    const client = portalClient(server.url);
    const index = await client.get('/docs/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<a href="https://docs.logstream.example/" target="_blank" rel="noopener noreferrer" hx-boost="false">');
    expect(index.text).toContain('<a href="https://handlers.logstream.example/python/" target="_blank"');
    expect(index.text).toContain('<a href="https://vendor.example.com/manual" target="_blank"');
    expect(index.text).toContain('give this site a url');
    // Nothing is built or served here.
    expect((await client.get('/docs/getting-started/')).status).toBe(404);
    expect((await fetch(`${server.url}/docs/search/search_index.json`)).status).toBe(404);
  });
});

describe('a microsite of microsite_type mkdocs (Option B)', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    dir = tempDir('sz-docs-optionb-');
    writeSetup(dir.path, 'modular');
    const file = join(dir.path, 'portal/option-b.yaml');
    writeFileSync(
      file,
      `microsites:
  - sz_docs
  - id: sz_docs_handlers_python
    name: Python handlers
    microsite_type: mkdocs
    path: /docs/handlers/python
    docs_source: ../handlers-python/docs
`,
    );
    server = await startTestServer({ portal_config: file });
  });
  afterAll(async () => {
    await server?.close();
    dir?.cleanup();
  });

  test('is built and served at its own path with its own navigation and search, and listed by the docs', async () => {
    const client = portalClient(server.url);
    const page = await client.get('/docs/handlers/python/decorator/');
    expect(page.status).toBe(200);
    expect(page.text).toContain(SITES.handlers.word);
    expect(page.text).toMatch(/<a href="\/docs\/handlers\/python" aria-current="page">/);
    const index = await searchIndex(`${server.url}/docs/handlers/python/search/search_index.json`);
    expect(hits(index, SITES.handlers.word)).toEqual(['decorator/', 'decorator/#parameters']);
    expect((await client.get('/docs/_sites/')).text).toContain('<a href="/docs/handlers/python/">');
  });
});
