import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, freePort, startTestServer, waitFor } from '../helpers.js';
import { assertPythonZmq, startPythonHandler, zmqCall, type PythonHandler } from './zmq-helpers.js';

/**
 * A handler written the original way (examples/original-style-handler/handler.py: pyzmq, REQ/REP,
 * JSON frames, its own REP socket) against a real server with ZeroMQ on.
 */
let server: RunningServer;
let api: ReturnType<typeof client>;
let endpoint: string;
let handler: PythonHandler;

beforeAll(async () => {
  assertPythonZmq();
  const port = await freePort();
  endpoint = `tcp://127.0.0.1:${port}`;
  server = await startTestServer({ zmq: { host: '127.0.0.1', port } });
  api = client(server.url);
  handler = startPythonHandler('orig', endpoint, ['--ping-interval', '1', '--retry-interval', '0.5']);
  await handler.waitForLine(/registered as orig at tcp:\/\/127\.0\.0\.1:\d+ \(registered\)/);
});

afterAll(async () => {
  await handler?.kill();
  await server?.close();
});

async function handlerEntry(id: string) {
  const res = await api('GET', '/api/handlers');
  return (res.body.handlers as any[]).find((h) => h.id === id);
}

describe('a handler written for the original ScheduleZero', () => {
  it('registers over ZeroMQ and is listed as the original listed handlers', async () => {
    const entry = await handlerEntry('orig');
    expect(entry).toEqual({
      id: 'orig',
      address: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
      methods: ['add', 'count', 'fail', 'greet', 'ping', 'sleep'],
      status: 'Connected',
      type: 'zeromq',
      last_seen: expect.any(String),
    });
    expect(handler.lines.some((l) => l.includes(entry.address))).toBe(true);
  });

  it('runs a scheduled job (interval of 1 s) and stores the replies as run results', async () => {
    const created = await api('POST', '/api/schedule', {
      handler_id: 'orig',
      job_method: 'greet',
      job_params: { name: 'Ada' },
      trigger: { type: 'interval', seconds: 1 },
      job_id: 'greet-every-second',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ status: 'success', job_id: 'greet-every-second' });

    const records = await waitFor(async () => {
      const res = await api('GET', '/api/executions?job_id=greet-every-second&status=success');
      return res.body.records.length >= 2 ? res.body.records : null;
    }, 15_000);
    expect(records[0]).toMatchObject({
      job_id: 'greet-every-second',
      handler_id: 'orig',
      method_name: 'greet',
      status: 'success',
      result: { success: true, greeting: 'Hello, Ada!' },
      error: null,
      attempt_number: 1,
      max_attempts: 3,
      params_summary: 'name=Ada',
    });
    // The run result is the reply without its `success` flag.
    const runs = await api('GET', '/api/v1/runs?schedule_id=greet-every-second&status=succeeded');
    expect(runs.body.items[0]).toMatchObject({ handler: 'orig', method: 'greet', status: 'succeeded', result: { greeting: 'Hello, Ada!' } });

    const removed = await api('DELETE', '/api/schedules/greet-every-second');
    expect(removed.body).toEqual({ status: 'success', message: "Schedule 'greet-every-second' removed", schedule_id: 'greet-every-second' });
  });

  it('runs a job through POST /api/run_now and answers with its result', async () => {
    const res = await api('POST', '/api/run_now', { handler_id: 'orig', job_method: 'add', job_params: { a: 2, b: 3 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'success',
      result: { success: true, sum: 5 },
      message: "Job executed on handler 'orig'",
      run_id: expect.any(String),
    });
    const run = await api('GET', `/api/v1/runs/${res.body.run_id}`);
    expect(run.body).toMatchObject({ status: 'succeeded', result: { sum: 5 }, attempt: 1 });
  });

  it('turns a {success: false} reply into a failed run with its error, retried as the original did', async () => {
    const res = await api('POST', '/api/run_now', { handler_id: 'orig', job_method: 'fail', job_params: { message: 'disk full' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 500, message: 'Failed to execute job: disk full', run_id: expect.any(String) } });
    const run = (await api('GET', `/api/v1/runs/${res.body.error.run_id}`)).body;
    expect(run).toMatchObject({ status: 'failed', attempt: 3, error: { message: 'disk full', type: 'HandlerError' } });
    expect(run.attempts.map((a: any) => a.status)).toEqual(['failed', 'failed', 'failed']);

    const errors = await api('GET', '/api/executions/errors');
    expect(errors.body.errors[0]).toMatchObject({ run_id: run.id, status: 'error', error: 'disk full', attempt_number: 3, max_attempts: 3 });
  });

  it('answers ping, and an error (not a crash) for garbage, then keeps serving', async () => {
    expect(await zmqCall(endpoint, { method: 'ping' })).toEqual({ success: true, message: 'pong' });
    const garbage = await zmqCall(endpoint, 'this is not json {');
    expect(garbage.success).toBe(false);
    expect(garbage.error).toMatch(/^Invalid JSON/);
    expect(await zmqCall(endpoint, { method: 'launch_rockets', params: {} })).toEqual({ success: false, error: 'Unknown method: launch_rockets' });
    expect(await zmqCall(endpoint, { method: 'ping' })).toEqual({ success: true, message: 'pong' });
    const res = await api('POST', '/api/run_now', { handler_id: 'orig', job_method: 'count', job_params: {} });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ success: true, count: expect.any(Number) });
  });

  it('unregisters the handler when it reports offline on stop', async () => {
    const code = await handler.stop();
    expect(code).toBe(0);
    expect(handler.lines.some((l) => l.includes('reported offline'))).toBe(true);
    const entry = await handlerEntry('orig');
    // Still listed, with its last address, as the original kept handlers in its registry.
    expect(entry).toMatchObject({ id: 'orig', status: 'Disconnected', type: 'zeromq', address: expect.stringMatching(/^tcp:/) });
    const refused = await api('POST', '/api/v1/runs', { handler: 'orig', method: 'add', params: { a: 1, b: 1 } });
    // The run waits for the handler to come back; nobody takes it meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    expect((await api('GET', `/api/v1/runs/${refused.body.id}`)).body.status).toBe('queued');

    // Started again, it registers again and the waiting run goes through.
    handler = startPythonHandler('orig', endpoint, ['--ping-interval', '1']);
    await handler.waitForLine(/registered as orig/);
    const done = await waitFor(async () => {
      const run = (await api('GET', `/api/v1/runs/${refused.body.id}`)).body;
      return run.status === 'succeeded' ? run : null;
    });
    expect(done.result).toEqual({ sum: 2 });
  });
});
