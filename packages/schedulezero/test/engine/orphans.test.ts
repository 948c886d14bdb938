import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { waitFor } from '../helpers.js';

describe('an in-process run that its worker never got', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.stop(500);
  });

  it('is ended lost and retried, and runs', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    const ran: string[] = [];
    engine = new Engine({ store, localLeaseSeconds: 0.3 });
    engine.registerLocalHandler('h', {
      m: async (_params, ctx) => {
        ran.push(`${ctx.run_id}#${ctx.attempt}`);
        return {};
      },
    });
    await engine.start();
    const [local] = await store.listWorkers({ status: ['online'] });
    // What a claim whose answer was lost leaves behind: the run is running under the worker in
    // the database, and the worker knows nothing of it.
    const now = Date.now();
    await store.insertRuns([
      {
        id: 'orphan',
        schedule_id: null,
        origin: 'one_off',
        handler: 'h',
        method: 'm',
        params: {},
        status: 'queued',
        retry: { max_attempts: 2, initial_delay_seconds: 0, backoff_factor: 2, max_delay_seconds: 1 },
        timeout_seconds: null,
        scheduled_at: now,
        available_at: now,
        start_by: null,
        created_at: now,
        claimed: { worker_id: local!.id, started_at: now },
      },
    ]);
    expect((await store.getRun('orphan'))?.status).toBe('running');

    const done = await waitFor(async () => {
      const run = await store.getRun('orphan');
      return run?.status === 'succeeded' ? run : null;
    }, 10_000, 50);
    expect(done.attempt).toBe(2);
    expect(ran).toEqual(['orphan#2']);
    expect((await store.getAttempts('orphan'))[0]).toMatchObject({ attempt: 1, status: 'lost', error: { type: 'worker_lost' } });
  });
});
