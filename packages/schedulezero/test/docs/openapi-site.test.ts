/// <reference lib="dom" />
import { copyFileSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openApiSiteRoutes, type OpenApiSiteOptions } from '../../src/docs/openapi/index.js';
import { tempDir } from '../helpers.js';
import { browserAvailable, launchBrowser, watchForErrors } from '../portal/browser.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/docs/openapi/widgets.yaml', import.meta.url));
const fixtureDoc = parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
const vendorFile = (name: string) => readFileSync(createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`));

/** A JSON document served by the test app itself, as the server's own API document would be. */
const ownApiDoc = {
  openapi: '3.0.3',
  info: { title: 'Own API', version: '1.0.0' },
  paths: { '/api/v1/jobs': { get: { operationId: 'listJobs', summary: 'List the jobs of this server', responses: { '200': { description: 'OK' } } } } },
};

/** A page served under a strict CSP: no inline script may run, nothing may load from elsewhere. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";

/** The sites at their prefixes; the HTML of those listed in `csp` is served with the CSP above. */
async function appWith(sites: Record<string, OpenApiSiteOptions>, csp: string[] = []): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.addHook('onSend', async (request, reply, payload) => {
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (html && csp.some((prefix) => request.url.startsWith(`${prefix}/`))) reply.header('content-security-policy', CSP);
    return payload;
  });
  app.get('/api/v1/openapi.json', async () => ownApiDoc);
  for (const [prefix, options] of Object.entries(sites)) {
    await app.register(async (scope) => openApiSiteRoutes(scope, options), { prefix });
  }
  await app.ready();
  return app;
}

/** The asset URLs a page links to (script src and stylesheet/icon href), in order. */
function assetLinks(page: string): string[] {
  return [...page.matchAll(/(?:src|href)="(\.\/_assets\/[^"]+)"/g)].map((m) => m[1]!);
}

/** A GET with the path sent byte for byte (fetch and inject would normalise "..", this does not). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Touch the file into the future: the change is seen even on file systems with coarse mtimes. */
function rewrite(path: string, text: string, secondsAhead: number): void {
  writeFileSync(path, text);
  const when = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(path, when, when);
}

describe('OpenAPI doc site: page and assets', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await appWith({
      '/docs/api': { title: 'Widget API', spec: { file: FIXTURE }, brandColor: '#0a7', backHref: '/docs/' },
      '/docs/own': { title: 'Own <script>alert(1)</script> & "API"', spec: { url: '/api/v1/openapi.json' }, brandColor: 'red;}body{display:none', backHref: 'javascript:alert(1)' },
    });
  });
  afterAll(() => app.close());

  it('serves a page that loads Swagger UI from hashed local files, with no inline script', async () => {
    const res = await app.inject('/docs/api/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    const page = res.body;
    expect(page).toContain('<title>Widget API</title>');
    expect(page).toContain('<a class="oas-back" href="/docs/">');
    expect(page).toContain('data-spec-url="./openapi.json"');
    const links = assetLinks(page);
    expect(links).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.\/_assets\/swagger-ui\.[0-9a-f]{12}\.css$/),
        expect.stringMatching(/^\.\/_assets\/swagger-ui-bundle\.[0-9a-f]{12}\.js$/),
        expect.stringMatching(/^\.\/_assets\/init\.[0-9a-f]{12}\.js$/),
        expect.stringMatching(/^\.\/_assets\/site\.[0-9a-f]{12}\.css$/),
      ]),
    );
    // Every <script> is an empty element with a src: nothing for a CSP to forbid.
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(2);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/ src="\.\/_assets\//);
      expect(body).toBe('');
    }
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('serves the assets for a year under their hashed names, identical to swagger-ui-dist, gzipped on request', async () => {
    const page = (await app.inject('/docs/api/')).body;
    const bundleUrl = assetLinks(page).find((l) => l.includes('swagger-ui-bundle'))!;
    const plain = await app.inject(`/docs/api/${bundleUrl.slice(2)}`);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.equals(vendorFile('swagger-ui-bundle.js'))).toBe(true);

    const zipped = await app.inject({ url: `/docs/api/${bundleUrl.slice(2)}`, headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(gunzipSync(zipped.rawPayload).equals(plain.rawPayload)).toBe(true);
    const refused = await app.inject({ url: `/docs/api/${bundleUrl.slice(2)}`, headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();

    for (const link of assetLinks(page)) {
      const res = await app.inject(`/docs/api/${link.slice(2)}`);
      expect(res.statusCode, link).toBe(200);
      expect(res.headers['cache-control'], link).toBe('public, max-age=31536000, immutable');
      expect(res.headers['x-content-type-options'], link).toBe('nosniff');
    }
    const init = await app.inject(`/docs/api/${assetLinks(page).find((l) => l.includes('/init.'))!.slice(2)}`);
    expect(init.body).toContain('validatorUrl: null');
  });

  it('sets the brand colour as a CSS variable, and falls back to the default for a value that is not #rgb/#rrggbb', async () => {
    const css = async (prefix: string) => {
      const page = (await app.inject(`${prefix}/`)).body;
      return (await app.inject(`${prefix}/${assetLinks(page).find((l) => l.includes('/site.'))!.slice(2)}`)).body;
    };
    expect(await css('/docs/api')).toMatch(/^:root\{--oas-brand:#0a7;--oas-brand-text:#000\}/);
    const fallback = await css('/docs/own');
    expect(fallback).toMatch(/^:root\{--oas-brand:#4f46e5;--oas-brand-text:#fff\}/);
    expect(fallback).not.toContain('display:none');
  });

  it('escapes the title and drops a javascript: back link', async () => {
    const page = (await app.inject('/docs/own/')).body;
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('<title>Own &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;API&quot;</title>');
    expect(page).toContain('<h1>Own &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;API&quot;</h1>');
    expect(page).not.toContain('javascript:');
    expect(page).not.toContain('oas-back');
  });

  it('points Swagger UI at a spec given by URL, and has no /openapi.json of its own then', async () => {
    const page = (await app.inject('/docs/own/')).body;
    expect(page).toContain('data-spec-url="/api/v1/openapi.json"');
    expect((await app.inject('/docs/own/openapi.json')).statusCode).toBe(404);
  });

  it('redirects the address without a trailing slash (the page links its assets relative to itself)', async () => {
    const res = await app.inject('/docs/api?x=1');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('./api/?x=1');
  });

  it('serves the YAML file as the same document in JSON, with an etag', async () => {
    const res = await app.inject('/docs/api/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.json()).toEqual(fixtureDoc);
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({ url: '/docs/api/openapi.json', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('refuses every path that is not one of its assets', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const page = (await app.inject('/docs/api/')).body;
    const bundle = assetLinks(page).find((l) => l.includes('swagger-ui-bundle'))!.slice('./_assets/'.length);
    const attempts = [
      '/docs/api/_assets/../../package.json',
      '/docs/api/_assets/../../../package.json',
      '/docs/api/_assets/..%2f..%2fpackage.json',
      '/docs/api/_assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/docs/api/_assets/%2E%2E%5C%2E%2E%5Cpackage.json',
      '/docs/api/_assets/%252e%252e%252fpackage.json',
      '/docs/api/_assets/..%00/package.json',
      '/docs/api/_assets/swagger-ui-bundle.js',
      '/docs/api/_assets/swagger-ui-bundle.js.map',
      '/docs/api/_assets/index.html',
      '/docs/api/_assets/swagger-initializer.js',
      '/docs/api/_assets/package.json',
      `/docs/api/_assets/${bundle}/../../package.json`,
      `/docs/api/_assets/${bundle}%2f..%2f..%2fpackage.json`,
      '/docs/api/_assets/',
    ];
    for (const path of attempts) {
      const res = await rawGet(port, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain('"name"');
      expect(res.body, path).not.toContain('swagger-ui-dist');
    }
    expect((await rawGet(port, `/docs/api/_assets/${bundle}`)).status).toBe(200);
  });
});

describe('OpenAPI doc site: a file that is missing or broken', () => {
  const dir = tempDir('sz-openapi-');
  const file = join(dir.path, 'openapi.yaml');
  let app: FastifyInstance;

  beforeAll(async () => {
    copyFileSync(FIXTURE, file);
    app = await appWith({ '/docs/api': { title: 'Widget API', spec: { file } } });
  });
  afterAll(async () => {
    await app.close();
    dir.cleanup();
  });

  const noStack = (body: string) => {
    expect(body).not.toMatch(/\n\s+at /);
    expect(body).not.toMatch(/\.ts:\d+/);
    expect(body).not.toContain('YAMLParseError');
  };

  it('answers 503 with the file and the line of the parse error, and serves the file again once fixed', async () => {
    expect((await app.inject('/docs/api/openapi.json')).statusCode).toBe(200);
    const good = readFileSync(FIXTURE, 'utf8');
    // A key given twice (line 36 repeats line 35's): an error in YAML, pointed at the repeat.
    const broken = good.replace('      summary: Create a widget\n', '      summary: Create a widget\n      summary: Create it twice\n');
    rewrite(file, broken, 10);

    const page = await app.inject('/docs/api/');
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain(`<code>${file}</code>`);
    expect(page.body).toContain('at line 36, column 7: not valid YAML: Map keys must be unique.');
    expect(page.body).toContain('<pre>      summary: Create a widget\n      summary: Create it twice\n      ^</pre>');
    expect(page.body).toContain('not valid YAML');
    expect(page.body).not.toContain('swagger-ui-bundle');
    noStack(page.body);

    const json = await app.inject('/docs/api/openapi.json');
    expect(json.statusCode).toBe(503);
    const body = json.json() as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('openapi_unavailable');
    expect(body.error.message).toContain(file);
    expect(body.error.message).toBe(`The OpenAPI file ${file} cannot be served (line 36, column 7): not valid YAML: Map keys must be unique.`);
    noStack(json.body);

    rewrite(file, good.replace('Widget Store', 'Widget Store, edited'), 20);
    const fixed = await app.inject('/docs/api/openapi.json');
    expect(fixed.statusCode).toBe(200);
    expect((fixed.json() as { info: { title: string } }).info.title).toBe('Widget Store, edited');
    expect((await app.inject('/docs/api/')).statusCode).toBe(200);
  });

  it('says so when the file does not exist, or is YAML but not an OpenAPI document', async () => {
    rmSync(file);
    const page = await app.inject('/docs/api/');
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('the file does not exist');
    noStack(page.body);
    const json = await app.inject('/docs/api/openapi.json');
    expect(json.statusCode).toBe(503);
    expect((json.json() as { error: { message: string } }).error.message).toContain('does not exist');

    rewrite(file, '- just\n- a list\n', 30);
    expect((await app.inject('/docs/api/openapi.json')).json()).toEqual({
      error: { code: 'openapi_unavailable', message: `The OpenAPI file ${file} cannot be served: this is not an OpenAPI document (expected a mapping at the top level).` },
    });
  });

  it('reads JSON files, tab-indented ones too', async () => {
    rewrite(file, JSON.stringify(ownApiDoc, null, '\t'), 40);
    const res = await app.inject('/docs/api/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(ownApiDoc);
  });
});

describe.runIf(browserAvailable)('OpenAPI doc site in Chromium', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await appWith({
      '/docs/api': { title: 'Widget <script>window.__pwned = 1</script> API', spec: { file: FIXTURE }, backHref: '/docs/' },
      '/docs/own': { title: 'Own API', spec: { url: '/api/v1/openapi.json' } },
    }, ['/docs/api']);
    // Not 127.0.0.1, which Swagger UI treats as local (it skips its validator badge for such
    // documents): no outside request may be made even for a document that looks public.
    await app.listen({ host: '127.0.0.2', port: 0 });
    const { port } = app.server.address() as { port: number };
    base = `http://127.0.0.2:${port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Open a page, recording every request it makes and every error it reports. */
  async function open(path: string): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    const problems = watchForErrors(page);
    await page.goto(`${base}${path}`);
    return { page, requests, problems };
  }

  /** Requests to anything but a loopback address (data: and blob: URLs stay in the page). */
  function offsite(requests: string[]): string[] {
    return requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'data:' || protocol === 'blob:') return false;
      return !/^127\.\d+\.\d+\.\d+$/.test(hostname);
    });
  }

  it('renders the operations of the YAML file, under a strict CSP, with no request leaving the machine', async () => {
    const { page, requests, problems } = await open('/docs/api');
    expect(new URL(page.url()).pathname).toBe('/docs/api/');
    await page.getByText('List every scheduled widget').waitFor();
    await expect(page.locator('.opblock-summary-path').allTextContents()).resolves.toEqual(expect.arrayContaining(['/widgets', '/widgets/{id}']));
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Widget Store');

    // The title is text, not markup: no script of it ran.
    await expect(page.locator('header.oas-bar h1').textContent()).resolves.toBe('Widget <script>window.__pwned = 1</script> API');
    await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(page.title()).resolves.toBe('Widget <script>window.__pwned = 1</script> API');
    await expect(page.locator('a.oas-back').getAttribute('href')).resolves.toBe('/docs/');

    // Deep links on, "Try it out" off until asked for.
    await page.getByText('List every scheduled widget').click();
    await page.locator('button.try-out__btn').waitFor();
    await expect(page.locator('button.try-out__btn').textContent()).resolves.toContain('Try it out');
    expect(await page.locator('button.execute').count()).toBe(0);
    await page.waitForFunction(() => location.hash === '#/widgets/listWidgets');

    await page.waitForLoadState('networkidle');
    expect(requests.some((url) => url.endsWith('/docs/api/openapi.json'))).toBe(true);
    expect(offsite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  // Served without a CSP, so that a request to another host would be made and seen here.
  it('renders a document given by URL (the server’s own JSON)', async () => {
    const { page, requests, problems } = await open('/docs/own/');
    await page.getByText('List the jobs of this server').waitFor();
    await page.waitForLoadState('networkidle');
    expect(requests).toContain(`${base}/api/v1/openapi.json`);
    expect(offsite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
