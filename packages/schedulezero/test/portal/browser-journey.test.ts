/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, waitFor } from '../helpers.js';
import { browserAvailable, launchBrowser, VIEWPORTS, watchForErrors } from './browser.js';

/** A user's day in the default portal: create a schedule in the form, watch it run live, pause it, delete it. */
describe.runIf(browserAvailable)('portal journey in Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  const seen: unknown[] = [];

  beforeAll(async () => {
    server = await startTestServer(
      {},
      {
        beforeStart: (engine) =>
          engine.registerLocalHandler('demo', {
            // Long enough to be seen in "Running now".
            slow: async (params) => {
              seen.push(params);
              await new Promise((r) => setTimeout(r, 1500));
              return { done: true };
            },
          }),
      },
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a schedule through the form, watches it run on the live dashboard, pauses and deletes it', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    const problems = watchForErrors(page);
    await page.goto(`${server.url}/schedules/new`);

    await page.getByLabel('Name').fill('Journey job');
    await page.getByLabel('ID').fill('journey');
    await page.getByLabel('Handler').fill('demo');
    await page.getByLabel('Method').fill('slow');
    await page.getByLabel('Parameters').fill('{"who": "browser"}');
    await page.getByLabel('Cron expression').fill('*/3 * * * * *');
    // Live validation: the readable description and the next fire times, before saving.
    await page.locator('.szs-preview', { hasText: 'Every 3 seconds' }).waitFor();
    expect(await page.locator('.szs-preview').textContent()).toMatch(/UTC/);
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL((url) => url.pathname === '/schedules/journey');
    await page.locator('.sz-flash', { hasText: 'Schedule created' }).waitFor();
    await page.getByRole('heading', { name: 'Journey job' }).waitFor();
    expect((await server.engine.getSchedule('journey')).params).toEqual({ who: 'browser' });

    // The dashboard, without reloading: the run appears in "Running now" through server-sent events.
    await page.locator('#sz-nav a', { hasText: 'Dashboard' }).click();
    await page.waitForURL(`${server.url}/dash`);
    await page.evaluate(() => ((window as unknown as { szMarker: number }).szMarker = 42));
    await page.locator('#sz-main', { hasText: 'Running now' }).waitFor();
    await page.locator('#sz-main [sse-swap]', { hasText: 'Journey job' }).first().waitFor({ timeout: 10_000 });
    await waitFor(() => seen.length > 0, 10_000);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#sz-main [sse-swap]')].some((el) => /Running now/.test(el.textContent ?? '') && /Journey job/.test(el.textContent ?? '')),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { szMarker?: number }).szMarker)).toBe(42);

    // Pause it from its page.
    await page.goto(`${server.url}/schedules/journey`);
    await page.getByRole('button', { name: 'Pause' }).first().click();
    await page.locator('.sz-badge', { hasText: 'Paused' }).first().waitFor();
    expect((await server.engine.getSchedule('journey')).paused).toBe(true);

    // Delete it, confirming the question.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('link', { name: 'Delete' }).or(page.getByRole('button', { name: 'Delete' })).first().click();
    await page.waitForURL((url) => url.pathname === '/schedules' || url.pathname === '/schedules/');
    await expect(server.engine.getSchedule('journey')).rejects.toThrow(/does not exist/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('can be used from the keyboard: skip link first, then the navigation in order', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(`${server.url}/schedules`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const names: string[] = [];
    for (let i = 0; i < 8 && names.length < 4; i++) {
      await page.keyboard.press('Tab');
      const text = await page.evaluate(() => (document.activeElement?.closest('#sz-nav') ? (document.activeElement.querySelector('.sz-nav-name')?.textContent ?? '') : ''));
      if (text) names.push(text.trim());
    }
    expect(names).toEqual(['Dashboard', 'Schedules', 'Handlers', 'Docs']);
    // The skip link moves focus to the page's content.
    await page.goto(`${server.url}/schedules`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sz-main');
    await page.close();
  });
});
