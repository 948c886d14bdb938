import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEventName } from '../../src/portal/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, tempDir, waitFor } from '../helpers.js';
import { openEventStream } from '../sse.js';
import { portalClient } from './portal-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EVENTS: EngineEventName[] = ['runs.created', 'runs.started', 'run.updated', 'schedule.changed', 'worker.changed', 'occurrences.skipped'];

describe('sz_dash: the live dashboard', () => {
  let server: RunningServer;
  let api: ReturnType<typeof client>;
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  let burstGate: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    server = await startTestServer(
      {},
      {
        beforeStart: async (engine) => {
          await engine.registerLocalHandler('demo', {
            ok: () => 'fine',
            boom: (params) => {
              throw new Error(String(params.message ?? 'boom'));
            },
            // Runs until the test opens the gate.
            hold: () => gate,
          });
          // Room for a whole burst at once: each run starts as it is created.
          await engine.registerLocalHandler('burst', { wait: () => burstGate }, { concurrency: 500 });
        },
      },
    );
    api = client(server.url);
  });
  afterAll(async () => {
    release();
    await server.close();
  });

  const listeners = () => EVENTS.map((e) => server.engine.events.listenerCount(e));

  it('renders every panel inside the element that holds the live stream', async () => {
    const portal = portalClient(server.url);
    const page = await portal.get('/dash');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/^<!doctype html>/);
    expect(page.text).toContain('<h1>Dashboard</h1>');
    expect(page.text).toMatch(/<div class="dash" hx-ext="sse" sse-connect="\/dash\/events">/);
    for (const event of ['tiles', 'running', 'next', 'failures', 'handlers', 'outcomes', 'outcomes-hours', 'lateness', 'lateness-hours']) {
      // Each slot swaps itself: the body's boost target (#sz-main) must not be inherited.
      expect(page.text).toContain(`sse-swap="${event}" hx-target="this" hx-swap="innerHTML"`);
    }
    for (const heading of ['Running now', 'Next due', 'Recent failures', 'Handlers', 'Outcomes', 'Start lateness', 'Success rate · 24 h']) {
      expect(page.text).toContain(heading);
    }
    expect(page.text).toMatch(/<link rel="stylesheet" href="\/dash\/static\/dash\.css\?v=/);
    // The in-process handler is online; nothing runs or failed yet.
    expect(page.text).toMatch(/sz-dot-online[^]*?>demo</);
    expect(page.text).toContain('Nothing is running.');
    expect(page.text).toContain('No failures in the last 24 hours.');
    expect(page.text).toContain('Nothing is scheduled.');

    const css = await fetch(`${server.url}/dash/static/dash.css`);
    expect(css.status).toBe(200);
  });

  it('answers an htmx request with the fragment only', async () => {
    const res = await portalClient(server.url).get('/dash', { htmx: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/HX-Request/i);
    expect(res.text).not.toContain('<!doctype html>');
    expect(res.text).toMatch(/^<title>Dashboard/);
    expect(res.text).toContain('sse-connect="/dash/events"');
    expect(res.text).toContain('sse-swap="failures"');
  });

  it('streams a snapshot on connect, then the panels that a new schedule and a failed run change', async () => {
    const stream = await openEventStream(`${server.url}/dash/events`);
    try {
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.res.headers.get('cache-control')).toMatch(/no-cache/);
      expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
      const snapshot = ['tiles', 'running', 'next', 'failures', 'handlers', 'outcomes', 'outcomes-hours', 'lateness', 'lateness-hours'];
      await waitFor(() => snapshot.every((name) => stream.events.some((e) => e.event === name)));
      expect(stream.events.find((e) => e.event === 'next')!.data).toContain('Nothing is scheduled.');

      let seen = stream.events.length;
      const created = await api('POST', '/api/v1/schedules', {
        id: 'nightly-report',
        name: 'Nightly <report>',
        handler: 'demo',
        method: 'ok',
        trigger: { type: 'cron', expression: '0 3 * * *' },
      });
      expect(created.status).toBe(201);
      const next = await stream.next((e) => e.event === 'next', seen);
      expect(next.data).toContain('Nightly &lt;report&gt;');
      expect(next.data).toContain('href="/schedules/nightly-report"');
      expect(next.data).toMatch(/<time class="sz-countdown" data-countdown datetime="\d{4}-\d\d-\d\dT03:00:00\.000Z"/);

      seen = stream.events.length;
      const run = await api('POST', '/api/v1/runs', { handler: 'demo', method: 'boom', params: { message: '<script>alert(1)</script> disk full' } });
      expect(run.status).toBe(202);
      const failure = await stream.next((e) => e.event === 'failures' && e.data.includes('disk full'), seen);
      expect(failure.data).toContain('&lt;script&gt;alert(1)&lt;/script&gt; disk full');
      expect(failure.data).not.toContain('<script>');
      expect(failure.data).toContain('sz-status-failed');
      expect(failure.data).toContain('One-off run');
      // The multi-line panel arrived whole (one data: field per line, joined again).
      expect(failure.data).toMatch(/^<h2 id="dash-failures-h">[^]*<\/table><\/div>$/);
    } finally {
      await stream.close();
    }
  });

  it('shows a run while it runs and drops it when it finishes', async () => {
    gate = new Promise<void>((r) => (release = r));
    const stream = await openEventStream(`${server.url}/dash/events`);
    try {
      await stream.next((e) => e.event === 'running');
      const seen = stream.events.length;
      await api('POST', '/api/v1/runs', { handler: 'demo', method: 'hold' });
      const running = await stream.next((e) => e.event === 'running' && e.data.includes('demo.hold'), seen);
      expect(running.data).toMatch(/<time data-ago datetime="[^"]+"/);
      expect(running.data).toContain('in-process');
      const tiles = await stream.next((e) => e.event === 'tiles' && e.data.includes('on 2 handlers online'), seen);
      expect(tiles.data).toMatch(/Running now<\/div><div class="sz-tile-value">1</);

      const after = stream.events.length;
      release();
      const idle = await stream.next((e) => e.event === 'running', after);
      expect(idle.data).toContain('Nothing is running.');
    } finally {
      release();
      await stream.close();
    }
  });

  it('links a scheduled failure to its schedule page', async () => {
    const stream = await openEventStream(`${server.url}/dash/events`);
    try {
      await stream.next((e) => e.event === 'failures');
      const seen = stream.events.length;
      const due = new Date(Date.now() + 300).toISOString();
      await api('POST', '/api/v1/schedules', { id: 'once-broken', name: 'Broken once', handler: 'demo', method: 'boom', params: { message: 'quota exceeded' }, trigger: { type: 'date', run_date: due } });
      const failure = await stream.next((e) => e.event === 'failures' && e.data.includes('quota exceeded'), seen);
      expect(failure.data).toContain('<a href="/schedules/once-broken">Broken once</a>');
    } finally {
      await stream.close();
    }
  });

  it('coalesces a burst: 200 runs (600 engine events) make a handful of stream events', async () => {
    const stream = await openEventStream(`${server.url}/dash/events`);
    let open: () => void = () => {};
    burstGate = new Promise<void>((r) => (open = r));
    try {
      await waitFor(() => stream.events.some((e) => e.event === 'lateness'));
      const seen = stream.events.length;
      const started = Date.now();
      await Promise.all(Array.from({ length: 200 }, () => server.engine.createRun({ handler: 'burst', method: 'wait' })));
      const busy = await stream.next((e) => e.event === 'running' && e.data.includes('Running now <span class="sz-muted">200</span>'), seen);
      expect(busy.data).toContain('and 192 more running');
      open();
      await stream.next((e) => e.event === 'running' && e.data.includes('Nothing is running.'), stream.events.indexOf(busy) + 1);
      // Let the trailing renders of the burst go out.
      await sleep(800);
      const elapsed = Date.now() - started;
      const burst = stream.events.slice(seen);
      expect(burst.length).toBeLessThan(30);
      const perPanel = new Map<string, number>();
      for (const e of burst) perPanel.set(e.event, (perPanel.get(e.event) ?? 0) + 1);
      // At most one render per panel per 500 ms (plus the first).
      for (const n of perPanel.values()) expect(n).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 1);
    } finally {
      open();
      await stream.close();
    }
  });

  it('draws bars for the hours that had runs, with an accessible summary', async () => {
    const page = await portalClient(server.url).get('/dash');
    const outcomes = /<section id="dash-outcomes-card"[^]*?<\/section>/.exec(page.text)![0];
    expect(outcomes).toMatch(/<svg class="sz-spark"[^>]*role="img" aria-labelledby="dash-outcomes-chart-title dash-outcomes-chart-desc"/);
    expect(outcomes).toMatch(/<desc id="dash-outcomes-chart-desc">\d+ runs finished in the last 24 hours: \d+ succeeded, \d+ failed\./);
    // One bar part per hour with such runs, a stub for every hour without (the window is read
    // from the legend, so a test run across the hour compares the same 24 buckets).
    const since = Date.parse(/<div class="sz-chart-legend"[^>]*><span><time datetime="([^"]+)"/.exec(outcomes)![1]!);
    const buckets = await server.engine.runTimeline({ since, until: since + 24 * 3_600_000, bucket_ms: 3_600_000 });
    const hours = (keep: (b: (typeof buckets)[number]) => boolean) => buckets.filter(keep).length;
    expect(hours((b) => b.failed > 0)).toBeGreaterThan(0);
    expect(outcomes.match(/class="sz-spark-ok"/g)).toHaveLength(hours((b) => b.succeeded > 0));
    expect(outcomes.match(/class="sz-spark-fail"/g)).toHaveLength(hours((b) => b.failed > 0));
    expect(outcomes.match(/class="sz-spark-empty"/g) ?? []).toHaveLength(hours((b) => b.succeeded + b.failed === 0));
    // The numbers sit in a <details> outside the swapped element, so it stays open on updates.
    expect(outcomes).toMatch(/<details class="dash-data"><summary>Hourly numbers<\/summary><div id="dash-outcomes-hours" class="dash-hours" sse-swap="outcomes-hours"/);
    expect(outcomes).toMatch(/<th scope="row"><time datetime="[^"]+">\d\d:00<\/time><\/th>/);

    const lateness = /<section id="dash-lateness-card"[^]*?<\/section>/.exec(page.text)![0];
    expect(lateness).toMatch(/<path class="sz-spark-area" d="M[^"]+Z"\/><path class="sz-spark-line" d="M[^"]+"\/>/);
    expect(lateness).toContain('<title id="dash-lateness-chart-title">');

    const tiles = /<section id="dash-tiles"[^]*?<\/section>/.exec(page.text)![0];
    expect(tiles).toMatch(/Failures · 24 h<\/div><div class="sz-tile-value">2</);
    expect(tiles).toContain('dash-tile-bad');
  });

  it('closes cleanly when the client goes away, leaving no engine listeners behind', async () => {
    const before = listeners();
    const streams = await Promise.all([openEventStream(`${server.url}/dash/events`), openEventStream(`${server.url}/dash/events`)]);
    await Promise.all(streams.map((s) => s.next((e) => e.event === 'lateness')));
    const during = listeners();
    expect(during.reduce((a, b) => a + b, 0)).toBeGreaterThan(before.reduce((a, b) => a + b, 0));
    await streams[0]!.close();
    await sleep(100);
    // One stream left: still listening.
    expect(listeners()).toEqual(during);
    await streams[1]!.close();
    await waitFor(() => listeners().every((n, i) => n === before[i]));
    expect(streams.every((s) => s.ended)).toBe(true);
    // The server still answers (nothing hung on the closed streams).
    expect((await portalClient(server.url).get('/dash')).status).toBe(200);
  });
});

describe('sz_dash: cards of other microsites and keep-alive', () => {
  let server: RunningServer;
  let dir: { path: string; cleanup(): void };

  beforeAll(async () => {
    dir = tempDir('sz-dash-');
    mkdirSync(join(dir.path, 'extras'));
    writeFileSync(
      join(dir.path, 'extras', 'index.js'),
      `export default {
  id: 'extras',
  name: 'Extras',
  cards: [
    { id: 'hello', title: 'Hello <card>', render: (ctx) => ctx.html\`<p>\${'<b>not bold</b>'} from a card</p>\` },
    { id: 'broken', title: 'Broken card', render: () => { throw new Error('secret internals'); } },
  ],
};
`,
    );
    const config = join(dir.path, 'portal_config.yaml');
    writeFileSync(config, 'microsites:\n  - id: sz_dash\n    options: {ping_seconds: 0.2}\n  - id: extras\n    source: ./extras\n    path: /extras\n');
    server = await startTestServer({ portal_config: config });
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it('shows other microsites’ cards, escaped, and survives a card that throws', async () => {
    const page = await portalClient(server.url).get('/dash');
    expect(page.status).toBe(200);
    const cards = /<section id="dash-cards"[^]*<\/section>/.exec(page.text)![0];
    expect(cards).toContain('sse-swap="cards"');
    expect(cards).toContain('From your microsites');
    expect(cards).toContain('Hello &lt;card&gt;');
    expect(cards).toContain('&lt;b&gt;not bold&lt;/b&gt; from a card');
    expect(cards).toContain('<a class="dash-more" href="/extras">Extras</a>');
    expect(cards).toContain('This card could not be shown.');
    expect(page.text).not.toContain('secret internals');
  });

  it('keeps an idle stream open with comment pings (options.ping_seconds)', async () => {
    const stream = await openEventStream(`${server.url}/dash/events`);
    try {
      await stream.next((e) => e.event === 'cards');
      await waitFor(() => stream.comments >= 2, 3000);
      expect(stream.ended).toBe(false);
    } finally {
      await stream.close();
    }
  });

  it('links nothing to microsites that are not mounted', async () => {
    const page = await portalClient(server.url).get('/dash');
    expect(page.text).not.toContain('href="/schedules');
    expect(page.text).not.toContain('href="/handlers');
    expect(page.text).toContain('Create a schedule (or resume a paused one)');
  });

  it('ends open streams when the server shuts down (run last: it closes the server)', async () => {
    const stream = await openEventStream(`${server.url}/dash/events`);
    await stream.next((e) => e.event === 'tiles');
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => stream.ended);
  });
});
