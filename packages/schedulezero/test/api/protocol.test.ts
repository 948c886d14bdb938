import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, waitFor } from '../helpers.js';

let server: RunningServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer({ heartbeat_seconds: 5, lease_seconds: 20 });
  api = client(server.url);
});
afterAll(async () => {
  await server.close();
});

async function register(handler: string, methods: string[], concurrency = 1) {
  const res = await api('POST', '/api/v1/workers', { handler, methods, concurrency, name: 'test', version: '1.0' });
  expect(res.status).toBe(201);
  expect(res.body).toEqual({ worker_id: expect.any(String), heartbeat_seconds: 5, lease_seconds: 20 });
  return res.body.worker_id as string;
}

describe('worker protocol over HTTP', () => {
  it('register, poll, heartbeat, complete: the full cycle', async () => {
    const worker = await register('proto', ['echo'], 2);
    const run = (await api('POST', '/api/v1/runs', { handler: 'proto', method: 'echo', params: { n: 1 }, timeout_seconds: 60 })).body;
    const poll = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 5, wait_seconds: 1 });
    expect(poll.status).toBe(200);
    expect(poll.body.jobs).toHaveLength(1);
    const job = poll.body.jobs[0];
    expect(job).toEqual({
      run_id: run.id,
      schedule_id: null,
      method: 'echo',
      params: { n: 1 },
      attempt: 1,
      scheduled_at: run.scheduled_at,
      deadline: expect.any(String),
    });

    const hb = await api('POST', `/api/v1/runs/${run.id}/heartbeat`, { worker_id: worker, progress: 50, message: 'half way' });
    expect(hb.body).toEqual({ cancel_requested: false });
    const mid = (await api('GET', `/api/v1/runs/${run.id}`)).body;
    expect(mid).toMatchObject({ status: 'running', progress: 50, message: 'half way', worker_id: worker });

    const done = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'succeeded', result: { echoed: 1 } });
    expect(done.body).toEqual({ run_id: run.id, status: 'succeeded', attempt: 1, retry_at: null });
    const final = (await api('GET', `/api/v1/runs/${run.id}`)).body;
    expect(final).toMatchObject({ status: 'succeeded', result: { echoed: 1 } });
    expect(final.attempts).toHaveLength(1);
    expect(final.attempts[0]).toMatchObject({ attempt: 1, status: 'succeeded', worker_id: worker });

    // A second completion changes nothing.
    const again = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'failed', error: { message: 'x' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('run_not_running');
    expect((await api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('succeeded');
  });

  it('refuses a completion by a worker that does not own the run', async () => {
    const owner = await register('own', ['m']);
    const other = await register('own', ['m']);
    const run = (await api('POST', '/api/v1/runs', { handler: 'own', method: 'm' })).body;
    const jobs = (await api('POST', `/api/v1/workers/${owner}/poll`, { max_jobs: 1, wait_seconds: 1 })).body.jobs;
    expect(jobs[0].run_id).toBe(run.id);
    const res = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: other, status: 'succeeded' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_owner');
    const hb = await api('POST', `/api/v1/runs/${run.id}/heartbeat`, { worker_id: other });
    expect(hb.status).toBe(409);
    expect((await api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('running');
  });

  it('a failed completion schedules a retry and reports it', async () => {
    const worker = await register('retry', ['m']);
    const run = (await api('POST', '/api/v1/runs', { handler: 'retry', method: 'm', retry: { max_attempts: 2, initial_delay_seconds: 0.2 } })).body;
    await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
    const res = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'failed', error: { message: 'smtp down', type: 'SMTPError' } });
    expect(res.body.status).toBe('queued');
    expect(Date.parse(res.body.retry_at)).toBeGreaterThan(Date.now() - 50);
    const poll = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 3 });
    expect(poll.body.jobs[0]).toMatchObject({ run_id: run.id, attempt: 2 });
    const fail = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'failed', error: { message: 'still down' } });
    expect(fail.body).toMatchObject({ status: 'failed', attempt: 2, retry_at: null });
    const detail = (await api('GET', `/api/v1/runs/${run.id}`)).body;
    expect(detail.attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'failed']);
    expect(detail.attempts[0].error).toEqual({ message: 'smtp down', type: 'SMTPError' });
  });

  it('a waiting poll is woken when a retry becomes due (not at the end of its wait)', async () => {
    const worker = await register('wake', ['m']);
    for (let i = 0; i < 5; i++) {
      const run = (await api('POST', '/api/v1/runs', { handler: 'wake', method: 'm', retry: { max_attempts: 2, initial_delay_seconds: 0.1 } })).body;
      await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
      await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'failed', error: { message: 'x' } });
      const t0 = Date.now();
      const poll = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 10 });
      expect(poll.body.jobs[0]).toMatchObject({ run_id: run.id, attempt: 2 });
      expect(Date.now() - t0).toBeLessThan(2000);
      await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'succeeded' });
    }
  });

  it('a worker that leaves during its long poll is handed nothing', async () => {
    const worker = await register('gone', ['m']);
    const pending = api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 10 });
    await new Promise((r) => setTimeout(r, 100));
    expect((await api('DELETE', `/api/v1/workers/${worker}`)).status).toBe(204);
    expect((await pending).body).toEqual({ jobs: [] });
    const run = (await api('POST', '/api/v1/runs', { handler: 'gone', method: 'm' })).body;
    await new Promise((r) => setTimeout(r, 100));
    expect((await api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('queued');
  });

  it('completes several runs in one batch request, each accepted or refused on its own', async () => {
    const worker = await register('batch', ['m'], 5);
    const other = await register('batch-other', ['m']);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await api('POST', '/api/v1/runs', { handler: 'batch', method: 'm', retry: { max_attempts: 2, initial_delay_seconds: 60 } })).body);
    const polled = (await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 5, wait_seconds: 1 })).body.jobs;
    expect(polled).toHaveLength(3);
    await api('POST', `/api/v1/runs/${runs[2].id}/complete`, { worker_id: worker, status: 'succeeded' });
    const res = await api('POST', `/api/v1/workers/${worker}/complete`, {
      completions: [
        { run_id: runs[0].id, status: 'succeeded', result: { n: 0 } },
        { run_id: runs[1].id, status: 'failed', error: { message: 'flaky' }, attempt: 1 },
        { run_id: runs[2].id, status: 'succeeded' },
        { run_id: 'no-such-run', status: 'succeeded' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { run_id: runs[0].id, status: 'succeeded', attempt: 1, retry_at: null },
      { run_id: runs[1].id, status: 'queued', attempt: 1, retry_at: expect.any(String) },
      { run_id: runs[2].id, error: { status: 409, code: 'run_not_running', message: expect.any(String) } },
      { run_id: 'no-such-run', error: { status: 404, code: 'run_not_found', message: expect.any(String) } },
    ]);
    expect((await api('GET', `/api/v1/runs/${runs[0].id}`)).body.result).toEqual({ n: 0 });
    // Another worker cannot complete runs it does not own, in a batch either.
    const stolen = await api('POST', `/api/v1/workers/${other}/complete`, { completions: [{ run_id: runs[1].id, status: 'succeeded' }] });
    expect(stolen.body.results[0].error).toMatchObject({ status: 409 });
  });

  it('error.retryable=false ends the run without retry', async () => {
    const worker = await register('noretry', ['m']);
    const run = (await api('POST', '/api/v1/runs', { handler: 'noretry', method: 'm', retry: { max_attempts: 5 } })).body;
    await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
    const res = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'failed', error: { message: 'bad params', retryable: false } });
    expect(res.body.status).toBe('failed');
  });

  it('a waiting long poll answers as soon as work arrives, and empty after wait_seconds', async () => {
    const worker = await register('lp', ['m']);
    const t0 = Date.now();
    const empty = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 0.3 });
    expect(empty.body).toEqual({ jobs: [] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);

    const t1 = Date.now();
    const pending = api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 10 });
    await new Promise((r) => setTimeout(r, 150));
    const run = (await api('POST', '/api/v1/runs', { handler: 'lp', method: 'm' })).body;
    const got = await pending;
    expect(got.body.jobs[0].run_id).toBe(run.id);
    expect(Date.now() - t1).toBeLessThan(2000);
  });

  it('cancel reaches the worker through its heartbeat', async () => {
    const worker = await register('cx', ['m']);
    const run = (await api('POST', '/api/v1/runs', { handler: 'cx', method: 'm' })).body;
    await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
    await api('POST', `/api/v1/runs/${run.id}/cancel`);
    const hb = await api('POST', `/api/v1/runs/${run.id}/heartbeat`, { worker_id: worker });
    expect(hb.body).toEqual({ cancel_requested: true });
    const late = await api('POST', `/api/v1/runs/${run.id}/complete`, { worker_id: worker, status: 'succeeded' });
    expect(late.status).toBe(409);
    expect((await api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('cancelled');
  });

  it('a graceful leave shows the worker as left, and handlers list its methods', async () => {
    const worker = await register('leaver', ['a', 'b']);
    let handlers = (await api('GET', '/api/v1/handlers')).body.items;
    let h = handlers.find((x: { handler: string }) => x.handler === 'leaver');
    expect(h).toMatchObject({ status: 'online', methods: ['a', 'b'], running: 0 });
    expect(h.workers[0]).toMatchObject({ id: worker, status: 'online', name: 'test', version: '1.0', concurrency: 1 });
    expect((await api('DELETE', `/api/v1/workers/${worker}`)).status).toBe(204);
    handlers = (await api('GET', '/api/v1/handlers')).body.items;
    h = handlers.find((x: { handler: string }) => x.handler === 'leaver');
    expect(h).toMatchObject({ status: 'offline', methods: ['a', 'b'] });
    expect(h.workers[0].status).toBe('left');
    const poll = await api('POST', `/api/v1/workers/${worker}/poll`, { wait_seconds: 0 });
    expect(poll.status).toBe(404);
  });

  it('a client that hangs up on a long poll is not handed jobs', async () => {
    const worker = await register('hangup', ['m']);
    const controller = new AbortController();
    const pending = fetch(`${server.url}/api/v1/workers/${worker}/poll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_jobs: 1, wait_seconds: 10 }),
      signal: controller.signal,
    }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await pending).toBe('aborted');
    await new Promise((r) => setTimeout(r, 100));
    const run = (await api('POST', '/api/v1/runs', { handler: 'hangup', method: 'm' })).body;
    await new Promise((r) => setTimeout(r, 100));
    expect((await api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('queued');
  });

  it('run stats count by status and handler', async () => {
    const worker = await register('stats', ['m'], 3);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api('POST', '/api/v1/runs', { handler: 'stats', method: 'm' })).body.id);
    const jobs = (await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 3, wait_seconds: 1 })).body.jobs;
    expect(jobs).toHaveLength(3);
    await api('POST', `/api/v1/runs/${ids[0]}/complete`, { worker_id: worker, status: 'succeeded' });
    await api('POST', `/api/v1/runs/${ids[1]}/complete`, { worker_id: worker, status: 'succeeded' });
    await api('POST', `/api/v1/runs/${ids[2]}/complete`, { worker_id: worker, status: 'failed', error: { message: 'x' } });
    const stats = await waitFor(async () => {
      const s = (await api('GET', '/api/v1/runs/stats?handler=stats')).body;
      return s.total === 3 ? s : null;
    });
    expect(stats.counts).toMatchObject({ succeeded: 2, failed: 1 });
    expect(stats.success_rate).toBeCloseTo(2 / 3, 5);
    expect(stats.by_handler).toHaveLength(1);
    expect(stats.by_handler[0].handler).toBe('stats');
    expect(typeof stats.duration_ms_p50).toBe('number');
  });
});
