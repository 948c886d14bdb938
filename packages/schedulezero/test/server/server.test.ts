import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { hashToken } from '../../src/api/auth.js';
import type { RunningServer } from '../../src/server/server.js';
import { VERSION } from '../../src/version.js';
import { join } from 'node:path';
import { openStore } from '../../src/server/store-factory.js';
import { client, startTestServer, tempDir } from '../helpers.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function start(...args: Parameters<typeof startTestServer>) {
  const s = await startTestServer(...args);
  servers.push(s);
  return s;
}

describe('server basics', () => {
  it('health answers status and version', async () => {
    const s = await start();
    const res = await client(s.url)('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', version: VERSION });
  });

  it('serves an OpenAPI 3.1 document generated from the validation schemas', async () => {
    const s = await start();
    const doc = (await client(s.url)('GET', '/api/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/schedules',
      '/api/v1/schedules/{id}',
      '/api/v1/schedules/{id}/pause',
      '/api/v1/schedules/{id}/resume',
      '/api/v1/schedules/{id}/run',
      '/api/v1/schedules/{id}/upcoming',
      '/api/v1/runs',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/cancel',
      '/api/v1/runs/stats',
      '/api/v1/handlers',
      '/api/v1/workers',
      '/api/v1/workers/{worker_id}/poll',
      '/api/v1/runs/{run_id}/heartbeat',
      '/api/v1/runs/{run_id}/complete',
      '/api/v1/workers/{worker_id}',
      '/api/v1/health',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const create = doc.paths['/api/v1/schedules'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['handler', 'method', 'trigger']));
    expect(schema.properties.catch_up).toBeDefined();
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['409']).toBeDefined();
  });

  it('exposes Prometheus metrics', async () => {
    const s = await start();
    await client(s.url)('POST', '/api/v1/runs', { handler: 'h', method: 'm' });
    const res = await fetch(`${s.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/schedulezero_runs_current\{status="queued"\} 1/);
    expect(text).toContain('schedulezero_due_queue_depth 1');
    expect(text).toContain('schedulezero_workers_online{kind="remote"} 0');
    expect(text).toContain('schedulezero_run_lateness_seconds_bucket');
    expect(text).toMatch(/schedulezero_runs_created_total\{origin="one_off"\} 1/);
  });
});

describe('authentication', () => {
  it('requires a bearer token on every route once tokens are configured, except health', async () => {
    const token = 'sz_test_token_value_1234567890';
    const s = await start({ api_token_hashes: [hashToken(token)] });
    const anon = client(s.url);
    for (const [method, path] of [
      ['GET', '/api/v1/schedules'],
      ['POST', '/api/v1/schedules'],
      ['GET', '/api/v1/runs'],
      ['POST', '/api/v1/workers'],
      ['GET', '/api/v1/handlers'],
      ['GET', '/metrics'],
      ['GET', '/api/v1/openapi.json'],
    ] as const) {
      const res = await anon(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect((await anon('GET', '/api/v1/health')).status).toBe(200);
    // Readiness is public too (probes carry no token), and says the database answers.
    const ready = await anon('GET', '/api/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready' });
    expect((await client(s.url, 'wrong')('GET', '/api/v1/schedules')).status).toBe(401);
    expect((await client(s.url, token)('GET', '/api/v1/schedules')).status).toBe(200);
  });

  it('accepts tokens stored (hashed) in the database, and never logs them', async () => {
    const dir = tempDir();
    try {
      const url = `sqlite:${join(dir.path, 'sz.db')}`;
      const token = 'sz_database_token_abcdefghijklmnop';
      const store = await openStore(url);
      await store.insertToken({ id: 't1', name: 'ci', token_hash: hashToken(token), created_at: Date.now(), last_used_at: null });
      await store.close();

      const lines: string[] = [];
      const logger = pino({ level: 'trace' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
      const s = await start({ database_url: url, log_level: 'trace' }, { logger });
      expect((await client(s.url)('GET', '/api/v1/runs')).status).toBe(401);
      expect((await client(s.url, token)('GET', '/api/v1/runs')).status).toBe(200);
      const stored = await s.store.listTokens();
      expect(stored[0]!.token_hash).toBe(hashToken(token));
      expect(stored[0]!.last_used_at).not.toBeNull();
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(lines.join('')).not.toContain(token);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses to listen on a non-loopback address without tokens, unless explicitly allowed', async () => {
    await expect(startTestServer({ host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without API tokens/);
    const open = await start({ host: '0.0.0.0', allow_open_bind: true });
    expect(open.port).toBeGreaterThan(0);
    const withToken = await start({ host: '0.0.0.0', api_token_hashes: [hashToken('x')] });
    expect(withToken.port).toBeGreaterThan(0);
  });
});

describe('API only (portal off)', () => {
  it('answers no portal page and guards every path with the bearer token', async () => {
    const token = 'sz_portal_off_token';
    const server = await start({ portal: false, api_token_hashes: [hashToken(token)] });
    const page = await fetch(`${server.url}/dash`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(404);
    expect(await page.json()).toMatchObject({ error: { code: 'not_found' } });
    // Without the portal's sign-in, the API's guard covers every path.
    expect((await fetch(`${server.url}/dash`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});

describe('start-up failures', () => {
  it('stops what had started when a later step fails (ZeroMQ port taken), as a settings error', async () => {
    const { freePort } = await import('../helpers.js');
    const { Reply } = await import('zeromq');
    const port = await freePort();
    const squatter = new Reply();
    await squatter.bind(`tcp://127.0.0.1:${port}`);
    try {
      const err = await startTestServer({ zmq: { host: '127.0.0.1', port } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('ConfigError');
      expect((err as Error).message).toMatch(new RegExp(`${port}`));
    } finally {
      squatter.close();
    }
  });
});
