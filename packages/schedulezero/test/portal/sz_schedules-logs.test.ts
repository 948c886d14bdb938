/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { openEventStream } from '../sse.js';
import { startTestServer, waitFor } from '../helpers.js';
import { browserAvailable, launchBrowser, watchForErrors } from './browser.js';
import { portalClient } from './portal-client.js';

const XSS = '<script>alert(1)</script>';
const XSS_TEXT = '&lt;script&gt;alert(1)&lt;/script&gt;';

let server: RunningServer;
let portal: ReturnType<typeof portalClient>;
const gates = new Map<string, () => void>();

beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      beforeStart: (engine) =>
        engine.registerLocalHandler('weblog', {
          xss: (_params, ctx) => {
            ctx.log('plain line');
            ctx.log(XSS, 'stderr');
            return 'ok';
          },
          many: (params, ctx) => {
            for (let i = 1; i <= Number(params.n); i++) ctx.log(`line ${i}`);
            return 'ok';
          },
          quiet: () => 'nothing to say',
          held: (params, ctx) =>
            new Promise((resolve) => {
              ctx.log('first <b>line</b>');
              gates.set(String(params.gate), () => {
                ctx.log(`second ${XSS}`);
                resolve('released');
              });
              ctx.signal.addEventListener('abort', () => resolve('aborted'));
            }),
        }),
    },
  );
  portal = portalClient(server.url);
});

afterAll(async () => {
  for (const open of gates.values()) open();
  await server.close();
});

async function finishedRun(method: string, params: Record<string, unknown> = {}): Promise<string> {
  const run = await server.engine.createRun({ handler: 'weblog', method, params });
  await waitFor(async () => (await server.engine.getRun(run.id)).run.status === 'succeeded');
  return run.id;
}

/** The text of the log's <pre>, as a reader sees it. */
function logText(page: string): string {
  const pre = /<pre class="sz-pre szs-log"[^>]*>([\s\S]*?)<\/pre>/.exec(page)?.[1] ?? '';
  return pre.replace(/<[^>]+>/g, '');
}

describe('sz_schedules: a run\'s log on its page', () => {
  it('shows a finished run\'s log, escaped: a line of markup reads as text', async () => {
    const id = await finishedRun('xss');
    const page = await portal.get(`/schedules/runs/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2 id="szs-log-title">Log</h2>');
    expect(page.text).toContain(XSS_TEXT);
    expect(page.text).not.toContain(XSS);
    expect(logText(page.text)).toMatch(/^\d\d:\d\d:\d\d\.\d{3} plain line\n\d\d:\d\d:\d\d\.\d{3} stderr &lt;script&gt;/);
    // Finished: nothing to follow.
    expect(page.text).not.toContain('sse-connect');
  });

  it('says so when a run wrote no log, and shows the last 1,000 lines of a long one', async () => {
    const quiet = await portal.get(`/schedules/runs/${await finishedRun('quiet')}`);
    expect(quiet.text).toContain('This run wrote no log.');

    const long = await finishedRun('many', { n: 1500 });
    const page = await portal.get(`/schedules/runs/${long}`);
    expect(page.text).toContain('500 earlier lines are not shown');
    expect(page.text).toContain(`schedulezero runs logs ${long}`);
    const lines = logText(page.text).trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines[0]).toMatch(/ line 501$/);
    expect(lines.at(-1)).toMatch(/ line 1500$/);
  });

  it('follows a pending run\'s log over server-sent events, escaped, until the run ends', async () => {
    const run = await server.engine.createRun({ handler: 'weblog', method: 'held', params: { gate: 'sse' } });
    await waitFor(async () => (await server.engine.listRunLogs(run.id, { limit: 10 })).last_seq === 1);
    const page = await portal.get(`/schedules/runs/${run.id}`);
    expect(page.text).toContain('first &lt;b&gt;line&lt;/b&gt;');
    const events = `/schedules/runs/${run.id}/log/events?after=1`;
    expect(page.text).toContain(`hx-ext="sse" sse-connect="${events}" sse-close="end"`);
    expect(page.text).toContain('sse-swap="log" hx-target="this" hx-swap="beforeend"');

    const stream = await openEventStream(`${server.url}${events}`);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    gates.get('sse')!();
    const log = await stream.next((e) => e.event === 'log');
    expect(log.id).toBe('2');
    expect(log.data).toContain(`second ${XSS_TEXT}`);
    expect(log.data).not.toContain(XSS);
    const end = await stream.next((e) => e.event === 'end');
    expect(end.data).toContain('The run has ended');
    expect(end.data).toContain('sz-status-succeeded');
    await stream.finished();

    // Reconnecting with Last-Event-ID gets nothing twice.
    const again = await openEventStream(`${server.url}${events}`, { 'last-event-id': '2' });
    await again.finished();
    expect(again.events.map((e) => e.event)).toEqual(['end']);
  });

  it('answers 404 for the log stream of an unknown run', async () => {
    const res = await fetch(`${server.url}/schedules/runs/no-such-run/log/events`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});

describe.runIf(browserAvailable)('sz_schedules: the live log in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('appends new lines as the run writes them, as text, and notes the end', async () => {
    const run = await server.engine.createRun({ handler: 'weblog', method: 'held', params: { gate: 'browser' } });
    await waitFor(async () => (await server.engine.listRunLogs(run.id, { limit: 10 })).last_seq === 1);
    const page = await browser.newPage();
    const problems = watchForErrors(page);
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    const listeners = () => server.engine.events.listenerCount('run.logs');
    const before = listeners();
    await page.goto(`${server.url}/schedules/runs/${run.id}`);
    await page.locator('#szs-log-state', { hasText: 'Following the log live' }).waitFor();
    // The page's stream is open (the server follows the run) before the run writes again.
    await waitFor(() => listeners() > before);
    gates.get('browser')!();
    await page.locator('#szs-log-lines', { hasText: `second ${XSS}` }).waitFor();
    await page.locator('#szs-log-state', { hasText: 'The run has ended' }).waitFor();
    const text = await page.locator('#szs-log-lines').innerText();
    expect(text).toMatch(/first <b>line<\/b>\n.*second <script>alert\(1\)<\/script>/);
    expect(await page.locator('#szs-log-lines script').count()).toBe(0);
    expect(dialogs).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
