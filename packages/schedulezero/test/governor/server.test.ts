import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, tempDir, waitFor } from '../helpers.js';
import { PULL_WORKER } from './pull-worker.js';
import { alive, writeRegistry, writeScript } from './support.js';

const dir = tempDir('sz-governor-server-');
let server: RunningServer | null = null;
let closed = false;

beforeAll(async () => {
  const worker = writeScript(dir.path, 'worker.mjs', PULL_WORKER);
  const crasher = writeScript(dir.path, 'crasher.mjs', `console.error('boom'); process.exit(7);`);
  const registry = writeRegistry(dir.path, [
    {
      id: 'gov-echo',
      type: 'worker',
      description: 'a governed pull worker',
      methods: { echo: { description: 'answers its params' } },
      run: { command: [process.execPath, worker], stop_grace_seconds: 5, backoff_initial_seconds: 0.1 },
    },
    { id: 'gov-crash', type: 'worker', methods: { m: null }, run: { command: [process.execPath, crasher], max_restarts: 1, backoff_initial_seconds: 0.05 } },
  ]);
  server = await startTestServer({ handler_registry: registry });
});
afterAll(async () => {
  if (!closed) await server?.close();
  dir.cleanup();
});

describe('the governor in the server', () => {
  it('starts a registry worker that registers over HTTP at SCHEDULEZERO_SERVER, shows it in the API, and runs its jobs', async () => {
    const api = client(server!.url);
    const item = await waitFor(async () => {
      const { body } = await api('GET', '/api/v1/governor');
      return body.items.find((i: { handler: string; state: string }) => i.handler === 'gov-echo' && i.state === 'running');
    });
    expect(item).toMatchObject({ restarts: 0, consecutive_crashes: 0, max_restarts: 10, last_exit: null, next_restart_at: null, log_file: join(dir.path, 'logs', 'gov-echo.log') });
    expect(item.pid).toBeGreaterThan(0);
    expect(item.started_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(item.since).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(alive(item.pid)).toBe(true);

    // SCHEDULEZERO_SERVER and SCHEDULEZERO_HANDLER reached it: it registered itself as this handler.
    const handler = await waitFor(async () => {
      const { body } = await api('GET', '/api/v1/handlers');
      return body.items.find((h: { handler: string; status: string }) => h.handler === 'gov-echo' && h.status === 'online');
    });
    expect(handler.workers.map((w: { name: string }) => w.name)).toContain(`governed-${item.pid}`);

    const created = await api('POST', '/api/v1/runs', { handler: 'gov-echo', method: 'echo', params: { n: 42 } });
    expect(created.status).toBe(202);
    const run = await waitFor(async () => {
      const { body } = await api('GET', `/api/v1/runs/${created.body.id}`);
      return body.status === 'succeeded' && body;
    });
    expect(run.result).toEqual({ echo: { n: 42 }, pid: item.pid, server: server!.url });

    const one = await api('GET', '/api/v1/governor/gov-echo');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ handler: 'gov-echo', pid: item.pid, command: [process.execPath, join(dir.path, 'worker.mjs')] });
    const unknown = await api('GET', '/api/v1/governor/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('governed_process_not_found');
    const openapi = await api('GET', '/api/v1/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/v1/governor', '/api/v1/governor/{handler}']));
  });

  it('gives up a crashing worker without harm to the server, and shows why', async () => {
    const api = client(server!.url);
    const failed = await waitFor(async () => {
      const { body } = await api('GET', '/api/v1/governor/gov-crash');
      return body.state === 'failed' && body;
    });
    expect(failed).toMatchObject({ restarts: 1, consecutive_crashes: 2, pid: null, last_exit: { code: 7, signal: null } });
    expect(failed.last_exit.at).toMatch(/Z$/);
    expect((await api('GET', '/api/v1/health')).status).toBe(200);
    expect(readFileSync(join(dir.path, 'logs', 'gov-crash.log'), 'utf8').match(/boom/g)).toHaveLength(2);
  });

  it('stops the worker gracefully when the server closes: it leaves, exits 0 and is gone', async () => {
    const state = server!.governor()!.state('gov-echo')!;
    const pid = state.pid!;
    closed = true;
    await server!.close();
    expect(alive(pid)).toBe(false);
    expect(server!.governor()!.state('gov-echo')).toMatchObject({ state: 'stopped', pid: null, last_exit: { code: 0, signal: null } });
    const log = readFileSync(join(dir.path, 'logs', 'gov-echo.log'), 'utf8');
    expect(log).toContain(`registered as `);
    expect(log).toMatch(/SIGTERM: leaving\nleft\n\[[^\]]+\] schedulezero governor: pid \d+ exited \(exit code 0\)/);
  });
});

describe('a server without supervised processes', () => {
  it('answers an empty list', async () => {
    const plain = await startTestServer();
    try {
      const { status, body } = await client(plain.url)('GET', '/api/v1/governor');
      expect(status).toBe(200);
      expect(body).toEqual({ items: [] });
    } finally {
      await plain.close();
    }
  });
});
