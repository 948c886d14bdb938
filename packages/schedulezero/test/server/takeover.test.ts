import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { RunningServer } from '../../src/server/server.js';
import { postgresOptions } from '../../src/server/store-factory.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { client, freePort, startTestServer, tempDir, waitFor } from '../helpers.js';
import { PG_URL, pgAvailable } from '../store/pg-support.js';

const available = await pgAvailable();
const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));

/**
 * A node that dies (SIGKILL: no clean stop, nothing released) while it runs a job in-process.
 * Another node takes the run over within 5 seconds: its in-process lease is short on a shared
 * database and is renewed every second only while the node lives.
 */
describe.runIf(available)('a node that dies', () => {
  const schema = `sz_takeover_${randomBytes(5).toString('hex')}`;
  const url = `${PG_URL}?schema=${schema}`;
  const dir = tempDir('sz-takeover-');
  let doomed: ChildProcess | undefined;
  let doomedUrl: string;
  let survivor: RunningServer;

  beforeAll(async () => {
    const registry = join(dir.path, 'handler_registry.yaml');
    // The command sleeps long: the run is still running on the node when it is killed.
    writeFileSync(
      registry,
      'handlers:\n  - id: slow\n    type: command\n    command: [sleep, "30"]\n    methods:\n      nap:\n        retry: { max_attempts: 2, initial_delay_seconds: 0 }\n',
    );
    const port = await freePort();
    doomed = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--no-portal', '--handler-registry', registry], {
      env: { ...process.env, SCHEDULEZERO_DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
      detached: true,
    });
    doomedUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${doomedUrl}/api/v1/health`).catch(() => null))?.ok || null, 20_000);
    // The surviving node has no in-process handler: the run can only have been taken by the doomed one.
    survivor = await startTestServer({ database_url: url });
  });

  afterAll(async () => {
    if (doomed?.pid) {
      try {
        process.kill(-doomed.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await survivor?.close();
    await new PostgresStore({ ...postgresOptions(url), dropSchemaOnClose: true }).close();
    dir.cleanup();
  });

  it('has its running job taken over by another node within 5 seconds', async () => {
    const api = client(survivor.url);
    // Created on the node that knows the method (its registry gives it two attempts).
    const created = await client(doomedUrl)('POST', '/api/v1/runs', { handler: 'slow', method: 'nap' });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await waitFor(async () => (await api('GET', `/api/v1/runs/${id}`)).body.status === 'running' || null, 15_000);

    // The whole process group: the node and the `sleep` it started.
    process.kill(-doomed!.pid!, 'SIGKILL');
    const killedAt = Date.now();
    const after = await waitFor(async () => {
      const run = (await api('GET', `/api/v1/runs/${id}`)).body;
      return run.status !== 'running' ? run : null;
    }, 15_000, 50);
    const tookMs = Date.now() - killedAt;
    // Queued again for its second attempt (its policy allows two), which waits for a worker of
    // `slow`: not stuck as running, not lost.
    expect(after.status).toBe('queued');
    expect(after.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'lost', error: expect.objectContaining({ type: 'worker_lost' }) })]);
    expect(tookMs).toBeLessThan(5_000);
  });
});

describe.runIf(available)('a node that was cut off longer than its lease', () => {
  const schema = `sz_reattach_${randomBytes(5).toString('hex')}`;
  let store: PostgresStore;
  beforeAll(async () => {
    store = new PostgresStore({ ...postgresOptions(`${PG_URL}?schema=${schema}`), dropSchemaOnClose: true });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('stops the runs that others took over, registers its in-process worker again, and goes on working', async () => {
    let aborted = 0;
    const engine = new Engine({ store, reapIntervalMs: 200 });
    engine.registerLocalHandler('cut', {
      wait: async (_params, ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted++;
        return {};
      },
      quick: async () => ({ ok: true }),
    });
    await engine.start();
    try {
      const held = await engine.createRun({ handler: 'cut', method: 'wait' });
      await waitFor(async () => ((await store.getRun(held.id))?.status === 'running' ? true : null));
      // What another node's reaper does when this node's lease ran out.
      const [worker] = await store.database.query<{ id: string }>(`SELECT id FROM workers WHERE kind = 'local'`);
      await store.expireWorkers(Date.now() + 3_600_000, () => null);
      expect((await store.database.query<{ status: string }>('SELECT status FROM workers WHERE id = $1', [worker!.id]))[0]!.status).toBe('lost');

      await waitFor(async () => ((await store.database.query<{ status: string }>('SELECT status FROM workers WHERE id = $1', [worker!.id]))[0]!.status === 'online' ? true : null), 5_000);
      expect(aborted).toBe(1);
      const next = await engine.createRun({ handler: 'cut', method: 'quick' });
      await waitFor(async () => ((await store.getRun(next.id))?.status === 'succeeded' ? true : null), 5_000);
    } finally {
      await engine.stop(500);
    }
  });
});

describe.runIf(available)('the database clock', () => {
  const schema = `sz_dbclock_${randomBytes(5).toString('hex')}`;
  let store: PostgresStore;
  beforeAll(async () => {
    store = new PostgresStore({ ...postgresOptions(`${PG_URL}?schema=${schema}`), dropSchemaOnClose: true });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("times a node's work by the database's clock, whatever the node's own clock says", async () => {
    // This node's clock is two minutes fast.
    const skew = 120_000;
    const engine = new Engine({ store, clock: { now: () => Date.now() + skew } });
    engine.registerLocalHandler('clock', { when: async () => ({ at: Date.now() }) });
    await engine.start();
    try {
      const dbNow = await store.databaseTime();
      // A one-off schedule due in 1.5 s of database time: with the node's own clock it would fire at once.
      const at = new Date(dbNow + 1_500).toISOString();
      await engine.createSchedule({ id: 'soon', handler: 'clock', method: 'when', trigger: { type: 'date', run_date: at } });
      await new Promise((r) => setTimeout(r, 500));
      expect((await store.listRuns({ schedule_id: 'soon', limit: 10 })).items).toHaveLength(0);
      const run = await waitFor(async () => (await store.listRuns({ schedule_id: 'soon', limit: 10 })).items.find((r) => r.status === 'succeeded') ?? null, 10_000);
      // Fired at its time by the database's clock (within the polling slack), not two minutes early.
      expect(run.scheduled_at).toBe(Date.parse(at));
      expect(run.started_at! - run.scheduled_at).toBeGreaterThanOrEqual(-50);
      expect(run.started_at! - run.scheduled_at).toBeLessThan(1_500);
    } finally {
      await engine.stop(1000);
    }
  });
});
