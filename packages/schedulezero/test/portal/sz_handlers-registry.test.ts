import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';
import { portalClient } from './portal-client.js';

describe('sz_handlers with a handler registry', () => {
  let server: RunningServer;
  const dir = tempDir('sz-handlers-registry-');
  beforeAll(async () => {
    const registry = join(dir.path, 'handler_registry.yaml');
    writeFileSync(
      registry,
      `handlers:
  - id: reports
    type: worker
    description: "Builds <b>reports</b>"
    methods:
      build:
        description: Build one report
        params_schema: {type: object, required: [report], properties: {report: {type: string}}}
`,
    );
    server = await startTestServer({ handler_registry: registry });
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it('shows a declared handler before any worker connects: type, description, method schema', async () => {
    const page = await portalClient(server.url).get('/handlers/reports');
    expect(page.status).toBe(200);
    expect(page.text).toContain('pull worker');
    expect(page.text).toContain('Builds &lt;b&gt;reports&lt;/b&gt;');
    expect(page.text).toContain('Build one report');
    expect(page.text).toMatch(/<summary>Params schema<\/summary><pre class="sz-pre">\{\n {2}&quot;type&quot;: &quot;object&quot;/);
  });

  it('still answers 404 for an unknown handler', async () => {
    const page = await portalClient(server.url).get('/handlers/ghost');
    expect(page.status).toBe(404);
    expect(page.text).toContain('There is no handler &quot;ghost&quot;');
  });
});
