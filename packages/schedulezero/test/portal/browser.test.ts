/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir, waitFor } from '../helpers.js';
import { browserAvailable, launchBrowser, screenshot, VIEWPORTS, watchForErrors } from './browser.js';

/**
 * The portal in a real browser (Debian's Chromium through playwright-core): what a user does,
 * with htmx and server-sent events really running.
 */
describe.runIf(browserAvailable)('portal in Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  const dir = tempDir('sz-browser-');
  const calls: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(dir.path, 'microsites', 'hello', 'public'), { recursive: true });
    writeFileSync(
      join(dir.path, 'microsites', 'hello', 'index.js'),
      `export default {
        id: 'hello',
        name: 'Hello',
        icon: '👋',
        assets: './public',
        routes(app, ctx) {
          app.get('/', (request, reply) => ctx.page(request, reply, {
            title: 'Hello',
            head: ctx.html\`<link rel="stylesheet" href="\${ctx.asset('hello.css')}">\`,
            body: ctx.html\`<h1 class="hello-title">Hello from a custom microsite</h1>\`,
          }));
        },
      };\n`,
    );
    writeFileSync(join(dir.path, 'microsites', 'hello', 'public', 'hello.css'), '.hello-title { color: rgb(255, 0, 128); }\n');
    writeFileSync(
      join(dir.path, 'portal_config.yaml'),
      `portal:
  name: Browser Portal
branding:
  primary_color: "#2E7D32"
  company_name: Test Co
microsites:
  - sz_dash
  - sz_schedules
  - sz_handlers
  - sz_docs
  - id: hello
    source: ./microsites/hello
  - id: secret
    source: ./microsites/hello
    path: /secret
    enabled: false
`,
    );
    server = await startTestServer(
      { portal_config: join(dir.path, 'portal_config.yaml') },
      {
        beforeStart: (engine) =>
          engine.registerLocalHandler('demo', {
            hello: async (params) => {
              calls.push(JSON.stringify(params));
              return { greeting: 'hello' };
            },
            fail: async () => {
              throw new Error('it broke');
            },
          }),
      },
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    dir.cleanup();
  });

  async function open(path: string, viewport: keyof typeof VIEWPORTS = 'desktop'): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: VIEWPORTS[viewport] });
    const problems = watchForErrors(page);
    await page.goto(`${server.url}${path}`);
    return { page, problems };
  }

  it('loads a custom microsite from a folder: in the nav, its page and its asset', async () => {
    const { page, problems } = await open('/dash');
    const link = page.locator('#sz-nav a', { hasText: 'Hello' });
    await expect(link.count()).resolves.toBe(1);
    await link.click();
    await page.waitForURL(`${server.url}/hello`);
    const title = page.locator('h1.hello-title');
    await title.waitFor();
    // The microsite's own stylesheet (from its assets folder) applies.
    expect(await title.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 0, 128)');
    expect(await page.locator('#sz-nav a[aria-current="page"]').textContent()).toContain('Hello');
    expect(await page.title()).toBe('Hello · Browser Portal');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('leaves a disabled microsite out of the nav and answers it with 404', async () => {
    const { page } = await open('/dash');
    expect(await page.locator('#sz-nav a[href="/secret"]').count()).toBe(0);
    const res = await page.goto(`${server.url}/secret`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').first().textContent()).toBe('Not found');
    await page.close();
  });

  it('applies the branding colour', async () => {
    const { page } = await open('/dash');
    const brand = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--sz-brand').trim());
    expect(brand).toBe('#2E7D32');
    expect(await page.locator('.sz-footer').textContent()).toContain('Test Co');
    await page.close();
  });

  it('renders a schedule named <img src=x onerror=alert(1)> as text', async () => {
    const name = '<img src=x onerror=alert(1)>';
    await server.engine.createSchedule({ id: 'xss', name, handler: 'demo', method: 'hello', trigger: { type: 'interval', hours: 1 } });
    for (const path of ['/schedules', '/schedules/xss', '/schedules/xss/edit']) {
      const { page, problems } = await open(path);
      let dialog = false;
      page.on('dialog', async (d) => {
        dialog = true;
        await d.dismiss();
      });
      await page.getByText(name).first().waitFor();
      expect(await page.locator('main img[src="x"]').count()).toBe(0);
      expect(dialog).toBe(false);
      expect(problems).toEqual([]);
      await page.close();
    }
    await server.engine.deleteSchedule('xss');
  });

  it('takes screenshots of each core page at desktop and phone widths', async () => {
    await server.engine.createSchedule({ id: 'shot-1', name: 'Nightly report', handler: 'demo', method: 'hello', trigger: { type: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' } });
    await server.engine.createSchedule({ id: 'shot-2', name: 'Every 10 seconds', handler: 'demo', method: 'hello', trigger: { type: 'cron', expression: '*/10 * * * * *' } });
    await server.engine.createSchedule({ id: 'shot-3', name: 'Flaky job', handler: 'demo', method: 'fail', trigger: { type: 'interval', minutes: 5 } });
    await server.engine.runScheduleNow('shot-1');
    await server.engine.runScheduleNow('shot-3');
    await waitFor(async () => (await server.engine.listRuns({ status: ['failed'], limit: 1 })).items.length > 0);
    for (const [name, path] of [
      ['dashboard', '/dash'],
      ['schedules', '/schedules'],
      ['schedule-detail', '/schedules/shot-1'],
      ['schedule-new', '/schedules/new'],
      ['handlers', '/handlers'],
      ['handler-detail', '/handlers/demo'],
      ['docs', '/docs'],
    ] as const) {
      for (const viewport of ['desktop', 'phone'] as const) {
        const { page, problems } = await open(path, viewport);
        await page.waitForLoadState('networkidle').catch(() => undefined);
        const file = await screenshot(page, `${name}-${viewport}`);
        expect(file).toMatch(/\.png$/);
        // Nothing wider than the screen on a phone.
        const { overflow, culprits } = await page.evaluate(() => ({
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          // The outermost elements sticking out, to say what to fix.
          culprits: [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`),
        }));
        expect(overflow, `${path} overflows a ${viewport} screen by ${overflow}px: ${culprits.join(', ')}`).toBeLessThanOrEqual(1);
        expect(problems, `${path} at ${viewport}`).toEqual([]);
        await page.close();
      }
    }
  });
});
