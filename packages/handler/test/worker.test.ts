import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../schedulezero/src/server/server.js';
import { JobAbortedError, NonRetryableError, type JobContext } from '../src/index.js';
import {
  aborted,
  api,
  createRun,
  delay,
  gate,
  getRun,
  startTestServer,
  waitFor,
  waitForRun,
  workerFactory,
  type Api,
} from './helpers.js';

let server: RunningServer;
let call: Api;
const workers = workerFactory();

beforeAll(async () => {
  server = await startTestServer();
  call = api(server.url);
});

afterEach(() => workers.stopAll());

afterAll(() => server.close());

describe('Worker: running jobs', () => {
  it('completes a burst of jobs, batching the completions that finish together', async () => {
    let batches = 0;
    let batched = 0;
    const worker = workers.create({ server: server.url, handler: 'burst', concurrency: 64, methods: { quick: (params) => params.n } });
    // Count what goes through the batch form, as a user would see it on the wire.
    const client = (worker as unknown as { client: { completeMany: (...a: unknown[]) => Promise<unknown> } }).client;
    const original = client.completeMany.bind(client);
    client.completeMany = (...a: unknown[]) => {
      batches++;
      batched += (a[1] as unknown[]).length;
      return original(...a);
    };
    await worker.start();
    const ids: string[] = [];
    const runs = await server.engine.createRuns(Array.from({ length: 300 }, (_, n) => ({ handler: 'burst', method: 'quick', params: { n } })));
    ids.push(...runs.map((r) => r.id));
    await waitFor(async () => {
      const page = await server.engine.listRuns({ handler: 'burst', status: ['succeeded'], limit: 500 });
      return page.items.length === 300;
    }, 20_000);
    const results = await Promise.all(ids.slice(0, 5).map((id) => getRun(call, id)));
    expect(results.map((r) => r.result)).toEqual([0, 1, 2, 3, 4]);
    // Some completions went in batches of more than one.
    expect(batches).toBeGreaterThan(0);
    expect(batched).toBeGreaterThan(batches);
  });

  it('runs one-off jobs and reports their results', async () => {
    const worker = workers.create({
      server: server.url,
      handler: 'basic',
      methods: {
        echo: (params, ctx) => ({ got: params, attempt: ctx.attempt, method: ctx.method, run_id: ctx.run_id }),
        nothing: () => undefined,
        async when(_params, ctx) {
          return { scheduled_at: ctx.scheduled_at.toISOString(), deadline: ctx.deadline };
        },
      },
    });
    await worker.start();
    expect(worker.id).toMatch(/^w-/);

    const echo = await createRun(call, { handler: 'basic', method: 'echo', params: { name: 'Ada', n: [1, 2] } });
    const nothing = await createRun(call, { handler: 'basic', method: 'nothing' });
    const when = await createRun(call, { handler: 'basic', method: 'when' });

    const run = await waitForRun(call, echo, 'succeeded');
    expect(run.result).toEqual({ got: { name: 'Ada', n: [1, 2] }, attempt: 1, method: 'echo', run_id: echo });
    expect(run.attempts).toHaveLength(1);
    expect(run.attempts[0]!.worker_id).toBe(worker.id);
    expect((await waitForRun(call, nothing, 'succeeded')).result).toBeNull();
    const whenRun = await waitForRun(call, when, 'succeeded');
    expect(whenRun.result).toMatchObject({ deadline: null });
    expect(typeof (whenRun.result as { scheduled_at: unknown }).scheduled_at).toBe('string');
  });

  it('runs the jobs of an interval schedule with their schedule id', async () => {
    const seen: Array<string | null> = [];
    const worker = workers.create({
      server: server.url,
      handler: 'ticker',
      methods: {
        tick: (_params, ctx) => {
          seen.push(ctx.schedule_id);
          return { n: seen.length };
        },
      },
    });
    await worker.start();
    const res = await call<{ id: string }>('POST', '/schedules', {
      id: 'every-200ms',
      handler: 'ticker',
      method: 'tick',
      trigger: { type: 'interval', seconds: 0.2 },
    });
    expect(res.status).toBe(201);
    await waitFor(() => seen.length >= 2);
    await call('DELETE', '/schedules/every-200ms');
    expect(seen.every((s) => s === 'every-200ms')).toBe(true);
    const runs = await call<{ items: Array<{ status: string }> }>('GET', '/runs?schedule_id=every-200ms&status=succeeded');
    expect(runs.body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('never runs more jobs at once than its concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const worker = workers.create({
      server: server.url,
      handler: 'busy',
      concurrency: 3,
      methods: {
        async work(params) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await delay(80);
          inFlight--;
          return { i: params.i ?? null };
        },
      },
    });
    await worker.start();
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => createRun(call, { handler: 'busy', method: 'work', params: { i } })));
    const runs = await Promise.all(ids.map((id) => waitForRun(call, id, 'succeeded')));
    expect(runs.map((r) => r.result)).toEqual(ids.map((_, i) => ({ i })));
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('shows progress on the run', async () => {
    const release = gate();
    const worker = workers.create({
      server: server.url,
      handler: 'progress',
      methods: {
        async work(_params, ctx) {
          await ctx.progress(40, 'sent 400 of 1000');
          await release.promise;
          return 'ok';
        },
      },
    });
    await worker.start();
    const id = await createRun(call, { handler: 'progress', method: 'work' });
    const run = await waitFor(async () => {
      const r = await getRun(call, id);
      return r.progress === 40 && r.message === 'sent 400 of 1000' ? r : null;
    });
    expect(run.status).toBe('running');
    release.open();
    expect((await waitForRun(call, id, 'succeeded')).result).toBe('ok');
  });

  it('aborts ctx.signal when the run is cancelled, and takes new work after', async () => {
    const reasons: unknown[] = [];
    const started = gate();
    const worker = workers.create({
      server: server.url,
      handler: 'cancel',
      methods: {
        async wait(_params, ctx) {
          started.open();
          reasons.push(await aborted(ctx.signal));
          throw ctx.signal.reason;
        },
        quick: () => 'done',
      },
    });
    await worker.start();
    const id = await createRun(call, { handler: 'cancel', method: 'wait' });
    await started.promise;
    const res = await call<{ status: string }>('POST', `/runs/${id}/cancel`);
    expect(res.status).toBe(200);
    await waitFor(() => reasons.length === 1);
    expect(reasons[0]).toBeInstanceOf(JobAbortedError);
    expect((reasons[0] as JobAbortedError).kind).toBe('cancelled');
    const run = await waitForRun(call, id, 'cancelled');
    expect(run.attempt).toBe(1);

    const next = await createRun(call, { handler: 'cancel', method: 'quick' });
    expect((await waitForRun(call, next, 'succeeded')).result).toBe('done');
    expect(worker.running).toBe(0);
  });

  it('aborts ctx.signal at the deadline; the run ends timed_out', async () => {
    let reason: unknown;
    let deadline: Date | null = null;
    const worker = workers.create({
      server: server.url,
      handler: 'timeout',
      methods: {
        async wait(_params, ctx) {
          deadline = ctx.deadline;
          reason = await aborted(ctx.signal);
          throw ctx.signal.reason;
        },
      },
    });
    await worker.start();
    const id = await createRun(call, { handler: 'timeout', method: 'wait', timeout_seconds: 0.5 });
    const run = await waitForRun(call, id, ['timed_out', 'failed', 'succeeded']);
    expect(run.status).toBe('timed_out');
    await waitFor(() => reason !== undefined);
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect((reason as JobAbortedError).kind).toBe('timeout');
    expect(deadline).toBeInstanceOf(Date);
    expect(run.attempts[0]!.status).toBe('timed_out');
  });

  it('retries a failing job per its policy', async () => {
    const calls: number[] = [];
    const worker = workers.create({
      server: server.url,
      handler: 'flaky',
      methods: {
        always(_params, ctx) {
          calls.push(ctx.attempt);
          throw new Error(`boom ${ctx.attempt}`);
        },
        second(_params, ctx: JobContext) {
          if (ctx.attempt === 1) throw new TypeError('not yet');
          return { attempt: ctx.attempt };
        },
      },
    });
    await worker.start();
    const retry = { max_attempts: 3, initial_delay_seconds: 0.05 };
    const always = await createRun(call, { handler: 'flaky', method: 'always', retry });
    const second = await createRun(call, { handler: 'flaky', method: 'second', retry });

    const failed = await waitForRun(call, always, 'failed');
    expect(failed.attempt).toBe(3);
    expect(failed.attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failed.error).toMatchObject({ message: 'boom 3', type: 'Error' });
    expect(calls).toEqual([1, 2, 3]);

    const ok = await waitForRun(call, second, 'succeeded');
    expect(ok.result).toEqual({ attempt: 2 });
    expect(ok.attempts[0]!.error).toMatchObject({ message: 'not yet', type: 'TypeError' });
  });

  it('does not retry a NonRetryableError, nor a result that is not JSON', async () => {
    let calls = 0;
    const worker = workers.create({
      server: server.url,
      handler: 'final',
      methods: {
        bad() {
          calls++;
          throw new NonRetryableError('no such customer');
        },
        bigint: () => ({ n: 10n }),
      },
    });
    await worker.start();
    const retry = { max_attempts: 3, initial_delay_seconds: 0.05 };
    const bad = await createRun(call, { handler: 'final', method: 'bad', retry });
    const bigint = await createRun(call, { handler: 'final', method: 'bigint', retry });

    const run = await waitForRun(call, bad, 'failed');
    expect(run.attempt).toBe(1);
    expect(run.error).toEqual({ message: 'no such customer', type: 'NonRetryableError', retryable: false });
    const invalid = await waitForRun(call, bigint, 'failed');
    expect(invalid.attempt).toBe(1);
    expect(invalid.error).toMatchObject({ type: 'InvalidResult', retryable: false });
    await delay(300);
    expect(calls).toBe(1);
  });
});
