import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startZmqBridge, type ZmqBridge } from '../../src/compat/zeromq/bridge.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, freePort, startTestServer, tempDir, waitFor } from '../helpers.js';
import { assertPythonZmq, startPythonHandler, stubHandler, zmqCall, zmqSession } from './zmq-helpers.js';

/**
 * The bridge against handlers that misbehave (Node REP sockets standing in for them), with short
 * liveness windows so that silence shows within a test.
 */
let server: RunningServer;
let api: ReturnType<typeof client>;
let bridge: ZmqBridge;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  await server.engine.registerLocalHandler('inproc', { hello: () => ({ hi: true }) });
  bridge = await startZmqBridge(server.engine, {
    endpoint: 'tcp://127.0.0.1:0',
    logger: silentLogger,
    pingIntervalMs: 100,
    missedPings: 3,
    probeTimeoutMs: 150,
    callTimeoutMs: 400,
  });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  await bridge?.close();
  await server?.close();
});

async function register(id: string, address: string, methods: string[]) {
  return zmqCall(bridge.endpoint, { method: 'register', params: { handler_id: id, address, methods } });
}

async function runOnce(handler: string, method: string, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/api/v1/runs', { handler, method, params: { x: 1 }, ...extra });
  expect([201, 202]).toContain(created.status);
  return waitFor(async () => {
    const run = (await api('GET', `/api/v1/runs/${created.body.id}`)).body;
    return ['succeeded', 'failed', 'timed_out', 'lost'].includes(run.status) ? run : null;
  });
}

async function online(handler: string): Promise<boolean> {
  const views = await server.engine.listHandlers();
  return views.find((v) => v.handler === handler)?.status === 'online';
}

describe('the ZeroMQ registration socket', () => {
  it('binds the endpoint asked for (port 0: a free one)', () => {
    expect(bridge.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.endpoint).not.toBe('tcp://127.0.0.1:0');
  });

  it('answers the original registration replies', async () => {
    const stub = await stubHandler(() => JSON.stringify({ success: true }));
    cleanups.push(stub.close);
    const first = await register('reg', stub.address, ['a', 'b']);
    expect(first).toEqual({
      success: true,
      handler_id: 'reg',
      address: stub.address,
      status: 'registered',
      methods: ['a', 'b'],
      message: "Handler 'reg' registered successfully",
    });
    // Registering again (a restarted handler) replaces the registration, with new methods.
    const again = await register('reg', stub.address, ['a', 'c']);
    expect(again).toMatchObject({ success: true, status: 're-registered', methods: ['a', 'c'] });
    expect((await server.engine.listHandlers()).find((h) => h.handler === 'reg')?.methods).toEqual(['a', 'c']);

    expect(await zmqCall(bridge.endpoint, { method: 'report_status', params: { handler_id: 'reg', status: 'online' } })).toEqual({
      success: true,
      handler_id: 'reg',
      status: 'online',
    });
    expect(await zmqCall(bridge.endpoint, { method: 'report_status', params: { handler_id: 'nobody', status: 'offline' } })).toEqual({
      success: false,
      error: 'Handler not registered',
    });
    expect(await zmqCall(bridge.endpoint, { method: 'report_status', params: { handler_id: 'reg', status: 'offline' } })).toMatchObject({ success: true });
    expect(await online('reg')).toBe(false);
  });

  it('refuses bad registrations with an error reply', async () => {
    const bad = [
      [{ method: 'register', params: { handler_id: 'x', address: 'localhost:4244', methods: [] } }, /params\.address/],
      [{ method: 'register', params: { handler_id: ' spaced id', address: 'tcp://127.0.0.1:5', methods: [] } }, /params\.handler_id/],
      [{ method: 'register', params: { handler_id: 'x', address: 'tcp://127.0.0.1:5', methods: ['ok', 7] } }, /params\.methods: 7/],
      [{ method: 'register', params: 'nope' }, /"params" must be a JSON object/],
      [{ params: {} }, /"method" must be a string/],
      [[1, 2, 3], /expected a JSON object/],
      // An in-process handler's name is not for the taking.
      [{ method: 'register', params: { handler_id: 'inproc', address: 'tcp://127.0.0.1:5', methods: ['hello'] } }, /taken by another kind of handler/],
    ] as const;
    for (const [message, error] of bad) {
      const reply = await zmqCall(bridge.endpoint, message);
      expect(reply.success, JSON.stringify(message)).toBe(false);
      expect(reply.error).toMatch(error);
    }
    // The in-process handler is untouched.
    expect((await runOnce('inproc', 'hello')).result).toEqual({ hi: true });
  });
});

describe('handlers that misbehave', () => {
  it('fails runs with a clear error on garbage replies, and other runs go on', async () => {
    const replies: Record<string, string> = {
      text: 'certainly not json',
      list: '[1, 2, 3]',
      weird: JSON.stringify({ success: 'yes' }),
      silent_failure: JSON.stringify({ success: false }),
      final: JSON.stringify({ success: false, error: 'bad input', retryable: false }),
      bare: JSON.stringify({ value: 42 }),
    };
    const stub = await stubHandler((request) => replies[request.method] ?? JSON.stringify({ success: true, pong: true }));
    cleanups.push(stub.close);
    expect((await register('garbage', stub.address, Object.keys(replies))).success).toBe(true);

    const text = await runOnce('garbage', 'text');
    expect(text).toMatchObject({ status: 'failed', error: { type: 'InvalidReply' } });
    expect(text.error.message).toBe(`handler 'garbage' at ${stub.address} (method text) answered with something that is not JSON: "certainly not json"`);
    expect((await runOnce('garbage', 'list')).error.message).toMatch(/answered \[1, 2, 3\]; expected a JSON object/);
    expect((await runOnce('garbage', 'weird')).error.message).toMatch(/"success": "yes"; expected true or false/);
    expect((await runOnce('garbage', 'silent_failure')).error.message).toMatch(/reported failure without an error message/);
    // A dict without `success` was a success for the original, and still is.
    expect(await runOnce('garbage', 'bare')).toMatchObject({ status: 'succeeded', result: { value: 42 } });

    // retryable: false in a failure reply is not retried, whatever the policy.
    const final = await runOnce('garbage', 'final', { retry: { max_attempts: 3, initial_delay_seconds: 0.05 } });
    expect(final).toMatchObject({ status: 'failed', attempt: 1, error: { message: 'bad input', retryable: false } });

    // The registration socket and other handlers are unaffected.
    expect(await zmqCall(bridge.endpoint, { method: 'ping' })).toEqual({ success: true, message: 'pong' });
    expect((await runOnce('inproc', 'hello')).status).toBe('succeeded');
  });

  it('times out a handler that never answers: the run timeout, else the socket timeout', async () => {
    const stub = await stubHandler(() => null);
    cleanups.push(stub.close);
    // It pings meanwhile (else, never answering, it would be unregistered as silent).
    const session = zmqSession(bridge.endpoint);
    expect((await session.call({ method: 'register', params: { handler_id: 'hangs', address: stub.address, methods: ['wait'] } })).success).toBe(true);
    let pinging = true;
    const pings = (async () => {
      while (pinging) {
        await session.call({ method: 'ping' });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    cleanups.push(async () => {
      pinging = false;
      await pings;
      session.close();
    });
    const started = Date.now();
    const timed = await runOnce('hangs', 'wait', { timeout_seconds: 0.3 });
    expect(timed).toMatchObject({ status: 'timed_out', error: { message: 'timed out after 0.3 s' } });

    // No run timeout: the original's socket timeout (400 ms here) ends the call.
    const silent = await runOnce('hangs', 'wait');
    expect(silent).toMatchObject({ status: 'failed' });
    expect(silent.error.message).toBe(`no reply from the handler at ${stub.address} within 0.4 s`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sends each job as one {"method", "params"} frame, one at a time', async () => {
    let active = 0;
    let most = 0;
    const stub = await stubHandler(async (request) => {
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      return JSON.stringify({ success: true, echo: request.params });
    });
    cleanups.push(stub.close);
    await register('serial', stub.address, ['echo']);
    const created = await Promise.all([1, 2, 3, 4].map((n) => api('POST', '/api/v1/runs', { handler: 'serial', method: 'echo', params: { n } })));
    await waitFor(async () => {
      const runs = await Promise.all(created.map((c) => api('GET', `/api/v1/runs/${c.body.id}`)));
      return runs.every((r) => r.body.status === 'succeeded');
    });
    expect(stub.received.filter((r) => r.method === 'echo').map((r) => Object.keys(r).sort())).toEqual(Array(4).fill(['method', 'params']));
    expect(stub.received.filter((r) => r.method === 'echo').map((r) => r.params.n).sort()).toEqual([1, 2, 3, 4]);
    // The original's handlers run one job at a time: so do their runs here.
    expect(most).toBe(1);
  });

  it('returns running jobs to the retry policy when a handler goes offline', async () => {
    const stub = await stubHandler(() => null);
    cleanups.push(stub.close);
    await register('leaves', stub.address, ['work']);
    const created = await api('POST', '/api/v1/runs', { handler: 'leaves', method: 'work', params: {}, retry: { max_attempts: 2, initial_delay_seconds: 60 } });
    await waitFor(async () => (await api('GET', `/api/v1/runs/${created.body.id}`)).body.status === 'running');
    await zmqCall(bridge.endpoint, { method: 'report_status', params: { handler_id: 'leaves', status: 'offline' } });
    const run = await waitFor(async () => {
      const r = (await api('GET', `/api/v1/runs/${created.body.id}`)).body;
      return r.status === 'queued' ? r : null;
    });
    expect(run.attempts).toMatchObject([{ attempt: 1, status: 'lost' }]);
  });
});

describe('liveness', () => {
  it('keeps a handler that pings, unregisters one that falls silent, and tells it to register again', async () => {
    // Its own socket never answers: only its pings show that it lives.
    const stub = await stubHandler(() => null);
    cleanups.push(stub.close);
    const session = zmqSession(bridge.endpoint);
    cleanups.push(session.close);
    expect((await session.call({ method: 'register', params: { handler_id: 'pinger', address: stub.address, methods: ['m'] } })).success).toBe(true);
    const until = Date.now() + 700; // more than the 300 ms silence window
    while (Date.now() < until) {
      expect(await session.call({ method: 'ping' })).toEqual({ success: true, message: 'pong' });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await online('pinger')).toBe(true);

    // Silent now: probed on its socket (no answer), then unregistered.
    await waitFor(async () => !(await online('pinger')), 3_000);
    const ping = await session.call({ method: 'ping' });
    expect(ping.success).toBe(false);
    expect(ping.error).toMatch(/handler 'pinger' was unregistered after 0.3 s without a sign of life; register again/);
    // A second ping on a fresh start succeeds again (as the original's reconnect expects).
    expect(await session.call({ method: 'ping' })).toEqual({ success: true, message: 'pong' });
  });

  it('unregisters an original-style handler that was killed, and its runs go back to their retry policy', async () => {
    assertPythonZmq();
    const handler = startPythonHandler('killed', bridge.endpoint, ['--ping-interval', '0.1']);
    cleanups.push(() => handler.kill());
    await handler.waitForLine(/registered as killed/);
    // Alive and pinging: it stays registered well past the silence window.
    await new Promise((r) => setTimeout(r, 600));
    expect(await online('killed')).toBe(true);
    const created = await api('POST', '/api/v1/runs', { handler: 'killed', method: 'sleep', params: { seconds: 30 }, timeout_seconds: 60, retry: { max_attempts: 2, initial_delay_seconds: 60 } });
    await waitFor(async () => (await api('GET', `/api/v1/runs/${created.body.id}`)).body.status === 'running');

    await handler.kill(); // no report_status offline: it just vanishes
    await waitFor(async () => !(await online('killed')), 5_000);
    const run = (await api('GET', `/api/v1/runs/${created.body.id}`)).body;
    expect(run.status).toBe('queued');
    expect(run.attempts).toMatchObject([{ attempt: 1, status: 'lost' }]);
  });

  it('keeps a handler that answers on its own socket even when its pings do not arrive', async () => {
    const stub = await stubHandler((request) => JSON.stringify(request.method === 'ping' ? { success: true, message: 'pong' } : { success: true }));
    cleanups.push(stub.close);
    await register('quiet', stub.address, ['m']);
    await new Promise((r) => setTimeout(r, 900));
    expect(await online('quiet')).toBe(true);
    expect(stub.received.some((r) => r.method === 'ping')).toBe(true);
  });
});

describe('restart', () => {
  it('keeps ZeroMQ registrations across a server restart, as the original kept its registry file', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const port = await freePort();
    const config = { database_url: `sqlite:${join(dir.path, 'sz.db')}`, zmq: { host: '127.0.0.1', port } };
    const stub = await stubHandler((request) => JSON.stringify({ success: true, got: request.params }));
    cleanups.push(stub.close);

    let first: RunningServer | null = await startTestServer(config);
    try {
      const reply = await zmqCall(`tcp://127.0.0.1:${port}`, { method: 'register', params: { handler_id: 'kept', address: stub.address, methods: ['job'] } });
      expect(reply.success).toBe(true);
    } finally {
      await first.close();
      first = null;
    }

    const second = await startTestServer(config);
    try {
      const api2 = client(second.url);
      const listed = (await api2('GET', '/api/handlers')).body.handlers.find((h: any) => h.id === 'kept');
      expect(listed).toMatchObject({ status: 'Connected', address: stub.address, methods: ['job'], type: 'zeromq' });
      const res = await api2('POST', '/api/run_now', { handler_id: 'kept', job_method: 'job', job_params: { n: 7 } });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ success: true, got: { n: 7 } });
    } finally {
      await second.close();
    }
  });
});
