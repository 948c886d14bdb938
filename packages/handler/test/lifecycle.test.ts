import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../schedulezero/src/server/server.js';
import { JobAbortedError, Worker, type Logger } from '../src/index.js';
import {
  aborted,
  api,
  createRun,
  delay,
  gate,
  getRun,
  listWorkers,
  startTestServer,
  tempDir,
  waitFor,
  waitForRun,
  workerFactory,
} from './helpers.js';

const workers = workerFactory();
const servers: RunningServer[] = [];
const dirs: Array<{ cleanup(): void }> = [];

async function server(...args: Parameters<typeof startTestServer>): Promise<RunningServer> {
  const s = await startTestServer(...args);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await workers.stopAll();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});

/** A logger that keeps what it is told, for assertions. */
function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('Worker: lifecycle', () => {
  it('stop() lets running jobs finish, then leaves', async () => {
    const s = await server();
    const call = api(s.url);
    const started = gate();
    const worker = workers.create({
      server: s.url,
      handler: 'graceful',
      methods: {
        async slow(_params, ctx) {
          started.open();
          await delay(300);
          return { aborted: ctx.signal.aborted };
        },
      },
    });
    await worker.start();
    const id = await createRun(call, { handler: 'graceful', method: 'slow' });
    await started.promise;
    await worker.stop();
    expect(worker.state).toBe('stopped');

    const run = await getRun(call, id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toEqual({ aborted: false });
    const [info] = await listWorkers(call);
    expect(info).toMatchObject({ id: worker.id, status: 'left', running: 0 });

    // Nothing polls any more: a new run stays queued.
    const later = await createRun(call, { handler: 'graceful', method: 'slow' });
    await delay(200);
    expect((await getRun(call, later)).status).toBe('queued');
  });

  it('stop() aborts jobs still running after the grace period and reports them failed', async () => {
    const s = await server();
    const call = api(s.url);
    const started = gate();
    let reason: unknown;
    const worker = workers.create({
      server: s.url,
      handler: 'stubborn',
      shutdownGraceMs: 200,
      methods: {
        async wait(_params, ctx) {
          started.open();
          reason = await aborted(ctx.signal);
          throw ctx.signal.reason;
        },
      },
    });
    await worker.start();
    const id = await createRun(call, { handler: 'stubborn', method: 'wait' });
    await started.promise;
    const t0 = Date.now();
    await worker.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect((reason as JobAbortedError).kind).toBe('shutdown');
    const run = await getRun(call, id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ type: 'JobAbortedError' });
    expect((await listWorkers(call))[0]!.status).toBe('left');
  });

  it('keeps going through a server restart on the same database', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = { database_url: `sqlite:${join(dir.path, 'sz.db')}` };
    const first = await startTestServer(config);
    const port = first.port;
    const release = gate();
    const started = gate();
    const worker = workers.create({
      server: first.url,
      handler: 'durable',
      pollWaitSeconds: 1,
      methods: {
        async hold() {
          started.open();
          await release.promise;
          return 'held';
        },
        quick: () => 'quick',
      },
    });
    await worker.start();
    const workerId = worker.id;
    const id = await createRun(api(first.url), { handler: 'durable', method: 'hold' });
    await started.promise;

    await first.close();
    await delay(300); // the worker's polls and heartbeats fail meanwhile
    const second = await server({ ...config, port });
    const call = api(second.url);
    release.open();

    const run = await waitForRun(call, id, ['succeeded', 'failed', 'lost']);
    expect(run.status).toBe('succeeded');
    expect(run.result).toBe('held');
    expect(run.attempts[0]!.worker_id).toBe(workerId);

    const next = await createRun(call, { handler: 'durable', method: 'quick' });
    expect((await waitForRun(call, next, 'succeeded')).result).toBe('quick');
    expect(worker.id).toBe(workerId);
  });

  it("retries a lost worker's run on another worker", async () => {
    const s = await server({ lease_seconds: 1, heartbeat_seconds: 0.3 }, { reapIntervalMs: 100 });
    const call = api(s.url);
    // A worker that takes a job and vanishes: registered and polled by hand, never heartbeating.
    const reg = await call<{ worker_id: string }>('POST', '/workers', { handler: 'relay', methods: ['work'] });
    expect(reg.status).toBe(201);
    const ghost = reg.body.worker_id;
    const id = await createRun(call, { handler: 'relay', method: 'work', params: { x: 1 }, retry: { max_attempts: 2, initial_delay_seconds: 0.1 } });
    const poll = await call<{ jobs: Array<{ run_id: string }> }>('POST', `/workers/${ghost}/poll`, { max_jobs: 1, wait_seconds: 0 });
    expect(poll.body.jobs.map((j) => j.run_id)).toEqual([id]);

    const worker = workers.create({
      server: s.url,
      handler: 'relay',
      methods: { work: (params, ctx) => ({ params, attempt: ctx.attempt }) },
    });
    await worker.start();

    const run = await waitForRun(call, id, ['succeeded', 'failed', 'lost'], 10_000);
    expect(run.status).toBe('succeeded');
    expect(run.result).toEqual({ params: { x: 1 }, attempt: 2 });
    expect(run.attempts.map((a) => [a.status, a.worker_id])).toEqual([
      ['lost', ghost],
      ['succeeded', worker.id],
    ]);
    const states = Object.fromEntries((await listWorkers(call)).map((w) => [w.id, w.status]));
    expect(states[ghost]).toBe('lost');
    expect(states[worker.id!]).toBe('online');
  });

  it('registers again when the server does not know it any more', async () => {
    const s = await server();
    const call = api(s.url);
    const logger = memoryLogger();
    const worker = workers.create({
      server: s.url,
      handler: 'phoenix',
      pollWaitSeconds: 0.3,
      logger,
      methods: { work: (_params, ctx) => ({ worker: ctx.worker_id }) },
    });
    await worker.start();
    const firstId = worker.id!;
    expect((await call('DELETE', `/workers/${firstId}`)).status).toBe(204);
    await waitFor(() => worker.id !== firstId, 5_000);

    const id = await createRun(call, { handler: 'phoenix', method: 'work' });
    const run = await waitForRun(call, id, 'succeeded');
    expect(run.result).toEqual({ worker: worker.id });
    expect(logger.lines.some((l) => l.includes('registering again'))).toBe(true);
  });

  it('survives an unreachable server at start and registers once it is up', async () => {
    const probe = await startTestServer();
    const port = probe.port;
    await probe.close();
    const worker = workers.create({
      server: `http://127.0.0.1:${port}`,
      handler: 'patient',
      methods: { work: () => 'ok' },
    });
    const starting = worker.start();
    await delay(300);
    expect(worker.state).toBe('starting');
    const s = await server({ port });
    await starting;
    expect(worker.state).toBe('running');
    const id = await createRun(api(s.url), { handler: 'patient', method: 'work' });
    expect((await waitForRun(api(s.url), id, 'succeeded')).result).toBe('ok');
  });

  it('needs the right API token when the server has tokens', async () => {
    const token = 'sz_test_token';
    const s = await server({ api_token_hashes: [createHash('sha256').update(token).digest('hex')] });
    const methods = { work: () => 'authorized' };
    const none = workers.create({ server: s.url, handler: 'secure', methods });
    await expect(none.start()).rejects.toThrow(/requires an API token/);
    expect(none.state).toBe('stopped');
    const wrong = workers.create({ server: s.url, handler: 'secure', token: 'nope', methods });
    await expect(wrong.start()).rejects.toThrow(/refused the API token/);

    const worker = workers.create({ server: s.url, handler: 'secure', token, methods });
    await worker.start();
    const call = api(s.url, token);
    const id = await createRun(call, { handler: 'secure', method: 'work' });
    expect((await waitForRun(call, id, 'succeeded')).result).toBe('authorized');
  });

  it('rejects invalid options up front', () => {
    const base = { server: 'http://127.0.0.1:1', methods: { a: () => 1 } };
    expect(() => new Worker({ ...base, handler: 'bad name' })).toThrow(/not a valid name/);
    expect(() => new Worker({ ...base, handler: 'ok', methods: {} })).toThrow(/at least one method/);
    expect(() => new Worker({ ...base, handler: 'ok', concurrency: 0 })).toThrow(/concurrency/);
  });
});
