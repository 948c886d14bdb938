import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/api/auth.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';
import { portalClient } from './portal-client.js';

/** A folder with a portal_config.yaml and whatever files a test needs beside it. */
function portalFolder(files: Record<string, string>): { dir: string; config: string; cleanup(): void } {
  const t = tempDir('sz-portal-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(t.path, name, '..'), { recursive: true });
    writeFileSync(join(t.path, name), text);
  }
  return { dir: t.path, config: join(t.path, 'portal_config.yaml'), cleanup: t.cleanup };
}

const customMicrosite = `
export default {
  id: 'log_dashboard',
  name: 'Logs (from code)',
  assets: './public',
  routes(app, ctx) {
    // Encapsulation: this hook and decorator must not reach other microsites.
    app.addHook('onRequest', async (request, reply) => { reply.header('x-log-dashboard', 'yes'); });
    app.decorate('logDashboardOnly', true);
    app.get('/', async (request, reply) => ctx.page(request, reply, {
      title: 'Logs',
      head: ctx.html\`<link rel="stylesheet" href="\${ctx.asset('logs.css')}">\`,
      body: ctx.html\`<h1>Log lines</h1><p id="q">\${request.query.q ?? ''}</p><p id="decorated">\${String(app.hasDecorator('logDashboardOnly'))}</p>\`,
    }));
    app.get('/form', async (request, reply) => ctx.page(request, reply, { title: 'Form', body: ctx.html\`<form method="post" action="\${ctx.url('/echo')}">\${ctx.csrfField(reply)}<input name="text"></form>\` }));
    app.post('/echo', async (request, reply) => ctx.fragment(reply, ctx.html\`<p id="echo">\${request.body.text}</p>\`));
    app.get('/boom', async () => { throw new Error('secret internal detail'); });
    app.get('/missing-schedule', async () => ctx.api.schedules.get('does-not-exist'));
  },
};
`;

describe('portal framework', () => {
  let server: RunningServer;
  let folder: ReturnType<typeof portalFolder>;

  beforeAll(async () => {
    folder = portalFolder({
      'portal_config.yaml': `
portal:
  name: "LogStream <Analytics>"
  version: "2.1.0"
branding:
  primary_color: "#2E7D32"
  company_name: "LogStream & Co"
  logo: ./brand/logo.svg
microsites:
  - sz_dash
  - id: sz_schedules
    nav_order: 15
  - id: sz_handlers
    enabled: false
  - id: log_dashboard
    name: Logs
    icon: "🧾"
    source: ./microsites/log-dashboard
    path: /logs
  - id: status
    name: Status
    microsite_type: external
    path: https://status.example.test/
`,
      'brand/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'microsites/log-dashboard/index.js': customMicrosite,
      'microsites/log-dashboard/public/logs.css': '.logs { color: red; }',
    });
    server = await startTestServer({ portal_config: folder.config });
  });
  afterAll(async () => {
    await server.close();
    folder.cleanup();
  });

  it('sends / to the first microsite and lists the enabled ones in nav_order', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dash');

    const page = await portalClient(server.url).get('/dash');
    expect(page.status).toBe(200);
    const nav = /<nav id="sz-nav"[\s\S]*?<\/nav>/.exec(page.text)![0];
    const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(['/dash', '/schedules', '/logs', 'https://status.example.test/']);
    expect(nav).toContain('<a href="/dash" aria-current="page"');
    expect(nav).toContain('🧾');
    expect(nav).not.toContain('/handlers');
  });

  it('marks external links and opens them in a new tab without a route', async () => {
    const page = await portalClient(server.url).get('/dash');
    expect(page.text).toMatch(/<a href="https:\/\/status\.example\.test\/"[^>]*target="_blank" rel="noopener noreferrer" hx-boost="false"/);
    expect((await fetch(`${server.url}/status`)).status).toBe(404);
  });

  it('answers a disabled microsite with 404 and leaves it out of the nav', async () => {
    const res = await fetch(`${server.url}/handlers`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('There is no page at /handlers.');
    expect(text).not.toContain('href="/handlers"');
  });

  it('mounts a custom microsite from a folder: page, static asset, encapsulated hooks', async () => {
    const c = portalClient(server.url);
    const page = await c.get('/logs/?q=<b>bold</b>');
    expect(page.status).toBe(200);
    expect(page.headers.get('x-log-dashboard')).toBe('yes');
    expect(page.text).toContain('<h1>Log lines</h1>');
    expect(page.text).toContain('<p id="q">&lt;b&gt;bold&lt;/b&gt;</p>');
    expect(page.text).toContain('<p id="decorated">true</p>');
    expect(page.text).toContain('<a href="/logs" aria-current="page"');
    const css = /href="(\/logs\/static\/logs\.css\?v=[^"]+)"/.exec(page.text)![1]!;
    const asset = await fetch(`${server.url}${css}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/text\/css/);
    expect(await asset.text()).toContain('.logs');

    // The other microsites see neither the hook nor the decorator.
    const dash = await c.get('/dash');
    expect(dash.headers.get('x-log-dashboard')).toBeNull();
  });

  it('returns the fragment to htmx and the whole page otherwise, always with Vary: HX-Request', async () => {
    const c = portalClient(server.url);
    const full = await c.get('/logs/');
    expect(full.headers.get('vary')).toMatch(/HX-Request/i);
    expect(full.text).toMatch(/^<!doctype html>/);
    const fragment = await c.get('/logs/', { htmx: true });
    expect(fragment.headers.get('vary')).toMatch(/HX-Request/i);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('<h1>Log lines</h1>');
    expect(fragment.text).toContain('<title>Logs · LogStream &lt;Analytics&gt;</title>');
    expect(fragment.text).toContain('hx-swap-oob="true"');
    // History restore needs the whole page even though htmx asks.
    const restore = await c.get('/logs/', { htmx: true, headers: { 'hx-history-restore-request': 'true' } });
    expect(restore.text).toMatch(/^<!doctype html>/);
  });

  it('applies the branding: colour as a CSS variable, company, escaped portal name, local logo', async () => {
    const page = await portalClient(server.url).get('/dash');
    expect(page.text).toContain('<style>:root{--sz-brand:#2E7D32;}</style>');
    expect(page.text).toContain('LogStream &amp; Co');
    expect(page.text).toContain('<span>LogStream &lt;Analytics&gt;</span>');
    expect(page.text).toContain('LogStream &lt;Analytics&gt; 2.1.0');
    const logo = /<img src="([^"]+)" alt="" class="sz-logo">/.exec(page.text)![1]!;
    const res = await fetch(`${server.url}${logo}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('serves htmx 2.x and its SSE extension locally, cached by content hash', async () => {
    const page = await portalClient(server.url).get('/dash');
    const htmx = /<script src="(\/_sz\/static\/htmx\.min\.js\?v=[0-9a-f]+)"/.exec(page.text)![1]!;
    const res = await fetch(`${server.url}${htmx}`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toMatch(/version:\s*"2\.\d+\.\d+"/);
    expect(page.text).toMatch(/<script src="\/_sz\/static\/htmx-ext-sse\.js\?v=/);
    expect(page.text).not.toMatch(/https?:\/\/(unpkg|cdn|jsdelivr)/);
    const unversioned = await fetch(`${server.url}/_sz/static/portal.css`);
    expect(unversioned.headers.get('cache-control')).toBe('no-cache');
  });

  it('refuses a state-changing request without the CSRF token, accepts it by header or form field', async () => {
    const c = portalClient(server.url);
    await c.get('/logs/');
    const none = await c.post('/logs/echo', { text: 'x' }, { csrf: 'none' });
    expect(none.status).toBe(403);
    expect(none.text).toContain('did not come from this portal');
    expect(none.text).not.toMatch(/at \w+ \(/);
    const header = await c.post('/logs/echo', { text: '<i>hi</i>' }, { csrf: 'header' });
    expect(header.status).toBe(200);
    expect(header.text).toBe('<p id="echo">&lt;i&gt;hi&lt;/i&gt;</p>');
    const field = await c.post('/logs/echo', { text: 'field' }, { csrf: 'field' });
    expect(field.status).toBe(200);
    // A token from another browser (another secret cookie) does not pass.
    const other = portalClient(server.url);
    await other.get('/logs/');
    const foreign = await fetch(`${server.url}/logs/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': other.csrf!, cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: 'text=x',
    });
    expect(foreign.status).toBe(403);
  });

  it('accepts a form posted from the very first page a browser loads (one CSRF secret per response)', async () => {
    // A fresh client: no cookie yet. The page's form field and the layout's meta tag must agree.
    const c = portalClient(server.url);
    const page = await c.get('/logs/form');
    expect(page.headers.getSetCookie().filter((h) => h.startsWith('_csrf='))).toHaveLength(1);
    const field = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1]!;
    const res = await c.post('/logs/echo', { text: 'first', _csrf: field }, { csrf: 'none' });
    expect(res.status).toBe(200);
  });

  it('shows errors as pages without stack traces; API errors stay JSON', async () => {
    const boom = await portalClient(server.url).get('/logs/boom');
    expect(boom.status).toBe(500);
    expect(boom.text).toContain('Something went wrong');
    expect(boom.text).not.toContain('secret internal detail');
    const missing = await portalClient(server.url).get('/logs/missing-schedule');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('schedule &quot;does-not-exist&quot; does not exist');
    const api = await fetch(`${server.url}/api/v1/nothing`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('portal sign-in', () => {
  const token = generateToken();
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ api_token_hashes: [hashToken(token)] });
  });
  afterAll(() => server.close());

  it('sends a visitor without a session to the login page, and back after signing in', async () => {
    const c = portalClient(server.url);
    const first = await c.request('GET', '/schedules?x=1', { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login?next=%2Fschedules%3Fx%3D1');
    const login = await c.get('/login?next=%2Fschedules%3Fx%3D1');
    expect(login.text).toContain('<label for="token">API token</label>');
    expect(login.text).toContain('name="next" value="/schedules?x=1"');

    const wrong = await c.post('/login', { token: 'sz_wrong', next: '/schedules?x=1' }, { csrf: 'field' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That token is not valid');

    const right = await c.post('/login', { token, next: '/schedules?x=1' }, { csrf: 'field', redirect: 'manual' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/schedules?x=1');
    const session = right.headers.getSetCookie().find((h) => h.startsWith('sz_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).not.toContain(token);
    expect((await c.get('/dash')).status).toBe(200);

    // The session cookie is not an API credential.
    const api = await fetch(`${server.url}/api/v1/schedules`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(api.status).toBe(401);

    await c.get('/dash');
    const out = await c.post('/logout', {}, { csrf: 'field', redirect: 'manual' });
    expect(out.status).toBe(303);
    expect((await c.request('GET', '/dash', { redirect: 'manual' })).status).toBe(303);
  });

  it('refuses open redirects after sign-in and lets scripts read pages with a bearer token', async () => {
    const c = portalClient(server.url);
    await c.get('/login');
    const res = await c.post('/login', { token, next: '//evil.example.test/' }, { csrf: 'field', redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/');
    const bearer = await fetch(`${server.url}/dash`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
  });

  it('tells htmx to go to the login page instead of swapping it in', async () => {
    const res = await fetch(`${server.url}/dash`, { headers: { 'hx-request': 'true' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('hx-redirect')).toBe('/login?next=%2Fdash');
  });

  it('ends the sessions of a revoked database token', async () => {
    const dbToken = generateToken();
    await server.store.insertToken({ id: 'tok-portal', name: 'portal', token_hash: hashToken(dbToken), created_at: Date.now(), last_used_at: null });
    const c = portalClient(server.url);
    await c.get('/login');
    expect((await c.post('/login', { token: dbToken }, { csrf: 'field' })).status).toBe(200);
    expect((await c.request('GET', '/dash', { redirect: 'manual' })).status).toBe(200);
    await server.store.deleteToken('tok-portal');
    expect((await c.request('GET', '/dash', { redirect: 'manual' })).status).toBe(303);
  });
});

describe('microsite loading problems', () => {
  const folders: { cleanup(): void }[] = [];
  afterEach(() => folders.splice(0).forEach((f) => f.cleanup()));

  it('names the config entry when a microsite module has no definition', async () => {
    const f = portalFolder({ 'portal_config.yaml': 'microsites:\n  - sz_dash\n  - id: bad\n    source: ./bad\n', 'bad/index.js': 'export const nothing = 1;\n' });
    folders.push(f);
    await expect(startTestServer({ portal_config: f.config })).rejects.toThrow(/portal_config\.yaml:3:9: microsite "bad": .*must default-export a microsite definition/);
  });

  it('loads a microsite by package name from node_modules beside the config', async () => {
    const f = portalFolder({
      'portal_config.yaml': 'microsites:\n  - id: pkg_site\n    source: "@acme/pkg-site"\n',
      'node_modules/@acme/pkg-site/package.json': JSON.stringify({ name: '@acme/pkg-site', type: 'module', exports: { '.': { import: './lib/main.js' } } }),
      'node_modules/@acme/pkg-site/lib/main.js': "export default { id: 'pkg_site', routes(app, ctx) { app.get('/', (q, r) => ctx.page(q, r, { title: 'Pkg', body: ctx.html`<h1>from a package</h1>` })); } };\n",
    });
    folders.push(f);
    const server = await startTestServer({ portal_config: f.config });
    try {
      const page = await portalClient(server.url).get('/pkg_site/');
      expect(page.text).toContain('<h1>from a package</h1>');
    } finally {
      await server.close();
    }
  });

  it('renders an OpenAPI file given as the source of an openapi microsite', async () => {
    const f = portalFolder({
      'portal_config.yaml': 'microsites:\n  - id: partner_api\n    microsite_type: openapi\n    source: ./partner.yaml\n    path: /partner-api\n',
      'partner.yaml': 'openapi: 3.0.3\ninfo: {title: Partner API, version: "7.1"}\npaths:\n  /orders:\n    get: {summary: List the partner orders, responses: {"200": {description: ok}}}\n',
    });
    folders.push(f);
    const server = await startTestServer({ portal_config: f.config });
    try {
      const page = await portalClient(server.url).get('/partner-api/');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Partner API');
      expect(page.text).toContain('List the partner orders');
      // Portal pages stay out of the server's own OpenAPI document.
      const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('leads a microsite of microsite_type mkdocs to its site in the docs microsite', async () => {
    const f = portalFolder({
      'portal_config.yaml': 'microsites:\n  - sz_docs\n  - id: handbook\n    name: Handbook\n    microsite_type: mkdocs\n    docs_source: ./handbook\n',
      'handbook/mkdocs.yml': 'site_name: Handbook\ndocs_dir: .\n',
      'handbook/index.md': '# Handbook\n\nOn-call rules.\n',
    });
    folders.push(f);
    const server = await startTestServer({ portal_config: f.config });
    try {
      const c = portalClient(server.url);
      const nav = await c.get('/docs/_sites/');
      expect(nav.text).toMatch(/<a href="\/handbook"[^>]*>.*Handbook/);
      const page = await c.get('/handbook');
      expect(page.status).toBe(200);
      expect(page.text).toContain('On-call rules.');
    } finally {
      await server.close();
    }
  });

  it('stops start-up on an invalid config with its location', async () => {
    const f = portalFolder({ 'portal_config.yaml': 'branding:\n  primary_color: blue\n' });
    folders.push(f);
    await expect(startTestServer({ portal_config: f.config })).rejects.toThrow(/portal_config\.yaml:2:18: branding\.primary_color/);
  });
});

describe('schedulezero portal check', () => {
  const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const folders: { cleanup(): void }[] = [];
  afterEach(() => folders.splice(0).forEach((f) => f.cleanup()));

  it('validates a good file and lists its microsites; warnings go to stderr', async () => {
    const f = portalFolder({ 'portal_config.yaml': 'microsites:\n  - sz_dash\n  - id: logs\n    source: ./logs\n    colour: red\n', 'logs/index.js': "export default { id: 'logs' };\n" });
    folders.push(f);
    const res = await run(['portal', 'check', f.config]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('valid');
    expect(res.stdout).toMatch(/logs\s+logs\s+htmx\s+\/logs/);
    expect(res.stderr).toMatch(/warning: .*portal_config\.yaml:5:5: microsites\[1\]\.colour: unknown key/);
  });

  it('fails with exit code 2 and the location on a bad file or a broken microsite', async () => {
    const f = portalFolder({ 'portal_config.yaml': 'microsites:\n  - id: logs\n    source: ./logs\n', 'logs/index.js': 'throw new Error("broken on import");\n' });
    folders.push(f);
    const res = await run(['portal', 'check', f.config]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/portal_config\.yaml:2:9: microsite "logs": cannot load .*broken on import/);
  });

  it('prints the JSON Schema', async () => {
    const res = await run(['portal', 'schema']);
    expect(JSON.parse(res.stdout).properties.microsites.type).toBe('array');
  });
});
