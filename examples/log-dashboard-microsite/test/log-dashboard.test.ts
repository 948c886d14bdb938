import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../packages/schedulezero/src/server/server.js';
import { startTestServer, tempDir, waitFor } from '../../../packages/schedulezero/test/helpers.js';
import { portalClient } from '../../../packages/schedulezero/test/portal/portal-client.js';

const example = fileURLToPath(new URL('..', import.meta.url));

describe('example microsite: log dashboard (plain JavaScript, no build)', () => {
  let server: RunningServer;
  const dir = tempDir('sz-example-microsite-');

  beforeAll(async () => {
    const config = join(dir.path, 'portal_config.yaml');
    writeFileSync(config, `microsites:\n  - sz_dash\n  - id: log_dashboard\n    source: ${example}\n    path: /logs\n`);
    server = await startTestServer(
      { portal_config: config },
      {
        beforeStart: (engine) =>
          engine.registerLocalHandler('demo', {
            hello: async () => ({ greeting: 'hello <world>' }),
            fail: async () => {
              throw new Error('disk <full>');
            },
          }),
      },
    );
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it('appears in the navigation with the name and icon from its definition', async () => {
    const page = await portalClient(server.url).get('/dash');
    expect(page.text).toMatch(/<a href="\/logs"[^>]*><span class="sz-nav-icon" aria-hidden="true">🧾<\/span><span class="sz-nav-name">Logs<\/span>/);
  });

  it('starts a run through a CSRF-protected form and lists its outcome, escaped', async () => {
    const c = portalClient(server.url);
    await c.get('/logs/');
    const ok = await c.post('/logs/test-run', { handler: 'demo', method: 'hello' }, { csrf: 'field' });
    expect(ok.status).toBe(200);
    await c.post('/logs/test-run', { handler: 'demo', method: 'fail' }, { csrf: 'field' });
    const page = await waitFor(async () => {
      const p = await c.get('/logs/');
      return p.text.includes('disk &lt;full&gt;') && p.text.includes('hello &lt;world&gt;') ? p : null;
    });
    expect(page.text).toContain('<span class="sz-badge sz-badge-fail">error</span>');
    const errors = await c.get('/logs/?level=error');
    expect(errors.text).toContain('disk &lt;full&gt;');
    expect(errors.text).not.toContain('hello &lt;world&gt;');
  });

  it('refuses bad input from its form with a clear error, not a crash', async () => {
    const c = portalClient(server.url);
    await c.get('/logs/');
    const bad = await c.post('/logs/test-run', { handler: '', method: 'hello' }, { csrf: 'field' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('handler');
    expect(bad.text).not.toMatch(/at \w+ \(/);
  });

  it('serves its static assets under its path', async () => {
    const page = await portalClient(server.url).get('/logs/');
    const logo = /<img src="(\/logs\/static\/logo\.svg\?v=[^"]+)"/.exec(page.text)![1]!;
    const res = await fetch(`${server.url}${logo}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
  });
});
