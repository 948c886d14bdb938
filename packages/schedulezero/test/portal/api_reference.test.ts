import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';
import { portalClient } from './portal-client.js';

/** The <article> of one operation, found by its method and path. */
function operation(page: string, method: string, path: string): string {
  const heading = `<span class="apr-method apr-m-${method.toLowerCase()}">${method}</span> <code class="apr-path">`;
  const article = page.split('<article').find((part) => part.includes(heading) && part.replace(/<[^>]+>/g, '').includes(`${method} ${path}`));
  if (article === undefined) throw new Error(`no operation ${method} ${path} on the page`);
  return article.slice(0, article.indexOf('</article>'));
}

const text = (markup: string) => markup.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

/** A third-party document with hostile text in every place the page shows text. */
const hostileSpec = `
openapi: 3.0.3
info:
  title: "Pets <script>alert('title')</script>"
  version: "1.2.3"
  description: |
    The **pet** store. <img src=x onerror="alert('desc')">

    [click me](javascript:alert('link')) and [docs](https://example.com/docs)
  license:
    name: MIT
    url: "javascript:alert('license')"
tags:
  - name: pets
    description: Everything about <b>pets</b>
paths:
  /pets/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        description: "The pet's id <svg onload=alert(1)>"
        schema: { type: string, pattern: "^[a-z]+$" }
    get:
      tags: [pets]
      summary: "Find a pet <iframe src=evil>"
      operationId: getPet
      parameters:
        - name: "x-trace<b>"
          in: header
          schema: { type: integer, minimum: 1, maximum: 10 }
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        "404":
          description: No such pet
  /pets:
    post:
      tags: [pets]
      summary: Add a pet
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Pet" }
      responses:
        "201": { description: Created }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
  schemas:
    Pet:
      type: object
      required: [name]
      description: "A pet. </pre><script>alert('schema')</script>"
      properties:
        name: { type: string, maxLength: 50, description: "Its name, e.g. \`Rex\`" }
        tags: { type: array, items: { type: string } }
        owner:
          type: object
          properties:
            email: { type: string, format: email, example: "<a@b.c>" }
security:
  - key: []
`;

describe('api_reference', () => {
  let server: RunningServer;
  let folder: ReturnType<typeof tempDir>;
  let portal: ReturnType<typeof portalClient>;

  beforeAll(async () => {
    folder = tempDir('sz-apiref-');
    writeFileSync(join(folder.path, 'pets.yaml'), hostileSpec);
    writeFileSync(
      join(folder.path, 'portal_config.yaml'),
      `microsites:
  - sz_dash
  - id: api_docs
    microsite_type: openapi
    path: /reference
  - id: pets_api
    name: Pets API
    microsite_type: openapi
    path: /pets-api
    options:
      spec: ./pets.yaml
`,
    );
    server = await startTestServer({ portal_config: join(folder.path, 'portal_config.yaml') });
    portal = portalClient(server.url);
  });
  afterAll(async () => {
    await server.close();
    folder.cleanup();
  });

  it("renders the server's own API: operations by tag with summaries, parameters and responses", async () => {
    const res = await portal.get('/reference');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<!doctype');
    expect(res.text).toMatch(/<h1>ScheduleZero API <span class="sz-badge apr-version">v[\d.]+<\/span><\/h1>/);
    expect(text(res.text)).toContain('OpenAPI 3.1.0');

    const list = operation(res.text, 'GET', '/api/v1/schedules');
    expect(list).toContain('<p class="apr-summary">List schedules');
    expect(list).toContain('<h4>Parameters</h4>');
    expect(list).toMatch(/<code class="apr-field">handler<\/code><\/th>\s*<td>query<\/td>/);
    expect(list).toContain('🔒 bearer');
    expect(list).toMatch(/<span class="sz-badge sz-badge-ok">200<\/span> <span class="apr-reason">OK<\/span>/);

    const create = operation(res.text, 'POST', '/api/v1/schedules');
    expect(create).toContain('Create a schedule');
    expect(create).toMatch(/<h4>Request body <span class="apr-req">required<\/span><\/h4>/);
    // Fields of the body, nested ones by path, and trigger variants told apart by their type.
    expect(create).toMatch(/<code class="apr-field">handler<\/code> <span class="apr-req">required<\/span>/);
    expect(create).toContain('<code class="apr-field">retry.max_attempts</code>');
    expect(create).toContain('<code class="apr-field">trigger.expression</code>');
    expect(create).toContain('when type = &quot;cron&quot;');
    expect(create).toContain('<summary>JSON Schema</summary>');

    const run = operation(res.text, 'GET', '/api/v1/runs/{id}');
    expect(run).toContain('<span class="apr-path-param">{id}</span>');
    expect(run).toContain('Get a run with its attempts');

    expect(operation(res.text, 'GET', '/api/v1/health')).toContain('>no auth<');

    // Table of contents: each tag and each operation, linked to its anchor on the page.
    const toc = res.text.slice(res.text.indexOf('<nav class="apr-toc"'), res.text.indexOf('</nav>', res.text.indexOf('<nav class="apr-toc"')));
    for (const tag of ['schedules', 'runs', 'handlers', 'worker protocol']) expect(toc).toContain(`>${tag}</a>`);
    const anchors = [...toc.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(anchors.length).toBeGreaterThan(20);
    for (const id of anchors) expect(res.text).toContain(`id="${id}"`);

    // The portal's pages are routes of the same server, but not part of its API.
    expect(res.text).not.toMatch(/class="apr-path">\/(dash|reference)/);

    expect(res.text).toContain('<a class="sz-btn" href="/reference/openapi.json" download="openapi.json" hx-boost="false">');
    expect(res.text).toContain(`<code>${server.url}</code>`); // base URL of the server's own API
  });

  it('serves the raw document as JSON', async () => {
    const res = await fetch(`${server.url}/reference/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { summary?: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/schedules']!.get!.summary).toBe('List schedules');
    const api = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as unknown;
    expect(doc).toEqual(api);
    // This microsite's own routes stay out of the document.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/reference'))).toEqual([]);
  });

  it('answers htmx requests with a fragment', async () => {
    const res = await portal.get('/reference', { htmx: true });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<!doctype');
    expect(res.text).toContain('<title>ScheduleZero API');
    expect(res.text).toContain('api-reference.css');
  });

  it('renders an OpenAPI file from options.spec, escaping everything it says', async () => {
    const res = await portal.get('/pets-api');
    expect(res.status).toBe(200);
    const page = res.text;
    // Nothing from the document becomes markup.
    for (const bad of ['<script>alert', '<img src=x', '<svg onload', '<iframe', 'href="javascript', "<b>pets</b>", '<b>"', '</pre><script>', '<a@b.c>']) {
      expect(page).not.toContain(bad);
    }
    expect(page).toContain('Pets &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=&quot;alert(');
    expect(page).toContain('Everything about &lt;b&gt;pets&lt;/b&gt;');
    expect(page).toContain('Find a pet &lt;iframe src=evil&gt;');
    expect(page).toContain('<code class="apr-field">x-trace&lt;b&gt;</code>');
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;alert(&#39;schema&#39;)&lt;/script&gt;');
    // Markdown still works: emphasis, code, and a safe link (the javascript: one stays text).
    expect(page).toContain('<strong>pet</strong>');
    expect(page).toContain('<a href="https://example.com/docs">docs</a>');
    expect(page).toContain('<code>Rex</code>');
    expect(page).toMatch(/<dt>License<\/dt><dd>MIT<\/dd>/);

    const get = operation(page, 'GET', '/pets/{petId}');
    expect(get).toMatch(/<code class="apr-field">petId<\/code> <span class="apr-req">required<\/span><\/th>\s*<td>path<\/td>/); // from the path item
    expect(get).toContain('pattern <code>^[a-z]+$</code>');
    expect(get).toContain('1–10');
    expect(get).toContain('<a href="#schema-pet">Pet</a>');
    expect(get).toContain('<code class="apr-field">owner.email</code>');
    expect(get).toContain('🔒 key');
    expect(operation(page, 'POST', '/pets')).toContain('>no auth<');
    expect(page).toContain('id="schema-pet"');
    expect(text(page)).toContain('API key in the header &quot;X-API-Key&quot;');

    const raw = await fetch(`${server.url}/pets-api/openapi.json`);
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { info: { version: string } }).info.version).toBe('1.2.3');
  });
});

describe('api_reference with a bad file', () => {
  it('refuses to start when options.spec does not exist, naming the config entry', async () => {
    const folder = tempDir('sz-apiref-');
    try {
      const config = join(folder.path, 'portal_config.yaml');
      writeFileSync(config, 'microsites:\n  - id: api_docs\n    microsite_type: openapi\n    options:\n      spec: ./missing.yaml\n');
      await expect(startTestServer({ portal_config: config })).rejects.toThrow(/portal_config\.yaml:2:\d+: microsite "api_docs": .*missing\.yaml: does not exist/);
    } finally {
      folder.cleanup();
    }
  });

  it('shows a clear error page (no stack) when the file turns invalid later', async () => {
    const folder = tempDir('sz-apiref-');
    const spec = join(folder.path, 'api.json');
    writeFileSync(spec, JSON.stringify({ openapi: '3.0.0', info: { title: 'Tiny', version: '1' }, paths: {} }));
    const config = join(folder.path, 'portal_config.yaml');
    writeFileSync(config, 'microsites:\n  - id: api_docs\n    microsite_type: openapi\n    path: /tiny\n    options:\n      spec: ./api.json\n');
    const server = await startTestServer({ portal_config: config });
    try {
      const portal = portalClient(server.url);
      const ok = await portal.get('/tiny');
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('This document describes no paths.');

      writeFileSync(spec, '{"openapi": "3.0.0", "paths": {');
      const bad = await portal.get('/tiny');
      expect(bad.status).toBe(500);
      expect(bad.text).toContain('The API reference cannot be shown: api.json is not valid JSON or YAML');
      expect(bad.text).not.toContain(folder.path);
      expect(bad.text).not.toMatch(/at \w+ \(/);
    } finally {
      await server.close();
      folder.cleanup();
    }
  });
});
