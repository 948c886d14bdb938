import { describe, expect, it } from 'vitest';
import { PG_MIGRATIONS, PgSchemaTooNewError } from '../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { RunRow } from '../../src/domain/types.js';
import type { FirePlanner, NewWorker, RetryDecider } from '../../src/store/store.js';
import { newRun, newSchedule, occurrence, storeContract, T } from './contract.js';
import { freshPgStore, PG_URL, pgAvailable } from './pg-support.js';

const available = await pgAvailable();

describe.runIf(available)('PostgreSQL store', () => {
  storeContract('postgres', async () => freshPgStore());

  it('applies migrations once when many nodes start at the same moment', async () => {
    const first = freshPgStore();
    const schema = first.database.schema;
    const others = Array.from({ length: 5 }, () => new PostgresStore({ url: PG_URL, schema, max: 2 }));
    try {
      await Promise.all([first, ...others].map((s) => s.migrate()));
      const rows = await first.database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    } finally {
      for (const s of others) await s.database.close();
      await first.close();
    }
  });

  it('refuses a database written by a newer ScheduleZero', async () => {
    const store = freshPgStore();
    try {
      await store.migrate();
      await store.database.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, $1, 0)', ['from the future']);
      await expect(store.migrate()).rejects.toBeInstanceOf(PgSchemaTooNewError);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(available)('PostgreSQL store: two nodes expiring workers at once', () => {
  const S = 1000;
  const worker = (id: string): NewWorker => ({
    id,
    kind: 'remote',
    handler: 'h',
    methods: [`m-${id}`],
    concurrency: 4,
    name: null,
    version: null,
    registered_at: T,
    expires_at: T + 10 * S,
  });
  const retryLater: RetryDecider = () => T + 30 * S;

  /** Two stores (two nodes) on one fresh schema; `body` gets them, migrated. */
  async function twoNodes(body: (a: PostgresStore, b: PostgresStore) => Promise<void>): Promise<void> {
    const a = freshPgStore();
    const b = new PostgresStore({ url: PG_URL, schema: a.database.schema, max: 4 });
    try {
      await a.migrate();
      await body(a, b);
    } finally {
      await b.close();
      await a.close();
    }
  }

  /** A worker with one running run (its lease ends at T + 10 s). */
  async function workerWithRun(store: PostgresStore, id: string): Promise<string> {
    await store.registerWorker(worker(id));
    const run_id = `run-of-${id}`;
    await store.insertRuns([newRun(run_id, { method: `m-${id}` })]);
    expect((await store.claimRuns({ worker_id: id, handler: 'h', methods: [`m-${id}`], limit: 1, now: T })).map((r) => r.id)).toEqual([run_id]);
    return run_id;
  }

  async function attemptRows(store: PostgresStore, run_id: string): Promise<number> {
    return (await store.database.query('SELECT 1 FROM attempts WHERE run_id = $1', [run_id])).length;
  }

  it('a node expiring a worker that another node is expiring skips it: its run is retried once', async () => {
    await twoNodes(async (a, b) => {
      const run_id = await workerWithRun(a, 'w1');
      // A third session holds the run row (as a completion in flight would), so that node A
      // stops in the middle of expiring w1: the worker marked lost, its run not yet ended.
      const holder = await a.database.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [run_id]);
        const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const first = a.expireWorkers(T + 20 * S, retryLater);
        for (let i = 0; ; i++) {
          const waiting = await b.database.query('SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [holderPid]);
          if (waiting.length > 0) break;
          if (i > 500) throw new Error('node A never reached the run lock');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        // Node B runs its pass meanwhile: w1 is node A's, B neither waits for it nor touches it.
        expect(await b.expireWorkers(T + 20 * S, retryLater)).toEqual({ workers: [], runs: [] });
        await holder.query('ROLLBACK');
        const result = await first;
        expect(result.workers.map((w) => [w.id, w.status])).toEqual([['w1', 'lost']]);
        expect(result.runs.map((r) => [r.id, r.status, r.attempt])).toEqual([[run_id, 'queued', 1]]);
      } finally {
        holder.release();
      }
      expect(await b.expireWorkers(T + 20 * S, retryLater)).toEqual({ workers: [], runs: [] });
      expect(await a.getRun(run_id)).toMatchObject({ status: 'queued', attempt: 1, worker_id: null, available_at: T + 30 * S });
      expect(await attemptRows(a, run_id)).toBe(1);
      expect(await a.getAttempts(run_id)).toMatchObject([{ attempt: 1, status: 'lost', worker_id: 'w1' }]);
    });
  });

  it('two nodes expiring the same workers at the same moment process each worker and run exactly once', async () => {
    await twoNodes(async (a, b) => {
      for (let round = 0; round < 5; round++) {
        const ids = Array.from({ length: 6 }, (_, i) => `r${round}-w${i}`);
        const runIds: string[] = [];
        for (const id of ids) runIds.push(await workerWithRun(a, id));
        const [ra, rb] = await Promise.all([a.expireWorkers(T + 20 * S, retryLater), b.expireWorkers(T + 20 * S, retryLater)]);
        expect([...ra.workers, ...rb.workers].map((w) => w.id).sort()).toEqual([...ids].sort());
        expect([...ra.runs, ...rb.runs].map((r) => [r.id, r.status, r.attempt]).sort()).toEqual(runIds.map((id) => [id, 'queued', 1]).sort());
        for (const run_id of runIds) expect(await attemptRows(a, run_id)).toBe(1);
      }
    });
  });
});

describe.runIf(available)('PostgreSQL store: two nodes claiming and firing at once', () => {
  /** Two stores (two nodes) on one schema; the first drops it when closed. */
  async function nodePair(): Promise<[PostgresStore, PostgresStore]> {
    const first = freshPgStore();
    await first.migrate();
    const second = new PostgresStore({ url: PG_URL, schema: first.database.schema, max: 4 });
    return [first, second];
  }

  it('two nodes claiming at once never hand out a run twice, nor overfill a worker', async () => {
    const [a, b] = await nodePair();
    try {
      const far = T + 365 * 86_400_000;
      await a.insertRuns(Array.from({ length: 200 }, (_, i) => newRun(`run-${String(i).padStart(3, '0')}`, { available_at: T - i })));
      // Four workers per node, 30 slots each (240 for 200 runs), and one worker that both nodes
      // serve at once (as a worker connected to two nodes would be) with 10 slots.
      const workers = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4', 'both'];
      for (const id of workers) {
        await a.registerWorker({ id, kind: 'remote', handler: 'h', methods: ['m'], concurrency: id === 'both' ? 10 : 30, name: null, version: null, registered_at: T, expires_at: far });
      }
      const claims: { worker: string; runs: RunRow[] }[] = [];
      /** Claim for `worker` through `store` in small batches until it gets nothing. */
      const drain = async (store: PostgresStore, worker: string) => {
        for (;;) {
          const runs = await store.claimRuns({ worker_id: worker, handler: 'h', methods: ['m'], limit: 3, now: T });
          if (runs.length === 0) return;
          claims.push({ worker, runs });
        }
      };
      await Promise.all([
        ...workers.filter((w) => w.startsWith('a')).map((w) => drain(a, w)),
        ...workers.filter((w) => w.startsWith('b')).map((w) => drain(b, w)),
        drain(a, 'both'),
        drain(b, 'both'),
        drain(a, 'both'),
        drain(b, 'both'),
      ]);
      const handed = claims.flatMap((c) => c.runs.map((r) => r.id));
      expect(handed).toHaveLength(200);
      expect(new Set(handed).size).toBe(200);
      expect(await a.countRunsByStatus(['queued', 'running'])).toEqual({ queued: 0, running: 200 });
      const perWorker = new Map<string, number>();
      for (const c of claims) perWorker.set(c.worker, (perWorker.get(c.worker) ?? 0) + c.runs.length);
      for (const id of workers) expect(perWorker.get(id) ?? 0, id).toBeLessThanOrEqual(id === 'both' ? 10 : 30);
      // What each claim returned is what the database holds.
      const counts = await a.runningCounts(workers);
      for (const id of workers) expect(counts.get(id), id).toBe(perWorker.get(id) ?? 0);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('two nodes firing the same due schedules at once insert every occurrence exactly once', async () => {
    const [a, b] = await nodePair();
    try {
      const M = 60_000;
      const ids = Array.from({ length: 50 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
      await a.createSchedules(ids.map((id) => newSchedule(id, { next_run_at: T - 2 * M, max_instances: 10 })));
      // Catch-up: three occurrences per schedule; next_run_at only moves on in the second round.
      let moveOn = false;
      const planner: FirePlanner = (s) => ({
        runs: [occurrence(s.id, T - 2 * M), occurrence(s.id, T - M), occurrence(s.id, T)],
        next_run_at: moveOn ? T + M : s.next_run_at,
      });
      const fired: RunRow[] = [];
      let handled = 0;
      /** Fire passes of 7 schedules until a pass finds nothing (left to the other node). */
      const loop = async (store: PostgresStore, passes: number) => {
        for (let i = 0; i < passes; i++) {
          const result = await store.fireDueSchedules(T, 7, planner);
          fired.push(...result.runs);
          handled += result.schedules;
          if (result.schedules === 0) return;
        }
      };
      // Round one: next_run_at stays, so every pass plans occurrences that exist already.
      await Promise.all([loop(a, 10), loop(b, 10), loop(a, 10), loop(b, 10)]);
      // Round two: each schedule moves on, so it is handled exactly once across both nodes.
      moveOn = true;
      handled = 0;
      await Promise.all([loop(a, 100), loop(b, 100), loop(a, 100), loop(b, 100)]);
      expect(handled).toBe(50);
      expect(await a.nextDueAt()).toBe(T + M);

      const keys = fired.map((r) => `${r.schedule_id}@${r.scheduled_at}`);
      expect(keys).toHaveLength(150);
      expect(new Set(keys).size).toBe(150);
      const stored = await a.database.query<{ n: number; keys: number }>(
        'SELECT count(*) AS n, count(DISTINCT (schedule_id, scheduled_at)) AS keys FROM runs',
      );
      expect(stored[0]).toEqual({ n: 150, keys: 150 });
      expect(new Set((await a.listRuns({ limit: 200 })).items.map((r) => r.id))).toEqual(new Set(fired.map((r) => r.id)));
      for (const id of ids) expect((await b.getSchedule(id))?.last_run_at, id).toBe(T);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
