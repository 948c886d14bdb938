import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { RunRow } from '../../src/domain/types.js';
import { tempDir, waitFor } from '../helpers.js';

const engines: Engine[] = [];
const stores: Store[] = [];
const dirs: { cleanup(): void }[] = [];

async function makeEngine(options: Partial<EngineOptions> & { store?: Store } = {}): Promise<Engine> {
  const store = options.store ?? new SqliteStore({ filename: ':memory:' });
  if (!options.store) {
    await store.migrate();
    stores.push(store);
  }
  const engine = new Engine({ reapIntervalMs: 50, ...options, store });
  engines.push(engine);
  return engine;
}

afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop(200);
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

async function runsOf(engine: Engine, scheduleId: string): Promise<RunRow[]> {
  const page = await engine.listRuns({ schedule_id: scheduleId, limit: 500 });
  return page.items.slice().reverse();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine: firing schedules', () => {
  it('fires an interval schedule once per occurrence and records each run', async () => {
    const engine = await makeEngine();
    const seen: unknown[] = [];
    await engine.registerLocalHandler('demo', { hello: (params) => (seen.push(params), { ok: true }) });
    await engine.start();
    const s = await engine.createSchedule({
      id: 'every-200ms',
      handler: 'demo',
      method: 'hello',
      params: { name: 'x' },
      trigger: { type: 'interval', seconds: 0.2 },
    });
    expect(s.next_run_at).not.toBeNull();
    await waitFor(async () => (await runsOf(engine, s.id)).filter((r) => r.status === 'succeeded').length >= 4, 5000);
    const runs = (await runsOf(engine, s.id)).filter((r) => r.status === 'succeeded');
    const times = runs.map((r) => r.scheduled_at);
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(200);
    expect(runs.every((r) => r.attempt === 1 && r.origin === 'scheduled')).toBe(true);
    expect(runs[0]!.result).toEqual({ ok: true });
    expect(seen[0]).toEqual({ name: 'x' });
  });

  it('fires a date trigger once, then has no next run', async () => {
    const engine = await makeEngine();
    await engine.registerLocalHandler('demo', { hello: () => 'hi' });
    await engine.start();
    const at = Date.now() + 150;
    const s = await engine.createSchedule({ handler: 'demo', method: 'hello', trigger: { type: 'date', run_date: at / 1000 } });
    expect(s.next_run_at).toBe(at);
    const [run] = await waitFor(async () => {
      const done = (await runsOf(engine, s.id)).filter((r) => r.status === 'succeeded');
      return done.length > 0 ? done : null;
    });
    expect(run!.scheduled_at).toBe(at);
    expect(run!.started_at!).toBeGreaterThanOrEqual(at);
    expect((await engine.getSchedule(s.id)).next_run_at).toBeNull();
    await sleep(300);
    expect(await runsOf(engine, s.id)).toHaveLength(1);
  });

  it('does not fire a paused schedule; resume computes the next run from now', async () => {
    const engine = await makeEngine();
    await engine.registerLocalHandler('demo', { hello: () => null });
    await engine.start();
    const s = await engine.createSchedule({ handler: 'demo', method: 'hello', paused: true, trigger: { type: 'interval', seconds: 0.1 } });
    expect(s.next_run_at).toBeNull();
    await sleep(350);
    expect(await runsOf(engine, s.id)).toHaveLength(0);
    const before = Date.now();
    const resumed = await engine.resumeSchedule(s.id);
    expect(resumed.paused).toBe(false);
    expect(resumed.next_run_at!).toBeGreaterThanOrEqual(before - 1);
    await waitFor(async () => (await runsOf(engine, s.id)).length >= 2);
    const paused = await engine.pauseSchedule(s.id);
    expect(paused.next_run_at).toBeNull();
  });

  it('records an overlapping occurrence as missed when max_instances runs are active', async () => {
    const engine = await makeEngine();
    let inFlight = 0;
    let maxInFlight = 0;
    await engine.registerLocalHandler('slow', {
      work: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(350);
        inFlight--;
      },
    });
    await engine.start();
    const s = await engine.createSchedule({ handler: 'slow', method: 'work', max_instances: 1, trigger: { type: 'interval', seconds: 0.1 } });
    await waitFor(async () => (await runsOf(engine, s.id)).filter((r) => r.status === 'succeeded').length >= 2, 5000);
    await engine.pauseSchedule(s.id);
    const runs = await runsOf(engine, s.id);
    const missed = runs.filter((r) => r.status === 'missed');
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.every((r) => r.error?.type === 'overlap' && r.attempt === 0)).toBe(true);
    expect(maxInFlight).toBe(1);
    // Still exactly one record per occurrence.
    expect(new Set(runs.map((r) => r.scheduled_at)).size).toBe(runs.length);
  });

  it('allows max_instances parallel runs', async () => {
    const engine = await makeEngine();
    let inFlight = 0;
    let maxInFlight = 0;
    await engine.registerLocalHandler('slow', {
      work: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(250);
        inFlight--;
      },
    });
    await engine.start();
    const s = await engine.createSchedule({ handler: 'slow', method: 'work', max_instances: 3, trigger: { type: 'interval', seconds: 0.05 } });
    await waitFor(async () => (await runsOf(engine, s.id)).filter((r) => r.status === 'succeeded').length >= 6, 5000);
    await engine.pauseSchedule(s.id);
    expect(maxInFlight).toBe(3);
  });

  it('delays each run by a random jitter up to max_jitter_seconds', async () => {
    const engine = await makeEngine();
    const lateness: number[] = [];
    await engine.registerLocalHandler('j', { go: (_p, ctx) => void lateness.push(Date.now() - ctx.scheduled_at.getTime()) });
    await engine.start();
    const s = await engine.createSchedule({ handler: 'j', method: 'go', max_jitter_seconds: 0.3, max_instances: 10, trigger: { type: 'interval', seconds: 0.1 } });
    await waitFor(() => lateness.length >= 12, 5000);
    await engine.pauseSchedule(s.id);
    const runs = (await runsOf(engine, s.id)).filter((r) => r.attempt > 0);
    const jitters = runs.map((r) => r.available_at - r.scheduled_at);
    expect(jitters.every((j) => j >= 0 && j < 300)).toBe(true);
    // Random, not constant: spread over the window.
    expect(Math.max(...jitters) - Math.min(...jitters)).toBeGreaterThan(50);
    for (const r of runs) expect(r.started_at!).toBeGreaterThanOrEqual(r.available_at);
  });

  it('marks a run missed when it cannot start within misfire_grace_seconds', async () => {
    const engine = await makeEngine();
    await engine.start();
    // No worker for this handler: the run waits, then misses its grace.
    const s = await engine.createSchedule({
      handler: 'nobody',
      method: 'm',
      misfire_grace_seconds: 0.2,
      trigger: { type: 'date', run_date: new Date(Date.now() + 50).toISOString() },
    });
    const [run] = await waitFor(async () => {
      const missed = (await runsOf(engine, s.id)).filter((r) => r.status === 'missed');
      return missed.length > 0 ? missed : null;
    }, 3000);
    expect(run!.error?.type).toBe('misfire');
    expect(run!.finished_at! - run!.scheduled_at).toBeGreaterThanOrEqual(200);
  });
});

describe('engine: retries, timeouts, cancellation', () => {
  it('retries a failing run with exponential back-off and keeps every attempt', async () => {
    const engine = await makeEngine();
    const starts: number[] = [];
    await engine.registerLocalHandler('flaky', {
      go: (_p, ctx) => {
        starts.push(Date.now());
        if (ctx.attempt < 3) throw new TypeError(`boom ${ctx.attempt}`);
        return { attempt: ctx.attempt };
      },
    });
    await engine.start();
    const run = await engine.createRun({
      handler: 'flaky',
      method: 'go',
      retry: { max_attempts: 4, initial_delay_seconds: 0.1, backoff_factor: 3, max_delay_seconds: 10 },
    });
    const done = await waitFor(async () => {
      const r = await engine.getRun(run.id);
      return r.run.status === 'succeeded' ? r : null;
    });
    expect(done.run.attempt).toBe(3);
    expect(done.run.result).toEqual({ attempt: 3 });
    expect(done.attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(done.attempts[0]!.error).toEqual({ message: 'boom 1', type: 'TypeError' });
    // 0.1 s after the first failure, 0.3 s after the second.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(95);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(295);
    expect(starts[2]! - starts[1]!).toBeLessThan(1500);
  });

  it('ends a run failed when attempts are exhausted, and never retries a non-retryable error', async () => {
    const engine = await makeEngine();
    let calls = 0;
    await engine.registerLocalHandler('bad', {
      always: () => {
        calls++;
        throw new Error('nope');
      },
      fatal: () => {
        throw Object.assign(new Error('bad params'), { name: 'BadParams' });
      },
    });
    await engine.start();
    const a = await engine.createRun({ handler: 'bad', method: 'always', retry: { max_attempts: 2, initial_delay_seconds: 0.05 } });
    const failed = await waitFor(async () => ((await engine.getRun(a.id)).run.status === 'failed' ? engine.getRun(a.id) : null));
    expect(failed.attempts).toHaveLength(2);
    expect(failed.run.error?.message).toBe('nope');
    expect(calls).toBe(2);
  });

  it('times out a run that overruns timeout_seconds and aborts its signal', async () => {
    const engine = await makeEngine();
    let aborted = false;
    await engine.registerLocalHandler('slow', {
      hang: async (_p, ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        await sleep(1500);
        return 'too late';
      },
    });
    await engine.start();
    const run = await engine.createRun({ handler: 'slow', method: 'hang', timeout_seconds: 0.2 });
    const done = await waitFor(async () => {
      const r = await engine.getRun(run.id);
      return r.run.status === 'timed_out' ? r : null;
    }, 3000);
    expect(aborted).toBe(true);
    expect(done.attempts[0]!.status).toBe('timed_out');
    expect(done.run.error?.type).toBe('timeout');
    expect(done.run.finished_at! - done.run.started_at!).toBeLessThan(1200);
  });

  it('cancels a running run (its signal fires) and a queued run', async () => {
    const engine = await makeEngine();
    let started = false;
    let aborted = false;
    await engine.registerLocalHandler('slow', {
      hang: (_p, ctx) =>
        new Promise((resolve) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve('stopped');
          });
        }),
    });
    await engine.start();
    const running = await engine.createRun({ handler: 'slow', method: 'hang' });
    await waitFor(() => started);
    expect((await engine.getRun(running.id)).run.status).toBe('running');
    const cancelled = await engine.cancelRun(running.id);
    expect(cancelled.status).toBe('cancelled');
    await waitFor(() => aborted);
    await sleep(50);
    // The handler's late result does not overwrite the cancellation.
    expect((await engine.getRun(running.id)).run.status).toBe('cancelled');

    const queued = await engine.createRun({ handler: 'nobody', method: 'x' });
    expect((await engine.cancelRun(queued.id)).status).toBe('cancelled');
    await expect(engine.cancelRun(queued.id)).rejects.toMatchObject({ statusCode: 409, code: 'run_finished' });
    await expect(engine.cancelRun('nope')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('engine: workers', () => {
  it("retries a lost worker's run on another worker", async () => {
    const engine = await makeEngine({ leaseSeconds: 0.3 });
    await engine.start();
    const run = await engine.createRun({ handler: 'remote', method: 'm', retry: { max_attempts: 2, initial_delay_seconds: 0 } });
    const a = await engine.registerWorker({ handler: 'remote', methods: ['m'] });
    const [job] = await engine.poll(a.id, 1, 0, new AbortController().signal);
    expect(job!.id).toBe(run.id);
    // Worker A vanishes. Worker B keeps polling (and stays alive).
    const b = await engine.registerWorker({ handler: 'remote', methods: ['m'] });
    const jobs = await engine.poll(b.id, 1, 3000, new AbortController().signal);
    expect(jobs[0]!.id).toBe(run.id);
    expect(jobs[0]!.attempt).toBe(2);
    expect(jobs[0]!.worker_id).toBe(b.id);
    // A's late completion is refused; B's is accepted.
    await expect(engine.complete(run.id, a.id, { status: 'succeeded', result: 1 })).rejects.toMatchObject({ statusCode: 409 });
    const done = await engine.complete(run.id, b.id, { status: 'succeeded', result: 2 });
    expect(done.run.status).toBe('succeeded');
    const { attempts } = await engine.getRun(run.id);
    expect(attempts.map((x) => [x.status, x.worker_id])).toEqual([
      ['lost', a.id],
      ['succeeded', b.id],
    ]);
    const workers = await engine.store.listWorkers();
    expect(workers.find((w) => w.id === a.id)!.status).toBe('lost');
  });

  it('never gives a worker more jobs than its concurrency, nor methods it did not declare', async () => {
    const engine = await makeEngine();
    await engine.start();
    await engine.createRuns(Array.from({ length: 5 }, () => ({ handler: 'h', method: 'a' })));
    await engine.createRun({ handler: 'h', method: 'b' });
    const w = await engine.registerWorker({ handler: 'h', methods: ['a'], concurrency: 2 });
    const signal = new AbortController().signal;
    const first = await engine.poll(w.id, 10, 0, signal);
    expect(first).toHaveLength(2);
    expect(await engine.poll(w.id, 10, 0, signal)).toHaveLength(0);
    await engine.complete(first[0]!.id, w.id, { status: 'succeeded' });
    const next = await engine.poll(w.id, 10, 0, signal);
    expect(next).toHaveLength(1);
    expect([...first, ...next].every((r) => r.method === 'a')).toBe(true);
  });

  it('works through more in-process runs than its concurrency, never more at once', async () => {
    const engine = await makeEngine();
    let inFlight = 0;
    let maxInFlight = 0;
    await engine.registerLocalHandler(
      'burst',
      {
        work: async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(2);
          inFlight--;
        },
        // Finishes at once: its slot frees before its completion is written.
        quick: () => {
          throw new Error('no');
        },
      },
      { concurrency: 4 },
    );
    await engine.start();
    await engine.createRuns(Array.from({ length: 60 }, () => ({ handler: 'burst', method: 'work' })));
    for (let i = 0; i < 60; i++) await engine.createRun({ handler: 'burst', method: 'quick' });
    const done = async () => (await engine.listRuns({ handler: 'burst', status: ['succeeded', 'failed'], limit: 200 })).items.length;
    await waitFor(async () => (await done()) === 120, 10_000);
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it('answers a waiting long poll as soon as a run is created', async () => {
    const engine = await makeEngine();
    await engine.start();
    const w = await engine.registerWorker({ handler: 'h', methods: ['a'] });
    const started = Date.now();
    const pending = engine.poll(w.id, 1, 5000, new AbortController().signal);
    await sleep(100);
    const run = await engine.createRun({ handler: 'h', method: 'a' });
    const jobs = await pending;
    expect(jobs.map((j) => j.id)).toEqual([run.id]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('engine: downtime and catch-up', () => {
  it('applies skip / once / all to occurrences missed while stopped', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const filename = join(dir.path, 'sz.db');
    const store1 = new SqliteStore({ filename });
    await store1.migrate();
    const first = await makeEngine({ store: store1 });
    await first.start();
    const common = { handler: 'none', method: 'm', max_instances: 100, trigger: { type: 'interval' as const, seconds: 0.1 } };
    await first.createSchedule({ id: 'skip', catch_up: 'skip', ...common });
    await first.createSchedule({ id: 'once', catch_up: 'once', ...common });
    await first.createSchedule({ id: 'all', catch_up: 'all', catch_up_limit: 3, ...common });
    await sleep(250);
    await first.stop(100);
    // The downtime starts after the last occurrence the first engine fired.
    const lastFired = new Map<string, number>();
    for (const id of ['skip', 'once', 'all']) {
      lastFired.set(id, Math.max(...(await runsOf(first, id)).map((r) => r.scheduled_at)));
    }
    await store1.close();

    await sleep(800); // about 8 occurrences fall due while nothing runs
    const store2 = new SqliteStore({ filename });
    await store2.migrate();
    stores.push(store2);
    const second = await makeEngine({ store: store2 });
    const restartedAt = Date.now();
    await second.start();
    await sleep(150);
    await second.pauseSchedule('skip');
    await second.pauseSchedule('once');
    await second.pauseSchedule('all');

    const inDowntime = async (id: string) =>
      (await runsOf(second, id)).filter((r) => r.scheduled_at > lastFired.get(id)! && r.scheduled_at < restartedAt - 5);
    expect(await inDowntime('skip')).toHaveLength(0);
    expect(await inDowntime('once')).toHaveLength(1);
    const all = await inDowntime('all');
    expect(all).toHaveLength(3);
    // `all` runs the first missed occurrences, in order, 100 ms apart.
    expect(all[1]!.scheduled_at - all[0]!.scheduled_at).toBe(100);
    // After catch-up, each schedule goes on with occurrences after the restart.
    for (const id of ['skip', 'once', 'all']) {
      const after = (await runsOf(second, id)).filter((r) => r.scheduled_at >= restartedAt - 5);
      expect(after.length).toBeGreaterThan(0);
    }
  });
});

describe('engine: retention', () => {
  it('prunes finished runs beyond runs_per_schedule, keeping the newest', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    stores.push(store);
    const first = await makeEngine({ store });
    await first.registerLocalHandler('r', { go: () => null });
    await first.start();
    const s = await first.createSchedule({ handler: 'r', method: 'go', trigger: { type: 'interval', seconds: 0.05 } });
    await waitFor(async () => (await runsOf(first, s.id)).filter((r) => r.status === 'succeeded').length >= 8, 5000);
    await first.pauseSchedule(s.id);
    await first.stop(500);
    const before = (await runsOf(first, s.id)).filter((r) => r.status === 'succeeded');

    const second = await makeEngine({ store, retention: { days: null, runs_per_schedule: 3 } });
    await second.start();
    const kept = await waitFor(async () => {
      const runs = await runsOf(second, s.id);
      return runs.length === 3 ? runs : null;
    }, 5000);
    // The newest three stay.
    expect(kept.map((r) => r.id)).toEqual(before.slice(-3).map((r) => r.id));
  });
});
