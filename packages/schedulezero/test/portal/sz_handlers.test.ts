import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duration as formatDuration, percent as formatRate } from '../../src/portal/format.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer } from '../helpers.js';
import { portalClient } from './portal-client.js';

/** The <tr> of a table that contains `marker` (a link, a name): enough structure for assertions. */
function rowWith(page: string, marker: string): string {
  const row = page.split(/<tr[\s>]/).find((part) => part.includes(marker));
  if (row === undefined) throw new Error(`no table row contains ${marker}`);
  return row.slice(0, row.indexOf('</tr>'));
}

/** A remote worker speaking the handler protocol over HTTP, as the SDKs do. */
function workers(api: ReturnType<typeof client>) {
  return {
    async register(handler: string, methods: string[], extra: { concurrency?: number; name?: string; version?: string } = {}): Promise<string> {
      const res = await api('POST', '/api/v1/workers', { handler, methods, ...extra });
      expect(res.status).toBe(201);
      return res.body.worker_id as string;
    },
    async run(handler: string, method: string): Promise<string> {
      const res = await api('POST', '/api/v1/runs', { handler, method });
      expect(res.status).toBe(202);
      return res.body.id as string;
    },
    async poll(worker: string, max: number): Promise<{ run_id: string }[]> {
      const res = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: max, wait_seconds: 1 });
      expect(res.status).toBe(200);
      return res.body.jobs;
    },
    async complete(worker: string, runId: string, status: 'succeeded' | 'failed', error?: { message: string; type?: string }): Promise<void> {
      const res = await api('POST', `/api/v1/runs/${runId}/complete`, { worker_id: worker, status, ...(error ? { error } : {}) });
      expect(res.status).toBe(200);
    },
    async leave(worker: string): Promise<void> {
      expect((await api('DELETE', `/api/v1/workers/${worker}`)).status).toBe(204);
    },
  };
}

describe('sz_handlers', () => {
  let server: RunningServer;
  let portal: ReturnType<typeof portalClient>;
  let w: ReturnType<typeof workers>;
  const runIds: string[] = [];
  let billing: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeat_seconds: 5, lease_seconds: 20 });
    portal = portalClient(server.url);
    w = workers(client(server.url));

    // "billing": one worker, two methods; charge ran 3 times (2 succeeded, 1 failed), one more is running.
    billing = await w.register('billing', ['charge', 'refund'], { concurrency: 3, name: 'billing-1', version: '2.1.0' });
    for (let i = 0; i < 3; i++) runIds.push(await w.run('billing', 'charge'));
    const jobs = await w.poll(billing, 3);
    expect(jobs.map((j) => j.run_id).sort()).toEqual([...runIds].sort());
    await w.complete(billing, runIds[0]!, 'succeeded');
    await w.complete(billing, runIds[1]!, 'succeeded');
    await w.complete(billing, runIds[2]!, 'failed', { message: 'card declined', type: 'PaymentError' });
    runIds.push(await w.run('billing', 'charge'));
    expect((await w.poll(billing, 1)).map((j) => j.run_id)).toEqual([runIds[3]]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists an online handler with its methods, workers, running jobs and 24 h success rate', async () => {
    const res = await portal.get('/handlers');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Handlers</h1>');
    const row = rowWith(res.text, 'href="/handlers/billing"');
    expect(row).toContain('sz-dot-online');
    expect(row).toContain('>online<');
    expect(row).toContain('<code class="szh-method">charge</code>');
    expect(row).toContain('<code class="szh-method">refund</code>');
    expect(row).toMatch(/>1 \/ 1</); // workers online / total
    expect(row).toMatch(/sz-status-running">1</); // running now
    expect(row).toContain('>4<'); // runs in the window
    expect(row).toContain('66.7%');
    expect(row).toMatch(/\d+ ms \/ \d+ ms/); // p50 / p95
    expect(row).toMatch(/<time data-ago datetime="[^"]+Z" title="[^"]+ UTC">/);
  });

  it('shows a handler in detail: workers, per-method stats, and recent runs linked to their run pages', async () => {
    const res = await portal.get('/handlers/billing');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<a href="/handlers/">Handlers</a>');

    const worker = rowWith(res.text, 'billing-1');
    expect(worker).toContain(billing);
    expect(worker).toContain('>online<');
    expect(worker).toContain('>1 / 3<'); // running / concurrency
    expect(worker).toContain('2.1.0');

    const charge = rowWith(res.text, '<code class="szh-method">charge</code></th>');
    expect(charge).toContain('1 online worker');
    const cells = [...charge.matchAll(/<td class="sz-num">(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 3)).toEqual(['4', '2', '1']); // runs, succeeded, failed
    expect(cells[3]).toContain('66.7%');
    expect(cells[4]).toMatch(/^\d+ ms$/);

    const refund = rowWith(res.text, '<code class="szh-method">refund</code></th>');
    expect([...refund.matchAll(/<td class="sz-num">(.*?)<\/td>/g)].map((m) => m[1]).slice(0, 3)).toEqual(['0', '0', '0']);
    expect(refund).toContain('No finished runs');

    for (const id of runIds) expect(res.text).toContain(`href="/schedules/runs/${id}"`);
    const failed = rowWith(res.text, `/schedules/runs/${runIds[2]}`);
    expect(failed).toContain('sz-status-failed');
    expect(failed).toContain('PaymentError');
    expect(failed).toContain('card declined');
    expect(rowWith(res.text, `/schedules/runs/${runIds[3]}`)).toContain('sz-status-running');
  });

  it('shows a handler offline once its last worker leaves, and counts only online workers', async () => {
    const a = await w.register('reports', ['daily']);
    const b = await w.register('reports', ['daily', 'weekly']);
    await w.leave(a);
    let row = rowWith((await portal.get('/handlers')).text, 'href="/handlers/reports"');
    expect(row).toContain('>online<');
    expect(row).toMatch(/>1 \/ 2</);

    await w.leave(b);
    row = rowWith((await portal.get('/handlers')).text, 'href="/handlers/reports"');
    expect(row).toContain('sz-dot-offline');
    expect(row).toContain('>offline<');
    expect(row).toMatch(/>0 \/ 2</);
    expect(row).toContain('<code class="szh-method">weekly</code>'); // what it last offered

    const detail = await portal.get('/handlers/reports');
    expect(detail.text).toContain('0 of 2 workers online');
    expect(detail.text.match(/title="Disconnected cleanly[^"]*">left</g)).toHaveLength(2);
    expect(rowWith(detail.text, '<code class="szh-method">daily</code></th>')).toContain('no online worker');
  });

  it('escapes worker names and run errors', async () => {
    const evil = await w.register('escapes', ['go'], { name: '<img src=x onerror=alert(1)>', version: '"><b>v</b>' });
    const run = await w.run('escapes', 'go');
    await w.poll(evil, 1);
    await w.complete(evil, run, 'failed', { message: '<script>alert("boom")</script>', type: '<i>Err</i>' });

    const res = await portal.get('/handlers/escapes');
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).toContain('&quot;&gt;&lt;b&gt;v&lt;/b&gt;');
    expect(res.text).toContain('&lt;script&gt;alert(&quot;boom&quot;)&lt;/script&gt;');
    expect(res.text).toContain('&lt;i&gt;Err&lt;/i&gt;');
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).not.toContain('<b>v</b>');
    expect(res.text).not.toContain('<i>Err</i>');
  });

  it('handles handler names with a slash and of the longest allowed length in links and routes', async () => {
    await w.register('team/etl', ['load']);
    const list = await portal.get('/handlers');
    expect(list.text).toContain('href="/handlers/team%2Fetl"');
    const detail = await portal.get('/handlers/team%2Fetl');
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('<span>team/etl</span>');
    expect(detail.text).toContain('<code class="szh-method">load</code>');
    expect((await portal.get('/handlers/team/etl')).text).toContain('<span>team/etl</span>');

    const long = `h${'x'.repeat(127)}`; // the longest name the schema allows
    await w.register(long, ['m']);
    const page = await portal.get(`/handlers/${long}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<span>${long}</span>`);
  });

  it('keeps its pages out of the OpenAPI document', async () => {
    const doc = (await client(server.url)('GET', '/api/v1/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/handlers'))).toEqual([]);
  });

  it('answers htmx requests with a fragment', async () => {
    const res = await portal.get('/handlers/billing', { htmx: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/HX-Request/i);
    expect(res.text).not.toContain('<!doctype');
    expect(res.text).toContain('<title>billing · Handlers');
    expect(res.text).toContain('billing-1');
    // Its stylesheet travels with the fragment, and the catch-all handler route leaves it alone.
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(res.text)![1]!;
    const sheet = await fetch(`${server.url}${css}`);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers 404 with a clear message for an unknown handler', async () => {
    const res = await portal.get('/handlers/no-such-handler');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<!doctype');
    expect(res.text).toContain('There is no handler &quot;no-such-handler&quot;');
    const fragment = await portal.get('/handlers/no-such-handler', { htmx: true });
    expect(fragment.status).toBe(404);
    expect(fragment.text).not.toContain('<!doctype');
  });
});

describe('sz_handlers with no handler connected', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('explains how to connect a worker, and lists runs that wait for a handler that never connected', async () => {
    const portal = portalClient(server.url);
    let res = await portal.get('/handlers');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No handler has connected yet');
    expect(res.text).toContain('npm run handler');
    expect(res.text).toContain('examples/python-worker/worker.py');
    expect(res.text).toContain(`SCHEDULEZERO_SERVER=${server.url}`);
    expect(res.text).toContain('href="/docs/"'); // sz_docs is mounted in the default portal
    expect(res.text).not.toContain('Runs waiting for a handler');

    const run = await client(server.url)('POST', '/api/v1/runs', { handler: 'ghost', method: 'boo' });
    expect(run.status).toBe(202);
    res = await portal.get('/handlers');
    expect(rowOrItem(res.text, 'href="/handlers/ghost"')).toContain('1 queued');

    const detail = await portal.get('/handlers/ghost');
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('No worker of this handler has connected in the last 24 hours');
    expect(rowWith(detail.text, '<code class="szh-method">boo</code></th>')).toContain('no online worker');
    expect(detail.text).toContain('sz-status-queued');
  });
});

function rowOrItem(page: string, marker: string): string {
  const item = page.split('<li>').find((part) => part.includes(marker));
  if (item === undefined) throw new Error(`no list item contains ${marker}`);
  return item.slice(0, item.indexOf('</li>'));
}

describe('sz_handlers formatting', () => {
  it('formats durations and rates for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(2_000)).toBe('2 s');
    expect(formatDuration(250_000)).toBe('4m 10s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDuration(null)).toBe('—');
    expect(formatRate(2 / 3)).toBe('66.7%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0.9999)).toBe('99.9%'); // one failure in many never shows as 100%
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(null)).toBe('—');
  });
});
