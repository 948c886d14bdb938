/**
 * The Store contract: behaviour every Store implementation must show. Each store's test file
 * calls `storeContract(name, makeStore)`; `makeStore` returns a fresh, empty store (migrations
 * not yet applied; the suite calls `migrate()`), and the suite closes it after each test.
 *
 * Only the Store interface and explicit `now` values are used: no clocks, no SQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptRow, NewRun, NewSchedule, RetryPolicy, RunRow, RunStatus, ScheduleRow } from '../../src/domain/types.js';
import type { AttemptEnd, FirePlanner, NewRunLogLine, NewWorker, RetryDecider, RunLogCaps, RunQuery, ScheduleQuery, Store } from '../../src/store/store.js';

/** A fixed instant all tests count from (2030-01-01T00:00:00Z). */
export const T = Date.UTC(2030, 0, 1);
const S = 1000;
const M = 60 * S;

const RETRY: RetryPolicy = { max_attempts: 3, initial_delay_seconds: 1, backoff_factor: 2, max_delay_seconds: 60 };

export function newSchedule(id: string, over: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    name: `Schedule ${id}`,
    handler: 'h',
    method: 'm',
    params: { schedule: id, nested: { list: [1, 'two', null, true] } },
    trigger: { type: 'cron', expression: '* * * * *', timezone: 'Europe/Paris' },
    misfire_grace_seconds: 30,
    catch_up: 'once',
    catch_up_limit: 5,
    max_instances: 1,
    max_jitter_seconds: 0,
    retry: RETRY,
    timeout_seconds: null,
    paused: false,
    next_run_at: T,
    created_at: T - M,
    updated_at: T - M,
    ...over,
  };
}

export function newRun(id: string, over: Partial<NewRun> = {}): NewRun {
  return {
    id,
    schedule_id: null,
    origin: 'one_off',
    handler: 'h',
    method: 'm',
    params: { run: id },
    status: 'queued',
    retry: RETRY,
    timeout_seconds: null,
    scheduled_at: T,
    available_at: T,
    start_by: null,
    created_at: T,
    ...over,
  };
}

let seq = 0;
/** A fresh run id, as the engine would generate for every planned run. */
function rid(prefix = 'r'): string {
  seq += 1;
  return `${prefix}-${String(seq).padStart(6, '0')}`;
}

/** A scheduled occurrence of a schedule at `at`, with a fresh run id. */
export function occurrence(schedule_id: string, at: number, over: Partial<NewRun> = {}): NewRun {
  return newRun(rid('occ'), {
    schedule_id,
    origin: 'scheduled',
    scheduled_at: at,
    available_at: at,
    created_at: at,
    ...over,
  });
}

function newWorker(id: string, over: Partial<NewWorker> = {}): NewWorker {
  return {
    id,
    kind: 'remote',
    handler: 'h',
    methods: ['m'],
    concurrency: 4,
    name: `worker ${id}`,
    version: '1.0.0',
    registered_at: T,
    expires_at: T + 30 * S,
    ...over,
  };
}

const noRetry: RetryDecider = () => null;
const retryAt =
  (at: number): RetryDecider =>
  () =>
    at;
const failed: AttemptEnd = { status: 'failed', error: { message: 'boom', type: 'Error' } };

/** Planner that creates the due occurrence and moves next_run_at one minute on. */
const everyMinute: FirePlanner = (schedule) => ({
  runs: [occurrence(schedule.id, schedule.next_run_at!)],
  next_run_at: schedule.next_run_at! + M,
});

/** Planner that plans the same occurrence every time and never moves next_run_at. */
const stuckAt =
  (at: number): FirePlanner =>
  (schedule) => ({ runs: [occurrence(schedule.id, at)], next_run_at: schedule.next_run_at });

function ids(rows: { id: string }[]): string[] {
  return rows.map((r) => r.id);
}

async function collect<T>(fetch: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>) {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetch(cursor);
    items.push(...page.items);
    sizes.push(page.items.length);
    if (page.next_cursor === null) return { items, sizes };
    cursor = page.next_cursor;
  }
  throw new Error('pagination did not end');
}

export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    /**
     * claimRuns for a worker, registering it first when the store does not know it: only online
     * workers may claim.
     */
    async function claim(request: Parameters<Store['claimRuns']>[0]): Promise<RunRow[]> {
      if (!(await store.getWorker(request.worker_id))) {
        await store.registerWorker(newWorker(request.worker_id, { handler: request.handler, methods: request.methods, concurrency: 1000, expires_at: T + 365 * 86_400 * S }));
      }
      return store.claimRuns(request);
    }

    /** Insert one queued run and claim it for `worker` at `now`. */
    async function running(id: string, over: Partial<NewRun> = {}, worker = 'w1', now = T): Promise<RunRow> {
      const run = newRun(id, { method: `m-${id}`, ...over });
      await store.insertRuns([run]);
      const claimed = await claim({
        worker_id: worker,
        handler: run.handler,
        methods: [run.method],
        limit: 1,
        now,
      });
      expect(ids(claimed)).toEqual([id]);
      return claimed[0]!;
    }

    // ------------------------------------------------------------------------------------------
    describe('migrations', () => {
      it('migrate twice is harmless and keeps data', async () => {
        await store.createSchedule(newSchedule('s1'));
        await store.setMeta('k', 'v');
        await store.migrate();
        await store.migrate();
        expect((await store.getSchedule('s1'))?.id).toBe('s1');
        expect(await store.getMeta('k')).toBe('v');
      });

      it('claimMeta keeps the first value written (nodes starting together share one)', async () => {
        const [a, b] = await Promise.all([store.claimMeta('shared', 'first'), store.claimMeta('shared', 'second')]);
        expect(a).toBe(b);
        expect(await store.claimMeta('shared', 'third')).toBe(a);
        expect(await store.getMeta('shared')).toBe(a);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('schedules', () => {
      it('creates and reads back every field', async () => {
        const input = newSchedule('s1', {
          name: null,
          timeout_seconds: 12.5,
          misfire_grace_seconds: null,
          max_jitter_seconds: 2,
          paused: true,
          next_run_at: null,
        });
        const created = await store.createSchedule(input);
        const expected: ScheduleRow = { ...input, version: 1, last_run_at: null };
        expect(created).toEqual(expected);
        expect(await store.getSchedule('s1')).toEqual(expected);
        expect(await store.getSchedule('nope')).toBeNull();
      });

      it('refuses a taken id with ConflictError schedule_exists', async () => {
        await store.createSchedule(newSchedule('s1'));
        await expect(store.createSchedule(newSchedule('s1', { name: 'other' }))).rejects.toMatchObject({
          statusCode: 409,
          code: 'schedule_exists',
        });
        expect((await store.getSchedule('s1'))?.name).toBe('Schedule s1');
      });

      it('createSchedules inserts all or nothing', async () => {
        await store.createSchedules([newSchedule('a'), newSchedule('b'), newSchedule('c')]);
        expect(await store.countSchedules()).toBe(3);
        await expect(store.createSchedules([newSchedule('d'), newSchedule('a')])).rejects.toMatchObject({
          code: 'schedule_exists',
        });
        expect(await store.getSchedule('d')).toBeNull();
        expect(await store.countSchedules()).toBe(3);
        await store.createSchedules([]);
        expect(await store.countSchedules()).toBe(3);
      });

      it('updateSchedule replaces mutable fields and bumps version', async () => {
        const created = await store.createSchedule(newSchedule('s1'));
        const { created_at: _c, version: _v, last_run_at: _l, ...rest } = created;
        const updated = await store.updateSchedule({
          ...rest,
          name: 'renamed',
          params: { x: 1 },
          paused: true,
          next_run_at: null,
          retry: { ...RETRY, max_attempts: 9 },
          updated_at: T + 5 * S,
        });
        expect(updated).toEqual({
          ...created,
          name: 'renamed',
          params: { x: 1 },
          paused: true,
          next_run_at: null,
          retry: { ...RETRY, max_attempts: 9 },
          updated_at: T + 5 * S,
          version: 2,
        });
        expect(await store.getSchedule('s1')).toEqual(updated);
      });

      it('updateSchedule with expected_version writes only on a match', async () => {
        const created = await store.createSchedule(newSchedule('s1'));
        const { created_at: _c, version: _v, last_run_at: _l, ...rest } = created;
        const first = await store.updateSchedule({ ...rest, name: 'first', updated_at: T + S }, 1);
        expect(first?.version).toBe(2);
        const stale = await store.updateSchedule({ ...rest, name: 'stale', updated_at: T + 2 * S }, 1);
        expect(stale).toBeNull();
        const now = await store.getSchedule('s1');
        expect(now?.name).toBe('first');
        expect(now?.version).toBe(2);
        expect(now?.updated_at).toBe(T + S);
        expect((await store.updateSchedule({ ...rest, name: 'third', updated_at: T + 3 * S }, 2))?.version).toBe(3);
        expect(await store.updateSchedule({ ...rest, id: 'missing' })).toBeNull();
        expect(await store.updateSchedule({ ...rest, id: 'missing' }, 1)).toBeNull();
      });

      it('nextDueAt is the earliest next_run_at of unpaused schedules', async () => {
        expect(await store.nextDueAt()).toBeNull();
        await store.createSchedules([
          newSchedule('a', { next_run_at: T + 5 * S }),
          newSchedule('b', { next_run_at: T + 1 * S, paused: true }),
          newSchedule('c', { next_run_at: null }),
          newSchedule('d', { next_run_at: T + 3 * S }),
        ]);
        expect(await store.nextDueAt()).toBe(T + 3 * S);
        await store.deleteSchedule('d', T);
        expect(await store.nextDueAt()).toBe(T + 5 * S);
      });

      it('listNextDue gives the unpaused schedules that fire next, soonest first', async () => {
        expect(await store.listNextDue(5)).toEqual([]);
        await store.createSchedules([
          newSchedule('a', { next_run_at: T + 5 * S }),
          newSchedule('b', { next_run_at: T + 1 * S, paused: true }),
          newSchedule('c', { next_run_at: null }),
          newSchedule('d', { next_run_at: T + 3 * S }),
          newSchedule('e', { next_run_at: T + 3 * S }),
          newSchedule('f', { next_run_at: T + 9 * S }),
        ]);
        expect((await store.listNextDue(3)).map((s) => s.id)).toEqual(['d', 'e', 'a']);
        expect((await store.listNextDue(10)).map((s) => s.id)).toEqual(['d', 'e', 'a', 'f']);
      });

      it('lists in created_at, id order with cursor pagination and every filter', async () => {
        const all: NewSchedule[] = [];
        for (let i = 0; i < 41; i++) {
          all.push(
            newSchedule(`sched-${String(i).padStart(2, '0')}`, {
              // Several share a created_at: ties are broken by id.
              created_at: T + Math.floor(i / 3) * S,
              handler: i % 2 === 0 ? 'alpha' : 'beta',
              method: ['m1', 'm2', 'm3'][i % 3]!,
              paused: i % 4 === 0,
              name: i % 5 === 0 ? `Nightly Report ${i}` : i % 7 === 0 ? null : `job ${i}`,
            }),
          );
        }
        // Insert in scrambled order: the listing order must not depend on insertion.
        await store.createSchedules([...all].reverse());
        const order = (a: NewSchedule, b: NewSchedule) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1);
        const cases: { query: Omit<ScheduleQuery, 'limit' | 'cursor'>; keep: (s: NewSchedule) => boolean }[] = [
          { query: {}, keep: () => true },
          { query: { handler: 'alpha' }, keep: (s) => s.handler === 'alpha' },
          { query: { method: 'm2' }, keep: (s) => s.method === 'm2' },
          { query: { paused: true }, keep: (s) => s.paused },
          { query: { paused: false }, keep: (s) => !s.paused },
          { query: { search: 'NIGHTLY' }, keep: (s) => (s.name ?? '').toLowerCase().includes('nightly') },
          { query: { search: 'HED-1' }, keep: (s) => s.id.includes('hed-1') },
          { query: { search: 'no such thing' }, keep: () => false },
          { query: { handler: 'beta', method: 'm1', paused: false }, keep: (s) => s.handler === 'beta' && s.method === 'm1' && !s.paused },
        ];
        for (const { query, keep } of cases) {
          const expected = all.filter(keep).sort(order).map((s) => s.id);
          const { items, sizes } = await collect((cursor) => store.listSchedules({ ...query, limit: 4, cursor }));
          expect(ids(items), JSON.stringify(query)).toEqual(expected);
          expect(sizes.every((n) => n <= 4)).toBe(true);
          if (expected.length > 0) expect(sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
        }
        const one = await store.listSchedules({ limit: 41 });
        expect(one.items).toHaveLength(41);
        expect(one.next_cursor).toBeNull();
        expect(one.items[0]).toEqual({ ...all[0], version: 1, last_run_at: null });
        expect(await store.countSchedules()).toBe(41);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('fireDueSchedules', () => {
      it('handles due, unpaused schedules oldest first, up to the limit', async () => {
        await store.createSchedules([
          newSchedule('late', { next_run_at: T - 1 * S }),
          newSchedule('early', { next_run_at: T - 3 * S }),
          newSchedule('mid', { next_run_at: T - 2 * S }),
          newSchedule('paused', { next_run_at: T - 9 * S, paused: true }),
          newSchedule('future', { next_run_at: T + 1 }),
          newSchedule('never', { next_run_at: null }),
        ]);
        const seen: string[] = [];
        const planner: FirePlanner = (schedule, active) => {
          seen.push(schedule.id);
          expect(active).toBe(0);
          return everyMinute(schedule, active);
        };
        const first = await store.fireDueSchedules(T, 2, planner);
        expect(seen).toEqual(['early', 'mid']);
        expect(first.schedules).toBe(2);
        expect(first.runs.map((r) => [r.schedule_id, r.scheduled_at])).toEqual([
          ['early', T - 3 * S],
          ['mid', T - 2 * S],
        ]);
        const second = await store.fireDueSchedules(T, 10, planner);
        expect(seen).toEqual(['early', 'mid', 'late']);
        expect(second.schedules).toBe(1);
        const third = await store.fireDueSchedules(T, 10, planner);
        expect(third).toEqual({ schedules: 0, runs: [] });
      });

      it('inserts the planned runs, moves next_run_at and last_run_at, keeps version', async () => {
        await store.createSchedule(newSchedule('s1', { next_run_at: T, max_instances: 3 }));
        const result = await store.fireDueSchedules(T + 500, 10, everyMinute);
        expect(result.runs).toHaveLength(1);
        const run = result.runs[0]!;
        expect(run).toMatchObject({
          schedule_id: 's1',
          origin: 'scheduled',
          status: 'queued',
          attempt: 0,
          scheduled_at: T,
          available_at: T,
          worker_id: null,
          finished_at: null,
          cancel_requested: false,
        });
        expect(await store.getRun(run.id)).toEqual(run);
        const schedule = await store.getSchedule('s1');
        expect(schedule).toMatchObject({ next_run_at: T + M, last_run_at: T, version: 1, updated_at: T + 500 });
        expect(await store.countActiveRuns('s1')).toBe(1);
        expect(await store.nextDueAt()).toBe(T + M);
      });

      it('passes the active run count and records missed occurrences', async () => {
        await store.createSchedule(newSchedule('s1', { next_run_at: T, max_instances: 1 }));
        await store.insertRuns([occurrence('s1', T - 2 * M), occurrence('s1', T - M)]);
        await claim({ worker_id: 'w', handler: 'h', methods: ['m'], limit: 1, now: T });
        let activeSeen = -1;
        const result = await store.fireDueSchedules(T, 10, (schedule, active) => {
          activeSeen = active;
          return {
            runs: [
              occurrence(schedule.id, T, {
                status: 'missed',
                error: { message: 'max_instances reached', type: 'overlap' },
              }),
            ],
            next_run_at: T + M,
          };
        });
        expect(activeSeen).toBe(2);
        expect(result.runs).toHaveLength(1);
        expect(result.runs[0]).toMatchObject({
          status: 'missed',
          finished_at: T,
          error: { message: 'max_instances reached', type: 'overlap' },
        });
        expect(await store.getRun(result.runs[0]!.id)).toEqual(result.runs[0]);
        // A missed record is not a run: last_run_at stays.
        expect((await store.getSchedule('s1'))?.last_run_at).toBeNull();
        expect(await store.countActiveRuns('s1')).toBe(2);
      });

      it('sets last_run_at to the latest inserted queued occurrence and returns runs oldest first', async () => {
        await store.createSchedules([
          newSchedule('a', { next_run_at: T - M }),
          newSchedule('b', { next_run_at: T - 2 * M }),
        ]);
        const result = await store.fireDueSchedules(T, 10, (schedule) => ({
          runs: [
            occurrence(schedule.id, T - 3 * M),
            occurrence(schedule.id, schedule.next_run_at!),
            occurrence(schedule.id, T - 5 * M),
          ],
          next_run_at: T + M,
        }));
        expect(result.runs.map((r) => r.scheduled_at)).toEqual([
          T - 5 * M,
          T - 5 * M,
          T - 3 * M,
          T - 3 * M,
          T - 2 * M,
          T - M,
        ]);
        expect((await store.getSchedule('a'))?.last_run_at).toBe(T - M);
        expect((await store.getSchedule('b'))?.last_run_at).toBe(T - 2 * M);
      });

      it('never duplicates an occurrence: firing twice for the same time', async () => {
        await store.createSchedule(newSchedule('s1', { next_run_at: T }));
        const first = await store.fireDueSchedules(T, 10, stuckAt(T));
        const second = await store.fireDueSchedules(T, 10, stuckAt(T));
        expect(first.runs).toHaveLength(1);
        expect(second).toEqual({ schedules: 1, runs: [] });
        const runs = await store.listRuns({ schedule_id: 's1', limit: 10 });
        expect(ids(runs.items)).toEqual(ids(first.runs));
        // The same occurrence planned twice within one pass is inserted once.
        await store.createSchedule(newSchedule('s2', { next_run_at: T }));
        const twice = await store.fireDueSchedules(T, 10, (s) => ({
          runs: [occurrence(s.id, T), occurrence(s.id, T)],
          next_run_at: s.id === 's2' ? T + M : s.next_run_at,
        }));
        expect(twice.runs.map((r) => r.schedule_id)).toEqual(['s2']);
      });

      it('never duplicates an occurrence: concurrent planners', async () => {
        await store.createSchedules([newSchedule('s1', { next_run_at: T }), newSchedule('s2', { next_run_at: T })]);
        const results = await Promise.all([
          store.fireDueSchedules(T, 10, stuckAt(T)),
          store.fireDueSchedules(T, 10, stuckAt(T)),
          store.fireDueSchedules(T, 10, stuckAt(T)),
        ]);
        const inserted = results.flatMap((r) => r.runs);
        expect(inserted.map((r) => r.schedule_id).sort()).toEqual(['s1', 's2']);
        expect((await store.listRuns({ limit: 100 })).items).toHaveLength(2);
      });

      it('insertRuns skips an existing occurrence silently but not manual runs at the same time', async () => {
        await store.createSchedule(newSchedule('s1'));
        const [first] = await store.insertRuns([occurrence('s1', T)]);
        expect(first?.status).toBe('queued');
        const again = await store.insertRuns([
          occurrence('s1', T),
          newRun('manual-1', { schedule_id: 's1', origin: 'manual', scheduled_at: T }),
          newRun('manual-2', { schedule_id: 's1', origin: 'manual', scheduled_at: T }),
          occurrence('s1', T + M),
        ]);
        expect(again.map((r) => [r.id, r.origin])).toEqual([
          ['manual-1', 'manual'],
          ['manual-2', 'manual'],
          [again[2]!.id, 'scheduled'],
        ]);
        expect(await store.countActiveRuns('s1')).toBe(4);
      });

      it('rolls back everything when the planner throws', async () => {
        await store.createSchedules([newSchedule('a', { next_run_at: T - 2 * S }), newSchedule('b', { next_run_at: T - S })]);
        await expect(
          store.fireDueSchedules(T, 10, (schedule, active) => {
            if (schedule.id === 'b') throw new Error('planner failed');
            return everyMinute(schedule, active);
          }),
        ).rejects.toThrow('planner failed');
        expect((await store.listRuns({ limit: 10 })).items).toEqual([]);
        expect((await store.getSchedule('a'))?.next_run_at).toBe(T - 2 * S);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('deleteSchedule', () => {
      it('cancels queued runs, stops running ones, keeps the history, releases the keys', async () => {
        await store.createSchedule(newSchedule('s1', { next_run_at: T, max_instances: 5 }));
        const [done, live, waiting] = await store.insertRuns([
          occurrence('s1', T - 2 * M, { method: 'done' }),
          occurrence('s1', T - M, { method: 'live' }),
          occurrence('s1', T, { method: 'wait' }),
        ]);
        await claim({ worker_id: 'w1', handler: 'h', methods: ['done', 'live'], limit: 2, now: T });
        await store.completeAttempt(done!.id, 'w1', { status: 'succeeded', result: 1 }, T + S, noRetry);

        const result = await store.deleteSchedule('s1', T + 2 * S);
        expect(result.deleted).toBe(true);
        expect(result.runs.map((r) => [r.id, r.status]).sort()).toEqual(
          [
            [live!.id, 'cancelled'],
            [waiting!.id, 'cancelled'],
          ].sort(),
        );
        expect(await store.getSchedule('s1')).toBeNull();

        const liveNow = await store.getRun(live!.id);
        expect(liveNow).toMatchObject({ status: 'cancelled', cancel_requested: true, finished_at: T + 2 * S, worker_id: 'w1' });
        expect(liveNow?.error?.type).toBe('cancelled');
        expect((await store.getAttempts(live!.id)).map((a) => a.status)).toEqual(['cancelled']);
        const waitingNow = await store.getRun(waiting!.id);
        expect(waitingNow).toMatchObject({ status: 'cancelled', finished_at: T + 2 * S });
        expect(waitingNow?.error?.type).toBe('cancelled');
        expect((await store.getRun(done!.id))?.status).toBe('succeeded');

        // The worker learns it on its heartbeat; its completion is refused.
        expect(await store.heartbeatRun(live!.id, 'w1', T + 3 * S)).toMatchObject({ ok: true, cancel_requested: true });
        expect(await store.completeAttempt(live!.id, 'w1', { status: 'succeeded' }, T + 4 * S, noRetry)).toMatchObject({
          ok: false,
          reason: 'not_running',
        });

        // History stays, listed by schedule id.
        const history = await store.listRuns({ schedule_id: 's1', limit: 10 });
        expect(ids(history.items)).toEqual([waiting!.id, live!.id, done!.id]);
        expect(await store.countActiveRuns('s1')).toBe(0);

        // A new schedule with the same id fires the same instants again.
        await store.createSchedule(newSchedule('s1', { next_run_at: T - 2 * M, created_at: T + 5 * S }));
        const refired = await store.fireDueSchedules(T + 5 * S, 10, (s) => ({
          runs: [occurrence(s.id, T - 2 * M), occurrence(s.id, T - M), occurrence(s.id, T)],
          next_run_at: T + M,
        }));
        expect(refired.runs.map((r) => r.scheduled_at)).toEqual([T - 2 * M, T - M, T]);
        expect((await store.listRuns({ schedule_id: 's1', limit: 10 })).items).toHaveLength(6);
      });

      it('reports a missing schedule', async () => {
        expect(await store.deleteSchedule('nope', T)).toEqual({ deleted: false, runs: [] });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('runs', () => {
      it('insertRuns returns the stored rows', async () => {
        const inserted = await store.insertRuns([
          newRun('r1', { timeout_seconds: 30, start_by: T + M, params: { a: [1, { b: 'c' }] } }),
          newRun('r2', { origin: 'manual', schedule_id: 'sx', available_at: T + 5 * S }),
        ]);
        expect(inserted).toHaveLength(2);
        expect(inserted[0]).toEqual({
          id: 'r1',
          schedule_id: null,
          origin: 'one_off',
          handler: 'h',
          method: 'm',
          params: { a: [1, { b: 'c' }] },
          status: 'queued',
          attempt: 0,
          retry: RETRY,
          timeout_seconds: 30,
          scheduled_at: T,
          available_at: T,
          start_by: T + M,
          worker_id: null,
          started_at: null,
          deadline: null,
          finished_at: null,
          cancel_requested: false,
          progress: null,
          message: null,
          result: null,
          error: null,
          created_at: T,
          updated_at: T,
        });
        expect(await store.getRun('r1')).toEqual(inserted[0]);
        expect(await store.getRun('r2')).toEqual(inserted[1]);
        expect(await store.getRun('missing')).toBeNull();
        expect(await store.getAttempts('r1')).toEqual([]);
        expect(await store.insertRuns([])).toEqual([]);
      });

      it('refuses a duplicate run id (all or nothing)', async () => {
        await store.insertRuns([newRun('r1')]);
        await expect(store.insertRuns([newRun('r2'), newRun('r1')])).rejects.toMatchObject({ statusCode: 409 });
        expect(await store.getRun('r2')).toBeNull();
      });

      it('lists newest first with cursor pagination and every filter', async () => {
        const statuses: RunStatus[] = [];
        const made: NewRun[] = [];
        for (let i = 0; i < 60; i++) {
          made.push(
            newRun(`run-${String(i).padStart(2, '0')}`, {
              schedule_id: i % 3 === 0 ? null : i % 3 === 1 ? 's1' : 's2',
              origin: i % 3 === 0 ? 'one_off' : 'manual',
              handler: i % 2 === 0 ? 'ha' : 'hb',
              method: `m${i % 4}`,
              // Groups of four share a scheduled_at: ties are broken by id (descending).
              scheduled_at: T + Math.floor(i / 4) * M,
              available_at: T,
            }),
          );
        }
        // Scrambled insertion order.
        await store.insertRuns([...made.slice(30), ...made.slice(0, 30)]);
        // Move some runs on: cancel every fifth, claim a few.
        for (let i = 0; i < 60; i += 5) await store.cancelRun(made[i]!.id, T);
        await claim({ worker_id: 'w', handler: 'ha', methods: ['m2'], limit: 3, now: T });
        const current = new Map<string, RunRow>();
        for (const run of made) current.set(run.id, (await store.getRun(run.id))!);
        for (const run of current.values()) statuses.push(run.status);
        expect(new Set(statuses)).toEqual(new Set(['queued', 'cancelled', 'running']));

        const newestFirst = (a: RunRow, b: RunRow) => b.scheduled_at - a.scheduled_at || (a.id < b.id ? 1 : -1);
        const cases: { query: Omit<RunQuery, 'limit' | 'cursor'>; keep: (r: RunRow) => boolean }[] = [
          { query: {}, keep: () => true },
          { query: { schedule_id: 's1' }, keep: (r) => r.schedule_id === 's1' },
          { query: { handler: 'hb' }, keep: (r) => r.handler === 'hb' },
          { query: { method: 'm3' }, keep: (r) => r.method === 'm3' },
          { query: { status: ['cancelled'] }, keep: (r) => r.status === 'cancelled' },
          { query: { status: ['running', 'queued'] }, keep: (r) => r.status === 'running' || r.status === 'queued' },
          { query: { status: [] }, keep: () => true },
          { query: { since: T + 5 * M }, keep: (r) => r.scheduled_at >= T + 5 * M },
          { query: { until: T + 5 * M }, keep: (r) => r.scheduled_at < T + 5 * M },
          { query: { since: T + 3 * M, until: T + 9 * M }, keep: (r) => r.scheduled_at >= T + 3 * M && r.scheduled_at < T + 9 * M },
          {
            query: { schedule_id: 's2', handler: 'ha', status: ['queued'], since: T + M },
            keep: (r) => r.schedule_id === 's2' && r.handler === 'ha' && r.status === 'queued' && r.scheduled_at >= T + M,
          },
          { query: { schedule_id: 'none' }, keep: () => false },
        ];
        for (const { query, keep } of cases) {
          const expected = [...current.values()].filter(keep).sort(newestFirst).map((r) => r.id);
          const { items, sizes } = await collect((cursor) => store.listRuns({ ...query, limit: 7, cursor }));
          expect(ids(items), JSON.stringify(query)).toEqual(expected);
          expect(sizes.every((n) => n <= 7)).toBe(true);
          if (expected.length > 0) expect(sizes.slice(0, -1).every((n) => n === 7)).toBe(true);
        }
        const page = await store.listRuns({ limit: 5 });
        expect(page.items).toHaveLength(5);
        expect(page.next_cursor).not.toBeNull();
        expect(page.items[0]).toEqual(current.get(page.items[0]!.id));
        const all = await store.listRuns({ limit: 60 });
        expect(all.items).toHaveLength(60);
        expect(all.next_cursor).toBeNull();
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('claimRuns', () => {

      it('never gives a worker more running runs than its concurrency, whatever the limit', async () => {
        await store.registerWorker(newWorker('small', { concurrency: 2 }));
        await store.insertRuns(['c1', 'c2', 'c3', 'c4'].map((id) => newRun(id)));
        const first = await store.claimRuns({ worker_id: 'small', handler: 'h', methods: ['m'], limit: 10, now: T });
        expect(first).toHaveLength(2);
        expect(await store.claimRuns({ worker_id: 'small', handler: 'h', methods: ['m'], limit: 10, now: T })).toHaveLength(0);
        await store.completeAttempt(first[0]!.id, 'small', { status: 'succeeded' }, T + 1, noRetry);
        expect(await store.claimRuns({ worker_id: 'small', handler: 'h', methods: ['m'], limit: 10, now: T + 2 })).toHaveLength(1);
      });
      it('hands out queued runs oldest available first, with every claim field set', async () => {
        await store.insertRuns([
          newRun('c', { available_at: T - 1 * S, timeout_seconds: 30 }),
          newRun('a', { available_at: T - 3 * S }),
          newRun('b2', { available_at: T - 2 * S }),
          newRun('b1', { available_at: T - 2 * S, timeout_seconds: 0.25 }),
          newRun('later', { available_at: T + 1 }),
        ]);
        const claimed = await claim({ worker_id: 'w1', handler: 'h', methods: ['m'], limit: 3, now: T });
        expect(ids(claimed)).toEqual(['a', 'b1', 'b2']);
        for (const run of claimed) {
          expect(run).toMatchObject({
            status: 'running',
            attempt: 1,
            worker_id: 'w1',
            started_at: T,
            cancel_requested: false,
            progress: null,
            message: null,
            updated_at: T,
            finished_at: null,
          });
          expect(await store.getRun(run.id)).toEqual(run);
          expect(await store.getAttempts(run.id)).toEqual([
            { run_id: run.id, attempt: 1, status: 'running', worker_id: 'w1', started_at: T, finished_at: null, result: null, error: null },
          ]);
        }
        expect(claimed[0]!.deadline).toBeNull();
        expect(claimed[1]!.deadline).toBe(T + 250);

        const next = await claim({ worker_id: 'w2', handler: 'h', methods: ['m'], limit: 10, now: T });
        expect(ids(next)).toEqual(['c']);
        expect(next[0]!.deadline).toBe(T + 30 * S);
        expect(await claim({ worker_id: 'w2', handler: 'h', methods: ['m'], limit: 10, now: T })).toEqual([]);
        expect(ids(await claim({ worker_id: 'w2', handler: 'h', methods: ['m'], limit: 10, now: T + 1 }))).toEqual([
          'later',
        ]);
      });

      it('filters by handler and method, honours the limit', async () => {
        await store.insertRuns([
          newRun('x1', { handler: 'other', method: 'm' }),
          newRun('x2', { handler: 'h', method: 'nope' }),
          newRun('y1', { handler: 'h', method: 'm1', available_at: T - 2 }),
          newRun('y2', { handler: 'h', method: 'm2', available_at: T - 1 }),
          newRun('y3', { handler: 'h', method: 'm1', available_at: T }),
        ]);
        const req = { worker_id: 'w', handler: 'h', methods: ['m1', 'm2'], now: T };
        expect(await claim({ ...req, limit: 0 })).toEqual([]);
        expect(await claim({ ...req, methods: [], limit: 5 })).toEqual([]);
        expect(ids(await claim({ ...req, limit: 2 }))).toEqual(['y1', 'y2']);
        expect(ids(await claim({ ...req, limit: 2 }))).toEqual(['y3']);
        expect(ids(await claim({ ...req, methods: ['nope', 'm'], limit: 5 }))).toEqual(['x2']);
        expect(ids(await claim({ ...req, handler: 'other', methods: ['m'], limit: 5 }))).toEqual(['x1']);
      });

      it('does not hand out a first attempt past its start_by, but does a retry', async () => {
        await store.insertRuns([
          newRun('past', { start_by: T - 1 }),
          newRun('edge', { start_by: T }),
          newRun('ok', { start_by: T + 1 }),
          newRun('retry', { start_by: T + 1, method: 'r' }),
        ]);
        // First attempt of `retry` fails and is retried after its start_by.
        await claim({ worker_id: 'w', handler: 'h', methods: ['r'], limit: 1, now: T });
        await store.completeAttempt('retry', 'w', failed, T, retryAt(T + 5));
        const claimed = await claim({ worker_id: 'w', handler: 'h', methods: ['m', 'r'], limit: 10, now: T + 10 });
        expect(ids(claimed)).toEqual(['retry']);
        const claimed2 = await claim({ worker_id: 'w', handler: 'h', methods: ['m'], limit: 10, now: T });
        expect(ids(claimed2)).toEqual(['ok']);
        expect((await store.getRun('past'))?.status).toBe('queued');
      });

      it('concurrent claims never hand out a run twice', async () => {
        const runs = Array.from({ length: 20 }, (_, i) => newRun(`r${String(i).padStart(2, '0')}`, { available_at: T - i }));
        await store.insertRuns(runs);
        const results = await Promise.all(
          ['w1', 'w2', 'w3', 'w4'].map((worker_id) => claim({ worker_id, handler: 'h', methods: ['m'], limit: 6, now: T })),
        );
        const all = results.flatMap(ids);
        expect(all).toHaveLength(20);
        expect(new Set(all).size).toBe(20);
        expect(await store.countRunsByStatus(['running', 'queued'])).toEqual({ running: 20, queued: 0 });
      });

      it('nextAvailableAt (later than `after`) and countDueQueued look at queued runs only', async () => {
        expect(await store.nextAvailableAt(T)).toBeNull();
        expect(await store.countDueQueued(T)).toBe(0);
        await store.insertRuns([
          newRun('a', { available_at: T - 5, method: 'a' }),
          newRun('b', { available_at: T + 10, method: 'b' }),
          newRun('c', { available_at: T }),
          newRun('d', { available_at: T + 20 }),
        ]);
        expect(await store.nextAvailableAt(T - 100)).toBe(T - 5);
        expect(await store.nextAvailableAt(T - 5)).toBe(T);
        expect(await store.nextAvailableAt(T)).toBe(T + 10);
        expect(await store.nextAvailableAt(T + 20)).toBeNull();
        expect(await store.countDueQueued(T)).toBe(2);
        expect(await store.countDueQueued(T + 10)).toBe(3);
        await claim({ worker_id: 'w', handler: 'h', methods: ['a'], limit: 1, now: T });
        expect(await store.nextAvailableAt(T - 100)).toBe(T);
        expect(await store.countDueQueued(T)).toBe(1);
        await claim({ worker_id: 'w', handler: 'h', methods: ['b'], limit: 1, now: T + 10 });
        expect(await store.nextAvailableAt(T)).toBe(T + 20);
        expect(await store.countRunsByStatus(['queued', 'running', 'queued'])).toEqual({ queued: 2, running: 2 });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('completeAttempt', () => {
      it('ends a run succeeded with its result', async () => {
        const run = await running('r1', { timeout_seconds: 60 });
        const decideCalls: unknown[] = [];
        const result = await store.completeAttempt('r1', 'w1', { status: 'succeeded', result: { rows: 3 } }, T + 1500, (r, e) => {
          decideCalls.push([r, e]);
          return null;
        });
        expect(decideCalls).toEqual([]);
        expect(result.ok).toBe(true);
        const expected: RunRow = {
          ...run,
          status: 'succeeded',
          result: { rows: 3 },
          error: null,
          finished_at: T + 1500,
          deadline: null,
          updated_at: T + 1500,
        };
        expect(result).toEqual({ ok: true, run: expected });
        expect(await store.getRun('r1')).toEqual(expected);
        expect(await store.getAttempts('r1')).toEqual([
          { run_id: 'r1', attempt: 1, status: 'succeeded', worker_id: 'w1', started_at: T, finished_at: T + 1500, result: { rows: 3 }, error: null },
        ]);
        expect(await store.countRunsByStatus(['succeeded', 'running'])).toEqual({ succeeded: 1, running: 0 });
      });

      it('stores a falsy result and a cancelled end', async () => {
        await running('zero');
        const zero = await store.completeAttempt('zero', 'w1', { status: 'succeeded', result: 0 }, T + 1, noRetry);
        expect(zero.ok && zero.run.result).toBe(0);
        await running('cx');
        const cancelled = await store.completeAttempt(
          'cx',
          'w1',
          { status: 'cancelled', error: { message: 'stopped', type: 'cancelled' } },
          T + 1,
          () => {
            throw new Error('decide must not be called');
          },
        );
        expect(cancelled).toMatchObject({ ok: true, run: { status: 'cancelled', finished_at: T + 1, error: { message: 'stopped' } } });
      });

      it('refuses a non-owner, a missing run and a double completion, changing nothing', async () => {
        await running('r1');
        const before = await store.getRun('r1');
        const attemptsBefore = await store.getAttempts('r1');
        const notOwner = await store.completeAttempt('r1', 'intruder', { status: 'succeeded' }, T + 1, noRetry);
        expect(notOwner).toEqual({ ok: false, reason: 'not_owner', run: before });
        expect(await store.getRun('r1')).toEqual(before);
        expect(await store.getAttempts('r1')).toEqual(attemptsBefore);

        expect(await store.completeAttempt('nope', 'w1', { status: 'succeeded' }, T + 1, noRetry)).toEqual({
          ok: false,
          reason: 'run_not_found',
          run: null,
        });

        const first = await store.completeAttempt('r1', 'w1', { status: 'succeeded', result: 'first' }, T + 2, noRetry);
        expect(first.ok).toBe(true);
        const done = await store.getRun('r1');
        const doneAttempts = await store.getAttempts('r1');
        const second = await store.completeAttempt('r1', 'w1', failed, T + 3, retryAt(T + 10));
        expect(second).toEqual({ ok: false, reason: 'not_running', run: done });
        expect(await store.getRun('r1')).toEqual(done);
        expect(await store.getAttempts('r1')).toEqual(doneAttempts);

        // Queued (never claimed) is not running either.
        await store.insertRuns([newRun('q')]);
        expect(await store.completeAttempt('q', 'w1', { status: 'succeeded' }, T, noRetry)).toMatchObject({
          ok: false,
          reason: 'not_running',
        });
      });

      it('retries back to queued, keeping every attempt, then fails for good', async () => {
        const run = await running('r1', { timeout_seconds: 10 });
        const calls: [RunRow, AttemptEnd][] = [];
        const retried = await store.completeAttempt('r1', 'w1', failed, T + 100, (r, e) => {
          calls.push([r, e]);
          return T + 5 * S;
        });
        expect(calls).toEqual([[run, failed]]);
        expect(retried).toEqual({
          ok: true,
          run: {
            ...run,
            status: 'queued',
            available_at: T + 5 * S,
            error: failed.error,
            worker_id: null,
            deadline: null,
            started_at: T,
            updated_at: T + 100,
          },
        });
        expect(await store.nextAvailableAt(T + 100)).toBe(T + 5 * S);
        expect(await claim({ worker_id: 'w2', handler: 'h', methods: ['m-r1'], limit: 1, now: T + 4 * S })).toEqual([]);
        const [again] = await claim({ worker_id: 'w2', handler: 'h', methods: ['m-r1'], limit: 1, now: T + 6 * S });
        expect(again).toMatchObject({ attempt: 2, worker_id: 'w2', started_at: T + 6 * S, deadline: T + 16 * S, status: 'running' });

        const final = await store.completeAttempt('r1', 'w2', { status: 'failed', error: { message: 'again' } }, T + 7 * S, noRetry);
        expect(final).toMatchObject({
          ok: true,
          run: { status: 'failed', attempt: 2, finished_at: T + 7 * S, error: { message: 'again' }, worker_id: 'w2', deadline: null },
        });
        expect(await store.getAttempts('r1')).toEqual([
          { run_id: 'r1', attempt: 1, status: 'failed', worker_id: 'w1', started_at: T, finished_at: T + 100, result: null, error: failed.error },
          {
            run_id: 'r1',
            attempt: 2,
            status: 'failed',
            worker_id: 'w2',
            started_at: T + 6 * S,
            finished_at: T + 7 * S,
            result: null,
            error: { message: 'again' },
          },
        ]);
      });

      it('completeAttempts applies many completions in order, in one transaction', async () => {
        expect(await store.completeAttempts([], T, noRetry)).toEqual([]);
        await running('ok');
        await running('retry');
        await running('theirs', {}, 'w2');
        await running('stop');
        await running('stale');
        const results = await store.completeAttempts(
          [
            { run_id: 'ok', worker_id: 'w1', end: { status: 'succeeded', result: [1, 2] } },
            { run_id: 'retry', worker_id: 'w1', end: failed },
            { run_id: 'theirs', worker_id: 'w1', end: { status: 'succeeded' } },
            { run_id: 'nope', worker_id: 'w1', end: { status: 'succeeded' } },
            { run_id: 'ok', worker_id: 'w1', end: failed },
            { run_id: 'stop', worker_id: 'w1', end: { status: 'cancelled', error: { message: 'stopped', type: 'cancelled' } } },
            { run_id: 'stale', worker_id: 'w1', end: { status: 'succeeded' }, attempt: 7 },
          ],
          T + 10,
          (run) => (run.id === 'retry' ? T + 20 : null),
        );
        expect(results.map((r) => (r.ok ? r.run.status : r.reason))).toEqual([
          'succeeded',
          'queued',
          'not_owner',
          'run_not_found',
          'not_running',
          'cancelled',
          'not_owner',
        ]);
        expect(results[0]).toMatchObject({ ok: true, run: { result: [1, 2], finished_at: T + 10 } });
        expect(results[1]).toMatchObject({ ok: true, run: { available_at: T + 20, worker_id: null } });
        expect(results[4]).toMatchObject({ ok: false, run: { status: 'succeeded' } });
        expect(await store.getRun('ok')).toEqual(results[0]!.ok ? results[0]!.run : null);
        expect((await store.getRun('theirs'))?.status).toBe('running');
        expect((await store.getRun('stale'))?.status).toBe('running');
        expect((await store.getAttempts('retry')).map((a) => a.status)).toEqual(['failed']);
        expect((await store.getAttempts('stop')).map((a) => a.status)).toEqual(['cancelled']);
      });

      it('completeAttempts changes nothing when decide throws', async () => {
        await running('a');
        await running('b');
        const before = [await store.getRun('a'), await store.getRun('b')];
        await expect(
          store.completeAttempts(
            [
              { run_id: 'a', worker_id: 'w1', end: { status: 'succeeded' } },
              { run_id: 'b', worker_id: 'w1', end: failed },
            ],
            T + 1,
            () => {
              throw new Error('decider broke');
            },
          ),
        ).rejects.toThrow('decider broke');
        expect([await store.getRun('a'), await store.getRun('b')]).toEqual(before);
        expect((await store.getAttempts('a')).map((x) => x.status)).toEqual(['running']);
      });

      it('refuses an older attempt of the same worker when the attempt is given', async () => {
        await running('r1');
        await store.completeAttempt('r1', 'w1', failed, T + 1, retryAt(T + 1));
        const [second] = await claim({ worker_id: 'w1', handler: 'h', methods: ['m-r1'], limit: 1, now: T + 2 });
        expect(second?.attempt).toBe(2);
        expect(await store.heartbeatRun('r1', 'w1', T + 3, 0.5, null, 1)).toMatchObject({ ok: false, reason: 'not_owner', cancel_requested: true });
        expect(await store.completeAttempt('r1', 'w1', { status: 'succeeded' }, T + 3, noRetry, 1)).toMatchObject({
          ok: false,
          reason: 'not_owner',
        });
        expect(await store.completeAttempt('r1', 'w1', { status: 'succeeded' }, T + 3, noRetry, 2)).toMatchObject({
          ok: true,
          run: { status: 'succeeded', attempt: 2 },
        });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('cancelRun', () => {
      it('cancels a queued run at once', async () => {
        await store.insertRuns([newRun('q')]);
        const result = await store.cancelRun('q', T + 5, 'not needed');
        expect(result).toMatchObject({
          ok: true,
          run: { status: 'cancelled', finished_at: T + 5, error: { message: 'not needed', type: 'cancelled' }, worker_id: null },
        });
        expect(await store.getRun('q')).toEqual(result.ok ? result.run : null);
        expect(await claim({ worker_id: 'w', handler: 'h', methods: ['m'], limit: 5, now: T + 10 })).toEqual([]);
        const other = await store.insertRuns([newRun('q2')]);
        expect(other).toHaveLength(1);
        const defaulted = await store.cancelRun('q2', T);
        expect(defaulted.ok && defaulted.run.error?.type).toBe('cancelled');
      });

      it('cancels a running run: attempt cancelled, cancel_requested, completion refused', async () => {
        await running('r', { timeout_seconds: 60 });
        const result = await store.cancelRun('r', T + 5);
        expect(result).toMatchObject({
          ok: true,
          run: { status: 'cancelled', cancel_requested: true, finished_at: T + 5, deadline: null, worker_id: 'w1' },
        });
        expect(result.ok && result.run.error?.type).toBe('cancelled');
        const attempts = await store.getAttempts('r');
        expect(attempts).toMatchObject([{ attempt: 1, status: 'cancelled', finished_at: T + 5 }]);
        expect(await store.heartbeatRun('r', 'w1', T + 6)).toMatchObject({ ok: true, cancel_requested: true });
        const after = await store.getRun('r');
        expect(await store.completeAttempt('r', 'w1', { status: 'succeeded' }, T + 7, noRetry)).toEqual({
          ok: false,
          reason: 'not_running',
          run: after,
        });
        expect(await store.getAttempts('r')).toEqual(attempts);
        expect(await store.timeoutRuns(T + 100 * S, 10, noRetry)).toEqual([]);
      });

      it('refuses finished and unknown runs', async () => {
        await running('r');
        await store.completeAttempt('r', 'w1', { status: 'succeeded' }, T + 1, noRetry);
        const done = await store.getRun('r');
        expect(await store.cancelRun('r', T + 2)).toEqual({ ok: false, reason: 'already_finished', run: done });
        expect(await store.getRun('r')).toEqual(done);
        await store.insertRuns([newRun('q')]);
        await store.cancelRun('q', T);
        expect(await store.cancelRun('q', T + 1)).toMatchObject({ ok: false, reason: 'already_finished' });
        expect(await store.cancelRun('nope', T)).toEqual({ ok: false, reason: 'run_not_found', run: null });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('heartbeatRun', () => {
      it('records progress for the owner of a running run', async () => {
        await running('r');
        const beat = await store.heartbeatRun('r', 'w1', T + 10, 0.25, 'a quarter');
        expect(beat).toMatchObject({ ok: true, cancel_requested: false, run: { progress: 0.25, message: 'a quarter', updated_at: T + 10 } });
        expect(await store.getRun('r')).toMatchObject({ progress: 0.25, message: 'a quarter', updated_at: T + 10 });
        // Omitted progress/message keep their values; null clears them.
        await store.heartbeatRun('r', 'w1', T + 20);
        expect(await store.getRun('r')).toMatchObject({ progress: 0.25, message: 'a quarter', updated_at: T + 20 });
        await store.heartbeatRun('r', 'w1', T + 30, null, null);
        expect(await store.getRun('r')).toMatchObject({ progress: null, message: null, status: 'running' });
      });

      it('tells strangers and finished owners to stop', async () => {
        await running('r');
        const before = await store.getRun('r');
        expect(await store.heartbeatRun('r', 'intruder', T + 1, 0.9)).toEqual({ ok: false, reason: 'not_owner', cancel_requested: true });
        expect(await store.getRun('r')).toEqual(before);
        const missing = await store.heartbeatRun('nope', 'w1', T + 1);
        expect(missing).toMatchObject({ ok: false, reason: 'run_not_found' });
        // Timed out while the worker still had it.
        await store.insertRuns([newRun('t', { timeout_seconds: 1, method: 'tm' })]);
        await claim({ worker_id: 'w1', handler: 'h', methods: ['tm'], limit: 1, now: T });
        await store.timeoutRuns(T + S, 10, noRetry);
        expect(await store.heartbeatRun('t', 'w1', T + 2 * S)).toMatchObject({ ok: true, cancel_requested: true, run: { status: 'timed_out' } });
        // Queued again (retry): the old worker no longer owns it.
        await store.insertRuns([newRun('t2', { timeout_seconds: 1, method: 'tm2' })]);
        await claim({ worker_id: 'w1', handler: 'h', methods: ['tm2'], limit: 1, now: T });
        await store.timeoutRuns(T + S, 10, retryAt(T + 10 * S));
        expect(await store.heartbeatRun('t2', 'w1', T + 2 * S)).toMatchObject({ ok: false, reason: 'not_owner', cancel_requested: true });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('timeoutRuns and missOverdueRuns', () => {
      it('times out running attempts past their deadline, oldest deadline first, up to the limit', async () => {
        await running('a', { timeout_seconds: 3 });
        await running('b', { timeout_seconds: 1 });
        await running('c', { timeout_seconds: 2 });
        await running('none', { timeout_seconds: null });
        expect(await store.nextReapAt()).toBe(T + 1 * S);
        expect(await store.timeoutRuns(T + S - 1, 10, noRetry)).toEqual([]);

        const first = await store.timeoutRuns(T + 10 * S, 2, noRetry);
        expect(ids(first)).toEqual(['b', 'c']);
        expect(first[0]).toMatchObject({
          status: 'timed_out',
          finished_at: T + 10 * S,
          cancel_requested: true,
          deadline: null,
          worker_id: 'w1',
          error: { message: 'timed out after 1 s', type: 'timeout' },
        });
        expect(await store.getAttempts('b')).toMatchObject([
          { attempt: 1, status: 'timed_out', finished_at: T + 10 * S, error: { message: 'timed out after 1 s', type: 'timeout' } },
        ]);
        expect(ids(await store.timeoutRuns(T + 10 * S, 2, noRetry))).toEqual(['a']);
        expect(await store.timeoutRuns(T + 1000 * S, 10, noRetry)).toEqual([]);
        expect((await store.getRun('none'))?.status).toBe('running');
        expect(await store.nextReapAt()).toBeNull();
      });

      it('retries a timed-out attempt per decide', async () => {
        const run = await running('r', { timeout_seconds: 1 });
        const seen: [RunRow, AttemptEnd][] = [];
        const [retried] = await store.timeoutRuns(T + S, 10, (r, e) => {
          seen.push([r, e]);
          return T + 3 * S;
        });
        expect(seen).toEqual([[run, { status: 'timed_out', error: { message: 'timed out after 1 s', type: 'timeout' } }]]);
        expect(retried).toMatchObject({ status: 'queued', available_at: T + 3 * S, worker_id: null, deadline: null, finished_at: null });
        const [again] = await claim({ worker_id: 'w2', handler: 'h', methods: ['m-r'], limit: 1, now: T + 3 * S });
        expect(again).toMatchObject({ attempt: 2, cancel_requested: false, deadline: T + 4 * S });
        expect((await store.getAttempts('r')).map((a) => a.status)).toEqual(['timed_out', 'running']);
      });

      it('marks never-started queued runs past start_by missed', async () => {
        await store.insertRuns([
          newRun('a', { start_by: T - 2 }),
          newRun('b', { start_by: T - 1 }),
          newRun('c', { start_by: T }),
          newRun('d', { start_by: T + 1 }),
          newRun('free', { start_by: null }),
          newRun('retry', { start_by: T - 5, method: 'r', available_at: T - 10 }),
        ]);
        // `retry` is started before its start_by, fails, and waits for its retry.
        expect(ids(await claim({ worker_id: 'w', handler: 'h', methods: ['r'], limit: 1, now: T - 10 }))).toEqual(['retry']);
        expect((await store.completeAttempt('retry', 'w', failed, T - 9, retryAt(T + M))).ok).toBe(true);
        expect(await store.nextReapAt()).toBe(T - 2);

        const first = await store.missOverdueRuns(T, 2);
        expect(ids(first)).toEqual(['a', 'b']);
        expect(first[0]).toMatchObject({ status: 'missed', finished_at: T, updated_at: T, attempt: 0 });
        expect(first[0]!.error?.type).toBe('misfire');
        expect(ids(await store.missOverdueRuns(T, 10))).toEqual(['c']);
        expect(await store.missOverdueRuns(T, 10)).toEqual([]);
        expect((await store.getRun('retry'))?.status).toBe('queued');
        expect((await store.getRun('free'))?.status).toBe('queued');
        expect(await store.nextReapAt()).toBe(T + 1);
      });

      it('nextReapAt takes the earlier of deadlines and start_by times', async () => {
        expect(await store.nextReapAt()).toBeNull();
        await store.insertRuns([newRun('q', { start_by: T + 50 * S })]);
        expect(await store.nextReapAt()).toBe(T + 50 * S);
        await running('r', { timeout_seconds: 20 });
        expect(await store.nextReapAt()).toBe(T + 20 * S);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('workers', () => {
      it('registers, reads, lists and re-registers workers', async () => {
        const w = await store.registerWorker(newWorker('w1', { methods: ['a', 'b'] }));
        expect(w).toEqual({
          id: 'w1',
          kind: 'remote',
          handler: 'h',
          methods: ['a', 'b'],
          concurrency: 4,
          name: 'worker w1',
          version: '1.0.0',
          status: 'online',
          registered_at: T,
          last_seen_at: T,
          expires_at: T + 30 * S,
        });
        expect(await store.getWorker('w1')).toEqual(w);
        expect(await store.getWorker('nope')).toBeNull();
        await store.registerWorker(newWorker('w2', { handler: 'other', registered_at: T + 1, name: null, version: null }));
        await store.registerWorker(newWorker('w3', { kind: 'local', registered_at: T + 2 }));
        await store.removeWorker('w3', T + 5, noRetry);
        expect(ids(await store.listWorkers())).toEqual(['w1', 'w2', 'w3']);
        expect(ids(await store.listWorkers({ handler: 'h' }))).toEqual(['w1', 'w3']);
        expect(ids(await store.listWorkers({ status: ['online'] }))).toEqual(['w1', 'w2']);
        expect(ids(await store.listWorkers({ handler: 'h', status: ['left', 'lost'] }))).toEqual(['w3']);
        // Registering a known id again brings it back online.
        const back = await store.registerWorker(newWorker('w3', { kind: 'local', registered_at: T + 10, expires_at: T + 40 * S }));
        expect(back).toMatchObject({ status: 'online', registered_at: T + 10, last_seen_at: T + 10, expires_at: T + 40 * S });
      });

      it('touchWorker extends online workers only', async () => {
        await store.registerWorker(newWorker('w1'));
        expect(await store.touchWorker('w1', T + 10 * S, T + 40 * S)).toMatchObject({ last_seen_at: T + 10 * S, expires_at: T + 40 * S, status: 'online' });
        expect(await store.touchWorker('nope', T, T)).toBeNull();
        await store.expireWorkers(T + 41 * S, noRetry);
        expect(await store.touchWorker('w1', T + 42 * S, T + 80 * S)).toBeNull();
        expect((await store.getWorker('w1'))?.expires_at).toBe(T + 40 * S);
        await store.registerWorker(newWorker('w2'));
        await store.removeWorker('w2', T + 1, noRetry);
        expect(await store.touchWorker('w2', T + 2, T + 100)).toBeNull();
      });

      it('counts running runs per worker', async () => {
        await store.registerWorker(newWorker('w1'));
        await store.registerWorker(newWorker('w2'));
        await store.registerWorker(newWorker('w3'));
        await running('a', {}, 'w1');
        await running('b', {}, 'w1');
        await running('c', {}, 'w2');
        await running('d', {}, 'w3');
        await store.completeAttempt('d', 'w3', { status: 'succeeded' }, T + 1, noRetry);
        expect(await store.runningCounts()).toEqual(
          new Map([
            ['w1', 2],
            ['w2', 1],
            ['w3', 0],
          ]),
        );
        const some = await store.runningCounts(['w2', 'nobody']);
        expect(some.get('w2')).toBe(1);
        expect(some.get('nobody') ?? 0).toBe(0);
        expect(some.has('w1')).toBe(false);
        await store.removeWorker('w2', T + 2, noRetry);
        expect((await store.runningCounts()).has('w2')).toBe(false);
      });

      it('expireSilentRuns loses remote runs nobody reported on since a time, retried per decide', async () => {
        await store.registerWorker(newWorker('remote'));
        await store.registerWorker(newWorker('local', { kind: 'local' }));
        await running('never-heard', {}, 'remote', T);
        await running('heartbeated', {}, 'remote', T);
        await running('in-process', {}, 'local', T);
        expect((await store.heartbeatRun('heartbeated', 'remote', T + 20 * S)).ok).toBe(true);

        const retryIn5: RetryDecider = () => T + 45 * S;
        const ended = await store.expireSilentRuns(T + 10 * S, T + 40 * S, 100, retryIn5);
        expect(ended.map((r) => r.id)).toEqual(['never-heard']);
        expect(ended[0]).toMatchObject({ status: 'queued', worker_id: null, attempt: 1, available_at: T + 45 * S });
        const attempts = await store.getAttempts('never-heard');
        expect(attempts[0]).toMatchObject({ attempt: 1, status: 'lost', error: { type: 'run_silent' } });
        expect((await store.getRun('heartbeated'))?.status).toBe('running');
        // In-process runs are their node's (its lease), never silent.
        expect((await store.getRun('in-process'))?.status).toBe('running');
        // The worker, if it had the run after all, is told to stop on its next heartbeat.
        expect(await store.heartbeatRun('never-heard', 'remote', T + 41 * S)).toMatchObject({ ok: false, cancel_requested: true });
        expect(await store.expireSilentRuns(T + 10 * S, T + 41 * S, 100, retryIn5)).toEqual([]);
      });

      it('expireWorkers loses expired workers and their attempts, retried per decide', async () => {
        await store.registerWorker(newWorker('old', { expires_at: T + 10 * S }));
        await store.registerWorker(newWorker('fresh', { expires_at: T + 60 * S }));
        await running('retried', {}, 'old');
        await running('final', { retry: { ...RETRY, max_attempts: 1 } }, 'old');
        await running('safe', {}, 'fresh');

        const decide: RetryDecider = (run, end) => {
          expect(end).toEqual({ status: 'lost', error: { message: 'worker lost', type: 'worker_lost' } });
          return run.retry.max_attempts > run.attempt ? T + 20 * S : null;
        };
        expect(await store.expireWorkers(T + 10 * S - 1, decide)).toEqual({ workers: [], runs: [] });
        const result = await store.expireWorkers(T + 10 * S, decide);
        expect(result.workers).toMatchObject([{ id: 'old', status: 'lost', last_seen_at: T }]);
        expect(result.runs.map((r) => [r.id, r.status]).sort()).toEqual([
          ['final', 'lost'],
          ['retried', 'queued'],
        ]);
        expect(await store.getRun('retried')).toMatchObject({ status: 'queued', worker_id: null, available_at: T + 20 * S });
        expect(await store.getRun('final')).toMatchObject({ status: 'lost', finished_at: T + 10 * S, error: { type: 'worker_lost' } });
        expect(await store.getAttempts('final')).toMatchObject([{ status: 'lost', finished_at: T + 10 * S, error: { message: 'worker lost', type: 'worker_lost' } }]);
        expect((await store.getRun('safe'))?.status).toBe('running');
        expect((await store.getWorker('fresh'))?.status).toBe('online');
        // The lost worker is told to stop; its completion is refused.
        expect(await store.heartbeatRun('final', 'old', T + 11 * S)).toMatchObject({ ok: true, cancel_requested: true });
        expect(await store.completeAttempt('final', 'old', { status: 'succeeded' }, T + 11 * S, noRetry)).toMatchObject({
          ok: false,
          reason: 'not_running',
        });
        // Already lost: not expired again.
        expect(await store.expireWorkers(T + 100 * S, noRetry)).toMatchObject({ workers: [{ id: 'fresh' }] });
      });

      it('expireWorkers with force_kind loses every online worker of that kind', async () => {
        await store.registerWorker(newWorker('local1', { kind: 'local', expires_at: T + M }));
        await store.registerWorker(newWorker('local2', { kind: 'local', expires_at: T + M }));
        await store.registerWorker(newWorker('remote1', { kind: 'remote', expires_at: T + M }));
        await store.registerWorker(newWorker('remote-old', { kind: 'remote', expires_at: T }));
        await running('x', {}, 'local1');
        await running('y', {}, 'remote1');
        const result = await store.expireWorkers(T, noRetry, 'local');
        expect(ids(result.workers).sort()).toEqual(['local1', 'local2', 'remote-old']);
        expect(result.runs.map((r) => [r.id, r.status])).toEqual([['x', 'lost']]);
        expect((await store.getWorker('remote1'))?.status).toBe('online');
        expect((await store.getRun('y'))?.status).toBe('running');
      });

      it('removeWorker: the worker leaves, its attempts end lost', async () => {
        await store.registerWorker(newWorker('w1'));
        await running('a', {}, 'w1');
        await running('b', {}, 'w1');
        await store.insertRuns([newRun('q')]);
        const result = await store.removeWorker('w1', T + 5 * S, (run) => (run.id === 'a' ? T + 6 * S : null));
        expect(result.worker).toMatchObject({ id: 'w1', status: 'left', last_seen_at: T + 5 * S });
        expect(result.runs.map((r) => [r.id, r.status]).sort()).toEqual([
          ['a', 'queued'],
          ['b', 'lost'],
        ]);
        expect(await store.getAttempts('b')).toMatchObject([{ status: 'lost', error: { type: 'worker_lost' } }]);
        expect((await store.getRun('q'))?.status).toBe('queued');
        expect(await store.removeWorker('nobody', T, noRetry)).toEqual({ worker: null, runs: [] });
        expect(await store.listWorkers({ status: ['online'] })).toEqual([]);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('attempt history', () => {
      /** An attempt of `run_id` as getAttempts returns it (w1 started it at T, still running). */
      function attempt(run_id: string, n: number, over: Partial<AttemptRow> = {}): AttemptRow {
        return { run_id, attempt: n, status: 'running', worker_id: 'w1', started_at: T, finished_at: null, result: null, error: null, ...over };
      }
      const cancelled = (message: string) => ({ message, type: 'cancelled' });

      it('a run that never started has none: queued, cancelled while queued, missed', async () => {
        await store.insertRuns([newRun('queued'), newRun('cancelled'), newRun('missed', { start_by: T })]);
        await store.cancelRun('cancelled', T + 1);
        expect(ids(await store.missOverdueRuns(T, 10))).toEqual(['missed']);
        await store.createSchedule(newSchedule('s1', { next_run_at: T }));
        const fired = await store.fireDueSchedules(T, 10, (s) => ({
          runs: [occurrence(s.id, T, { status: 'missed', error: { message: 'overlap', type: 'overlap' } })],
          next_run_at: T + M,
        }));
        for (const id of ['queued', 'cancelled', 'missed', fired.runs[0]!.id, 'nope']) {
          expect(await store.getAttempts(id), id).toEqual([]);
        }
      });

      it('keeps a failed attempt that was retried, then shows the next one running and finished', async () => {
        await running('r', { timeout_seconds: 10 });
        await store.completeAttempt('r', 'w1', failed, T + S, retryAt(T + 2 * S));
        const first = attempt('r', 1, { status: 'failed', finished_at: T + S, error: failed.error });
        expect(await store.getAttempts('r')).toEqual([first]);

        await claim({ worker_id: 'w2', handler: 'h', methods: ['m-r'], limit: 1, now: T + 3 * S });
        await store.heartbeatRun('r', 'w2', T + 4 * S, 0.5, 'half way');
        // The new attempt has not ended: no result, no error (the failure was the first one's).
        const second = attempt('r', 2, { worker_id: 'w2', started_at: T + 3 * S });
        expect(await store.getAttempts('r')).toEqual([first, second]);

        await store.completeAttempt('r', 'w2', { status: 'succeeded', result: { rows: 7 } }, T + 5 * S, noRetry);
        expect(await store.getAttempts('r')).toEqual([
          first,
          { ...second, status: 'succeeded', finished_at: T + 5 * S, result: { rows: 7 } },
        ]);
      });

      it('a run cancelled while it waits for a retry ends with the attempt that failed', async () => {
        await running('r');
        await store.completeAttempt('r', 'w1', failed, T + S, retryAt(T + M));
        expect(await store.cancelRun('r', T + 2 * S)).toMatchObject({ ok: true, run: { status: 'cancelled', attempt: 1 } });
        expect(await store.getAttempts('r')).toEqual([attempt('r', 1, { status: 'failed', finished_at: T + S, error: failed.error })]);

        // The same through deleteSchedule.
        await store.createSchedule(newSchedule('s1', { next_run_at: null }));
        const [run] = await store.insertRuns([occurrence('s1', T, { method: 'del' })]);
        await claim({ worker_id: 'w1', handler: 'h', methods: ['del'], limit: 1, now: T });
        await store.completeAttempt(run!.id, 'w1', failed, T + S, retryAt(T + M));
        await store.deleteSchedule('s1', T + 2 * S);
        expect((await store.getRun(run!.id))?.status).toBe('cancelled');
        expect(await store.getAttempts(run!.id)).toEqual([
          attempt(run!.id, 1, { status: 'failed', finished_at: T + S, error: failed.error }),
        ]);
      });

      it('a run cancelled while running ends its attempt cancelled, retried or not', async () => {
        await running('once');
        await store.cancelRun('once', T + 5, 'stop it');
        expect(await store.getAttempts('once')).toEqual([
          attempt('once', 1, { status: 'cancelled', finished_at: T + 5, error: cancelled('stop it') }),
        ]);

        await running('twice');
        await store.completeAttempt('twice', 'w1', failed, T + S, retryAt(T + 2 * S));
        await claim({ worker_id: 'w2', handler: 'h', methods: ['m-twice'], limit: 1, now: T + 2 * S });
        await store.cancelRun('twice', T + 3 * S, 'enough');
        const history = [
          attempt('twice', 1, { status: 'failed', finished_at: T + S, error: failed.error }),
          attempt('twice', 2, { status: 'cancelled', worker_id: 'w2', started_at: T + 2 * S, finished_at: T + 3 * S, error: cancelled('enough') }),
        ];
        expect(await store.getAttempts('twice')).toEqual(history);
        // The worker's late completion is refused and changes nothing.
        expect(await store.completeAttempt('twice', 'w2', { status: 'succeeded' }, T + 4 * S, noRetry)).toMatchObject({ ok: false });
        expect(await store.getAttempts('twice')).toEqual(history);
      });

      it('timeouts, with and without a retry', async () => {
        const timeout = { message: 'timed out after 1 s', type: 'timeout' };
        await running('final', { timeout_seconds: 1 });
        await running('retried', { timeout_seconds: 1 });
        await store.timeoutRuns(T + S, 10, (run) => (run.id === 'retried' ? T + 2 * S : null));
        expect(await store.getAttempts('final')).toEqual([attempt('final', 1, { status: 'timed_out', finished_at: T + S, error: timeout })]);
        const first = attempt('retried', 1, { status: 'timed_out', finished_at: T + S, error: timeout });
        expect(await store.getAttempts('retried')).toEqual([first]);

        await claim({ worker_id: 'w1', handler: 'h', methods: ['m-retried'], limit: 1, now: T + 2 * S });
        expect(await store.getAttempts('retried')).toEqual([first, attempt('retried', 2, { started_at: T + 2 * S })]);
        await store.timeoutRuns(T + 3 * S, 10, noRetry);
        expect(await store.getAttempts('retried')).toEqual([
          first,
          attempt('retried', 2, { status: 'timed_out', started_at: T + 2 * S, finished_at: T + 3 * S, error: timeout }),
        ]);
      });

      it('lost attempts: expired and departed workers, with and without a retry', async () => {
        await store.registerWorker(newWorker('old', { expires_at: T + 10 * S }));
        await running('x', {}, 'old');
        await running('y', {}, 'old');
        await store.expireWorkers(T + 10 * S, (run) => (run.id === 'x' ? T + 11 * S : null));
        const lost = { message: 'worker lost', type: 'worker_lost' };
        const xFirst = attempt('x', 1, { status: 'lost', worker_id: 'old', finished_at: T + 10 * S, error: lost });
        expect(await store.getAttempts('x')).toEqual([xFirst]);
        expect(await store.getAttempts('y')).toEqual([attempt('y', 1, { status: 'lost', worker_id: 'old', finished_at: T + 10 * S, error: lost })]);

        await store.registerWorker(newWorker('leaver'));
        await claim({ worker_id: 'leaver', handler: 'h', methods: ['m-x'], limit: 1, now: T + 11 * S });
        await running('z', {}, 'leaver', T + 11 * S);
        await store.removeWorker('leaver', T + 12 * S, (run) => (run.id === 'x' ? T + 13 * S : null));
        const left = { message: 'worker left', type: 'worker_lost' };
        const xSecond = attempt('x', 2, { status: 'lost', worker_id: 'leaver', started_at: T + 11 * S, finished_at: T + 12 * S, error: left });
        expect(await store.getAttempts('x')).toEqual([xFirst, xSecond]);
        expect(await store.getAttempts('z')).toEqual([
          attempt('z', 1, { status: 'lost', worker_id: 'leaver', started_at: T + 11 * S, finished_at: T + 12 * S, error: left }),
        ]);

        await claim({ worker_id: 'w3', handler: 'h', methods: ['m-x'], limit: 1, now: T + 13 * S });
        await store.completeAttempt('x', 'w3', { status: 'succeeded', result: 'third time' }, T + 14 * S, noRetry);
        expect(await store.getAttempts('x')).toEqual([
          xFirst,
          xSecond,
          attempt('x', 3, { status: 'succeeded', worker_id: 'w3', started_at: T + 13 * S, finished_at: T + 14 * S, result: 'third time' }),
        ]);
      });

      it('statistics count a retried run once, timed by its last attempt', async () => {
        await running('r', { handler: 'stats' });
        await store.completeAttempt('r', 'w1', failed, T + 10 * S, retryAt(T + 20 * S));
        await claim({ worker_id: 'w1', handler: 'stats', methods: ['m-r'], limit: 1, now: T + 20 * S });
        await store.completeAttempt('r', 'w1', { status: 'succeeded' }, T + 20 * S + 300, noRetry);
        expect(await store.runStats({ handler: 'stats' })).toMatchObject({
          counts: { succeeded: 1 },
          total: 1,
          success_rate: 1,
          duration_ms_p50: 300,
          duration_ms_p95: 300,
        });
      });

      it('pruning takes every attempt of a run with it', async () => {
        await running('r');
        await store.completeAttempt('r', 'w1', failed, T + 1, retryAt(T + 2));
        await claim({ worker_id: 'w1', handler: 'h', methods: ['m-r'], limit: 1, now: T + 2 });
        await store.completeAttempt('r', 'w1', failed, T + 3, noRetry);
        expect(await store.getAttempts('r')).toHaveLength(2);
        expect(await store.pruneHistory({ finished_before: T + S, keep_per_schedule: null, workers_before: null })).toEqual({ runs: 1, workers: 0 });
        expect(await store.getAttempts('r')).toEqual([]);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('claimed inserts', () => {
      const at = T + 5 * S;

      it('inserts a run running, exactly as if it had been inserted and then claimed', async () => {
        await store.registerWorker(newWorker('w1'));
        const base = { params: { same: true }, timeout_seconds: 30, start_by: T + M, available_at: T - S };
        const [direct] = await store.insertRuns([newRun('direct', { ...base, claimed: { worker_id: 'w1', started_at: at } })]);
        await store.insertRuns([newRun('twostep', base)]);
        const [twostep] = await store.claimRuns({ worker_id: 'w1', handler: 'h', methods: ['m'], limit: 10, now: at });
        expect(twostep).toMatchObject({ id: 'twostep', status: 'running', attempt: 1 });
        expect(direct).toEqual({ ...twostep, id: 'direct' });
        expect(direct).toMatchObject({ status: 'running', attempt: 1, worker_id: 'w1', started_at: at, deadline: at + 30 * S, updated_at: at, created_at: T });
        expect(await store.getRun('direct')).toEqual(direct);
        expect(await store.getAttempts('direct')).toEqual([
          { run_id: 'direct', attempt: 1, status: 'running', worker_id: 'w1', started_at: at, finished_at: null, result: null, error: null },
        ]);

        // Everything that looks at running runs sees it; nothing that looks at the queue does.
        expect(await store.countRunsByStatus(['queued', 'running'])).toEqual({ queued: 0, running: 2 });
        expect((await store.runningCounts(['w1'])).get('w1')).toBe(2);
        expect(await store.claimRuns({ worker_id: 'w1', handler: 'h', methods: ['m'], limit: 10, now: at })).toEqual([]);
        expect(await store.nextAvailableAt(T - M)).toBeNull();
        expect(await store.countDueQueued(at)).toBe(0);
        expect(await store.nextReapAt()).toBe(at + 30 * S);
        expect(await store.missOverdueRuns(T + M, 10)).toEqual([]);

        expect(await store.heartbeatRun('direct', 'w1', at + 1, 0.5, null, 1)).toMatchObject({ ok: true, cancel_requested: false });
        const done = await store.completeAttempt('direct', 'w1', { status: 'succeeded', result: 1 }, at + 2, noRetry, 1);
        expect(done).toMatchObject({ ok: true, run: { status: 'succeeded', finished_at: at + 2, result: 1 } });
        expect(await store.getAttempts('direct')).toMatchObject([{ attempt: 1, status: 'succeeded', worker_id: 'w1', started_at: at, finished_at: at + 2, result: 1 }]);
      });

      it('a run without a timeout has no deadline; a batch may mix claimed and queued runs', async () => {
        await store.registerWorker(newWorker('w1'));
        const runs = await store.insertRuns([
          newRun('a', { claimed: { worker_id: 'w1', started_at: at } }),
          newRun('b'),
          newRun('c', { timeout_seconds: 0.25, claimed: { worker_id: 'w1', started_at: at } }),
        ]);
        expect(runs.map((r) => [r.id, r.status, r.attempt, r.worker_id, r.deadline])).toEqual([
          ['a', 'running', 1, 'w1', null],
          ['b', 'queued', 0, null, null],
          ['c', 'running', 1, 'w1', at + 250],
        ]);
        for (const run of runs) expect(await store.getRun(run.id)).toEqual(run);
      });

      it('inserts the run queued when the worker is not online or the run not claimable then', async () => {
        await store.registerWorker(newWorker('w1', { concurrency: 10, expires_at: T + 365 * 86_400 * S }));
        await store.registerWorker(newWorker('left'));
        await store.removeWorker('left', T, noRetry);
        await store.registerWorker(newWorker('lost', { expires_at: T + 1 }));
        await store.expireWorkers(T + 1, noRetry);
        const claimed = (worker_id: string) => ({ claimed: { worker_id, started_at: at } });
        const runs = await store.insertRuns([
          newRun('unknown', claimed('nobody')),
          newRun('left', claimed('left')),
          newRun('lost', claimed('lost')),
          newRun('later', { ...claimed('w1'), available_at: at + 1 }),
          newRun('too-late', { ...claimed('w1'), start_by: at }),
          newRun('granted', { ...claimed('w1'), available_at: at, start_by: at + 1 }),
        ]);
        expect(runs.map((r) => [r.id, r.status])).toEqual([
          ['unknown', 'queued'],
          ['left', 'queued'],
          ['lost', 'queued'],
          ['later', 'queued'],
          ['too-late', 'queued'],
          ['granted', 'running'],
        ]);
        for (const run of runs.slice(0, 5)) {
          expect(run, run.id).toMatchObject({ attempt: 0, worker_id: null, started_at: null, deadline: null, updated_at: T });
          expect(await store.getRun(run.id)).toEqual(run);
          expect(await store.getAttempts(run.id)).toEqual([]);
        }
        // Queued like any other run: claimed later, or missed.
        expect(ids(await store.claimRuns({ worker_id: 'w1', handler: 'h', methods: ['m'], limit: 10, now: at + 1 }))).toEqual([
          'left',
          'lost',
          'unknown',
          'later',
        ]);
        expect(ids(await store.missOverdueRuns(at, 10))).toEqual(['too-late']);
      });

      it('refuses a claim on anything but a queued run, inserting nothing', async () => {
        await store.registerWorker(newWorker('w1'));
        await expect(
          store.insertRuns([newRun('fine'), newRun('odd', { status: 'missed', claimed: { worker_id: 'w1', started_at: at } })]),
        ).rejects.toThrow(/queued/);
        expect(await store.getRun('fine')).toBeNull();
        expect(await store.getRun('odd')).toBeNull();

        await store.createSchedule(newSchedule('s1', { next_run_at: T }));
        await expect(
          store.fireDueSchedules(T, 10, (s) => ({
            runs: [occurrence(s.id, T, { status: 'missed', claimed: { worker_id: 'w1', started_at: T } })],
            next_run_at: T + M,
          })),
        ).rejects.toThrow(/queued/);
        expect((await store.listRuns({ limit: 10 })).items).toEqual([]);
        expect((await store.getSchedule('s1'))?.next_run_at).toBe(T);
      });

      it('fireDueSchedules inserts planned runs claimed; an occurrence that exists is skipped', async () => {
        await store.registerWorker(newWorker('w1'));
        await store.createSchedule(newSchedule('s1', { next_run_at: T, max_instances: 5 }));
        const [existing] = await store.insertRuns([occurrence('s1', T - M)]);
        const claimed = { claimed: { worker_id: 'w1', started_at: T } };
        const result = await store.fireDueSchedules(T, 10, (s) => ({
          runs: [
            occurrence(s.id, T - M, claimed),
            occurrence(s.id, T, { ...claimed, timeout_seconds: 60 }),
            occurrence(s.id, T, claimed),
            occurrence(s.id, T + S, { claimed: { worker_id: 'offline', started_at: T } }),
          ],
          next_run_at: T + M,
        }));
        expect(result.runs.map((r) => [r.scheduled_at, r.status, r.attempt, r.worker_id, r.deadline])).toEqual([
          [T, 'running', 1, 'w1', T + M],
          [T + S, 'queued', 0, null, null],
        ]);
        for (const run of result.runs) expect(await store.getRun(run.id)).toEqual(run);
        // The skipped duplicate did not claim the occurrence that was there.
        expect(await store.getRun(existing!.id)).toEqual(existing);
        expect(await store.getSchedule('s1')).toMatchObject({ next_run_at: T + M, last_run_at: T + S });
        expect(await store.countActiveRuns('s1')).toBe(3);
        expect((await store.listRuns({ schedule_id: 's1', limit: 10 })).items).toHaveLength(3);

        await store.updateSchedule({ ...(await store.getSchedule('s1'))!, next_run_at: T });
        expect(await store.fireDueSchedules(T, 10, stuckAt(T))).toEqual({ schedules: 1, runs: [] });
      });

      it('a claimed run is retried, timed out, lost and cancelled like a claimed one', async () => {
        await store.registerWorker(newWorker('w1', { expires_at: T + 365 * 86_400 * S }));
        const claimed = { claimed: { worker_id: 'w1', started_at: T } };
        await store.insertRuns([
          newRun('retry', { ...claimed, method: 'retry' }),
          newRun('timeout', { ...claimed, method: 'timeout', timeout_seconds: 1 }),
          newRun('cancel', { ...claimed, method: 'cancel' }),
        ]);
        await store.completeAttempt('retry', 'w1', failed, T + 1, retryAt(T + 2));
        const [again] = await store.claimRuns({ worker_id: 'w1', handler: 'h', methods: ['retry'], limit: 1, now: T + 2 });
        expect(again).toMatchObject({ id: 'retry', attempt: 2, started_at: T + 2 });
        expect((await store.getAttempts('retry')).map((a) => [a.attempt, a.status])).toEqual([
          [1, 'failed'],
          [2, 'running'],
        ]);
        expect(ids(await store.timeoutRuns(T + S, 10, noRetry))).toEqual(['timeout']);
        expect((await store.getAttempts('timeout')).map((a) => a.status)).toEqual(['timed_out']);
        expect(await store.cancelRun('cancel', T + 3)).toMatchObject({ ok: true, run: { status: 'cancelled', cancel_requested: true } });
        expect((await store.getAttempts('cancel')).map((a) => a.status)).toEqual(['cancelled']);
        const left = await store.removeWorker('w1', T + 4, noRetry);
        expect(left.runs.map((r) => [r.id, r.status])).toEqual([['retry', 'lost']]);
        expect((await store.getAttempts('retry')).map((a) => a.status)).toEqual(['failed', 'lost']);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('statistics', () => {
      /** Insert a run for `handler` and drive it to `outcome` (durations in ms). */
      async function runTo(
        id: string,
        handler: string,
        outcome: RunStatus,
        opts: { duration?: number; scheduled_at?: number } = {},
      ): Promise<void> {
        const scheduled_at = opts.scheduled_at ?? T;
        const start = scheduled_at + S;
        const base = newRun(id, { handler, method: id, scheduled_at, available_at: scheduled_at, created_at: scheduled_at });
        if (outcome === 'missed') {
          await store.insertRuns([{ ...base, start_by: scheduled_at }]);
          expect(ids(await store.missOverdueRuns(scheduled_at, 100))).toEqual([id]);
          return;
        }
        await store.insertRuns([{ ...base, timeout_seconds: outcome === 'timed_out' ? 1 : null }]);
        if (outcome === 'queued') return;
        if (outcome === 'cancelled') {
          await store.cancelRun(id, start);
          return;
        }
        const worker = `w-${id}`;
        await store.registerWorker(newWorker(worker, { handler, methods: [id] }));
        await claim({ worker_id: worker, handler, methods: [id], limit: 1, now: start });
        if (outcome === 'running') return;
        if (outcome === 'timed_out') {
          await store.timeoutRuns(start + S, 100, noRetry);
        } else if (outcome === 'lost') {
          await store.removeWorker(worker, start + S, noRetry);
        } else {
          const end: AttemptEnd = outcome === 'succeeded' ? { status: 'succeeded' } : failed;
          await store.completeAttempt(id, worker, end, start + (opts.duration ?? 0), noRetry);
        }
        expect((await store.getRun(id))?.status).toBe(outcome);
      }

      it('counts by status, success rate and nearest-rank duration percentiles, per handler', async () => {
        expect(await store.runStats({})).toEqual({
          counts: {},
          total: 0,
          success_rate: null,
          duration_ms_p50: null,
          duration_ms_p95: null,
          by_handler: [],
        });
        for (const [i, d] of [100, 200, 300, 400].entries()) await runTo(`a-ok-${i}`, 'a', 'succeeded', { duration: d });
        await runTo('a-fail', 'a', 'failed', { duration: 1000 });
        await runTo('a-timeout', 'a', 'timed_out');
        await runTo('a-queued', 'a', 'queued');
        await runTo('b-ok', 'b', 'succeeded', { duration: 50 });
        await runTo('b-lost', 'b', 'lost');
        await runTo('b-missed', 'b', 'missed');
        await runTo('b-cancelled', 'b', 'cancelled');
        await runTo('b-running', 'b', 'running');
        // Outside the window below.
        await runTo('a-old', 'a', 'succeeded', { duration: 99_999, scheduled_at: T - M });
        await runTo('a-new', 'a', 'failed', { duration: 99_999, scheduled_at: T + M });

        const stats = await store.runStats({ since: T, until: T + M });
        expect(stats).toEqual({
          counts: { succeeded: 5, failed: 1, timed_out: 1, queued: 1, lost: 1, missed: 1, cancelled: 1, running: 1 },
          total: 12,
          success_rate: 5 / 8,
          // durations 50 100 200 300 400 1000: rank ceil(3) = 3, ceil(5.7) = 6
          duration_ms_p50: 200,
          duration_ms_p95: 1000,
          by_handler: [
            {
              handler: 'a',
              counts: { succeeded: 4, failed: 1, timed_out: 1, queued: 1 },
              total: 7,
              success_rate: 4 / 6,
              // 100 200 300 400 1000: rank ceil(2.5) = 3, ceil(4.75) = 5
              duration_ms_p50: 300,
              duration_ms_p95: 1000,
            },
            {
              handler: 'b',
              counts: { succeeded: 1, lost: 1, missed: 1, cancelled: 1, running: 1 },
              total: 5,
              success_rate: 1 / 2,
              duration_ms_p50: 50,
              duration_ms_p95: 50,
            },
          ],
        });

        const onlyB = await store.runStats({ since: T, until: T + M, handler: 'b' });
        expect(onlyB.total).toBe(5);
        expect(onlyB.duration_ms_p50).toBe(50);
        expect(onlyB.by_handler.map((h) => h.handler)).toEqual(['b']);

        const all = await store.runStats({});
        expect(all.total).toBe(14);
        expect(all.counts.succeeded).toBe(6);
        expect(all.duration_ms_p95).toBe(99_999);
        expect((await store.runStats({ since: T + M })).total).toBe(1);
        expect((await store.runStats({ until: T })).total).toBe(1);
        expect((await store.runStats({ handler: 'nobody' })).by_handler).toEqual([]);

        expect(await store.countRunsByStatus(['queued', 'running', 'succeeded', 'missed'])).toEqual({
          queued: 1,
          running: 1,
          succeeded: 6,
          missed: 1,
        });
        expect(await store.countRunsByStatus([])).toEqual({});
      });

      it('filters statistics by method', async () => {
        await runTo('m1', 'a', 'succeeded', { duration: 100 });
        await runTo('m2', 'a', 'failed', { duration: 200 });
        const stats = await store.runStats({ handler: 'a', method: 'm2' });
        expect(stats).toMatchObject({ total: 1, counts: { failed: 1 }, success_rate: 0, duration_ms_p50: 200, duration_ms_p95: 200 });
        expect((await store.runStats({ method: 'nothing' })).total).toBe(0);
      });

      it('buckets runs over time for charts, with lateness and the empty buckets', async () => {
        await runTo('t1', 'a', 'succeeded', { scheduled_at: T });
        await runTo('t2', 'a', 'failed', { scheduled_at: T + 10 });
        await runTo('t3', 'b', 'timed_out', { scheduled_at: T + 2 * M });
        await runTo('t4', 'a', 'queued', { scheduled_at: T + 2 * M + 5 });
        await runTo('t5', 'a', 'succeeded', { scheduled_at: T - 1 });
        await runTo('t6', 'a', 'succeeded', { scheduled_at: T + 3 * M });
        const empty = { total: 0, succeeded: 0, failed: 0, lateness_ms_avg: null, lateness_ms_max: null };
        // runTo starts every run S after it became available.
        expect(await store.runTimeline({ since: T, until: T + 3 * M, bucket_ms: M })).toEqual([
          { start: T, total: 2, succeeded: 1, failed: 1, lateness_ms_avg: S, lateness_ms_max: S },
          { start: T + M, ...empty },
          { start: T + 2 * M, total: 2, succeeded: 0, failed: 1, lateness_ms_avg: S, lateness_ms_max: S },
        ]);
        expect(await store.runTimeline({ since: T, until: T + 3 * M, bucket_ms: M, handler: 'b' })).toEqual([
          { start: T, ...empty },
          { start: T + M, ...empty },
          { start: T + 2 * M, total: 1, succeeded: 0, failed: 1, lateness_ms_avg: S, lateness_ms_max: S },
        ]);
        expect(await store.runTimeline({ since: T, until: T, bucket_ms: M })).toEqual([]);
      });

      it('success rate is null with nothing finished', async () => {
        await runTo('q', 'a', 'queued');
        await runTo('c', 'a', 'cancelled');
        const stats = await store.runStats({});
        expect(stats).toMatchObject({ total: 2, success_rate: null, duration_ms_p50: null, duration_ms_p95: null });
        expect(stats.by_handler[0]).toMatchObject({ handler: 'a', success_rate: null });
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('pruneHistory', () => {
      const none = { finished_before: null, keep_per_schedule: null, workers_before: null };

      it('deletes finished runs (and their attempts) by age, never queued or running ones', async () => {
        await running('old-done', {}, 'w1', T);
        await store.completeAttempt('old-done', 'w1', { status: 'succeeded' }, T + 1 * S, noRetry);
        await running('new-done', {}, 'w1', T);
        await store.completeAttempt('new-done', 'w1', failed, T + 5 * S, noRetry);
        await store.insertRuns([newRun('old-queued', { created_at: T - 1000 * S, scheduled_at: T - 1000 * S })]);
        await running('old-running', { scheduled_at: T - 1000 * S, available_at: T - 1000 * S }, 'w1', T - 1000 * S);
        await store.insertRuns([newRun('cancelled', { method: 'c' })]);
        await store.cancelRun('cancelled', T + 2 * S);

        expect(await store.pruneHistory(none)).toEqual({ runs: 0, workers: 0 });
        expect(await store.pruneHistory({ ...none, finished_before: T + 3 * S })).toEqual({ runs: 2, workers: 0 });
        expect(await store.getRun('old-done')).toBeNull();
        expect(await store.getAttempts('old-done')).toEqual([]);
        expect(await store.getRun('cancelled')).toBeNull();
        expect((await store.getRun('new-done'))?.status).toBe('failed');
        expect((await store.getAttempts('new-done')).length).toBe(1);
        expect((await store.getRun('old-queued'))?.status).toBe('queued');
        expect((await store.getRun('old-running'))?.status).toBe('running');
        expect(await store.pruneHistory({ ...none, finished_before: T + 1000 * S })).toEqual({ runs: 1, workers: 0 });
        expect(ids((await store.listRuns({ limit: 10 })).items).sort()).toEqual(['old-queued', 'old-running']);
      });

      it('keeps at most N finished runs per schedule, newest kept', async () => {
        await store.createSchedule(newSchedule('s1', { max_instances: 10 }));
        const runs = await store.insertRuns(
          [0, 1, 2, 3, 4].map((i) => occurrence('s1', T + i * M, { method: `s1-${i}` })),
        );
        for (const [i, run] of runs.entries()) {
          await claim({ worker_id: 'w', handler: 'h', methods: [`s1-${i}`], limit: 1, now: T + i * M });
          await store.completeAttempt(run.id, 'w', { status: 'succeeded' }, T + i * M + S, noRetry);
        }
        const [queued] = await store.insertRuns([occurrence('s1', T - M)]);
        await store.insertRuns([occurrence('s2', T), occurrence('s2', T + M)]);
        const s2 = (await store.listRuns({ schedule_id: 's2', limit: 10 })).items;
        await store.cancelRun(s2[0]!.id, T);
        await store.cancelRun(s2[1]!.id, T);
        await store.insertRuns([newRun('one-off-1'), newRun('one-off-2')]);
        await store.cancelRun('one-off-1', T);
        await store.cancelRun('one-off-2', T);

        expect(await store.pruneHistory({ ...none, keep_per_schedule: 2 })).toEqual({ runs: 3, workers: 0 });
        const left = (await store.listRuns({ schedule_id: 's1', limit: 10 })).items;
        expect(ids(left)).toEqual([runs[4]!.id, runs[3]!.id, queued!.id]);
        expect(await store.getAttempts(runs[0]!.id)).toEqual([]);
        expect((await store.listRuns({ schedule_id: 's2', limit: 10 })).items).toHaveLength(2);
        expect(await store.getRun('one-off-1')).not.toBeNull();

        expect(await store.pruneHistory({ ...none, keep_per_schedule: 0 })).toEqual({ runs: 4, workers: 0 });
        expect(ids((await store.listRuns({ schedule_id: 's1', limit: 10 })).items)).toEqual([queued!.id]);
      });

      it('deletes workers that left or were lost before the cutoff', async () => {
        await store.registerWorker(newWorker('left-old'));
        await store.registerWorker(newWorker('left-new'));
        await store.registerWorker(newWorker('lost-old', { expires_at: T + 1 }));
        await store.registerWorker(newWorker('online', { expires_at: T + 1000 * S }));
        await store.removeWorker('left-old', T + 1 * S, noRetry);
        await store.removeWorker('left-new', T + 50 * S, noRetry);
        await store.expireWorkers(T + 2 * S, noRetry);
        expect(await store.pruneHistory({ ...none, workers_before: T + 10 * S })).toEqual({ runs: 0, workers: 2 });
        expect(ids(await store.listWorkers()).sort()).toEqual(['left-new', 'online']);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('run logs', () => {
      const caps: RunLogCaps = { max_bytes: 1024 * 1024, max_lines: 10_000, max_line_bytes: 8 * 1024 };
      const line = (message: string, over: Partial<NewRunLogLine> = {}): NewRunLogLine => ({ at: T, stream: 'log', message, attempt: 1, ...over });

      it('appends lines in order, numbered from 1, and reads them back with every field', async () => {
        await running('logged');
        const first = await store.appendRunLogs(
          'logged',
          [line('starting', { at: T + 1 }), line('to stdout', { at: T + 2, stream: 'stdout' }), line('to stderr', { at: T + 3, stream: 'stderr' })],
          caps,
        );
        expect(first).toEqual({
          accepted: 3,
          dropped: 0,
          truncated: false,
          lines: [
            { seq: 1, at: T + 1, stream: 'log', message: 'starting', attempt: 1 },
            { seq: 2, at: T + 2, stream: 'stdout', message: 'to stdout', attempt: 1 },
            { seq: 3, at: T + 3, stream: 'stderr', message: 'to stderr', attempt: 1 },
          ],
        });
        const second = await store.appendRunLogs('logged', [line('ünïcødé ✓ and "quotes"\ttab', { at: T + 4, attempt: null })], caps);
        expect(second?.lines).toEqual([{ seq: 4, at: T + 4, stream: 'log', message: 'ünïcødé ✓ and "quotes"\ttab', attempt: null }]);

        const page = await store.listRunLogs('logged', { limit: 100 });
        expect(page).toEqual({ lines: [...first!.lines, ...second!.lines], truncated: false, next_seq: 4, last_seq: 4 });
        // Another run's log is its own.
        await running('other');
        await store.appendRunLogs('other', [line('other run')], caps);
        expect((await store.listRunLogs('other', { limit: 100 })).lines.map((l) => [l.seq, l.message])).toEqual([[1, 'other run']]);
        expect((await store.listRunLogs('logged', { limit: 100 })).lines).toHaveLength(4);
      });

      it('pages with after_seq and limit', async () => {
        await running('paged');
        await store.appendRunLogs('paged', Array.from({ length: 25 }, (_, i) => line(`line ${i + 1}`)), caps);
        const first = await store.listRunLogs('paged', { limit: 10 });
        expect(first.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(first).toMatchObject({ next_seq: 10, last_seq: 25, truncated: false });
        const second = await store.listRunLogs('paged', { after_seq: first.next_seq, limit: 10 });
        expect(second.lines.map((l) => l.message)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 11}`));
        const third = await store.listRunLogs('paged', { after_seq: second.next_seq, limit: 10 });
        expect(third.lines.map((l) => l.seq)).toEqual([21, 22, 23, 24, 25]);
        const past = await store.listRunLogs('paged', { after_seq: 25, limit: 10 });
        expect(past).toEqual({ lines: [], truncated: false, next_seq: 25, last_seq: 25 });
      });

      it('refuses an unknown run and lists nothing for it', async () => {
        expect(await store.appendRunLogs('no-such-run', [line('x')], caps)).toBeNull();
        expect(await store.appendRunLogs('no-such-run', [], caps)).toBeNull();
        expect(await store.listRunLogs('no-such-run', { limit: 10 })).toEqual({ lines: [], truncated: false, next_seq: 0, last_seq: 0 });
      });

      it('caps lines per run: the rest is dropped after one marker line, and stays dropped', async () => {
        await running('chatty');
        const small: RunLogCaps = { ...caps, max_lines: 5 };
        expect(await store.appendRunLogs('chatty', [line('a'), line('b'), line('c')], small)).toMatchObject({ accepted: 3, dropped: 0, truncated: false });
        const hit = await store.appendRunLogs('chatty', [line('d'), line('e'), line('f', { at: T + 9, attempt: 2 }), line('g')], small);
        expect(hit).toMatchObject({ accepted: 2, dropped: 2, truncated: true });
        expect(hit!.lines.map((l) => l.seq)).toEqual([4, 5, 6]);
        const marker = hit!.lines[2]!;
        expect(marker).toMatchObject({ seq: 6, stream: 'log', at: T + 9, attempt: 2 });
        expect(marker.message).toMatch(/truncated/);
        // Once truncated, nothing more is stored, not even another marker.
        expect(await store.appendRunLogs('chatty', [line('h')], small)).toEqual({ accepted: 0, dropped: 1, truncated: true, lines: [] });
        expect(await store.appendRunLogs('chatty', [line('i')], { ...small, max_lines: 1000 })).toMatchObject({ accepted: 0, truncated: true });
        const page = await store.listRunLogs('chatty', { limit: 100 });
        expect(page.truncated).toBe(true);
        expect(page.lines.map((l) => l.message)).toEqual(['a', 'b', 'c', 'd', 'e', marker.message]);
        expect(page.last_seq).toBe(6);
      });

      it('caps bytes per run and cuts a long line on a character boundary', async () => {
        await running('bulky');
        const tight: RunLogCaps = { max_bytes: 100, max_lines: 1000, max_line_bytes: 20 };
        const long = 'é'.repeat(30); // 60 bytes of UTF-8
        const result = await store.appendRunLogs('bulky', [line(long), line('x'.repeat(20))], tight);
        expect(result).toMatchObject({ accepted: 2, dropped: 0, truncated: false });
        const cut = result!.lines[0]!.message;
        expect(cut.endsWith('…')).toBe(true);
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(20);
        expect(cut).toBe(`${'é'.repeat(8)}…`);
        expect(result!.lines[1]!.message).toBe('x'.repeat(20));
        // 19 + 20 bytes stored; 3 more lines of 20 fit (99), the next does not.
        const more = await store.appendRunLogs('bulky', [line('1'.repeat(20)), line('2'.repeat(20)), line('3'.repeat(20)), line('4'.repeat(20))], tight);
        expect(more).toMatchObject({ accepted: 3, dropped: 1, truncated: true });
        const page = await store.listRunLogs('bulky', { limit: 100 });
        const stored = page.lines.slice(0, -1).reduce((n, l) => n + Buffer.byteLength(l.message, 'utf8'), 0);
        expect(stored).toBeLessThanOrEqual(100);
        expect(page.lines.at(-1)!.message).toMatch(/truncated/);
      });

      it('stores any text: NUL, line breaks, quotes, emoji; a lone surrogate becomes U+FFFD', async () => {
        await running('odd');
        const messages = ['a\u0000b', 'tab\tnl\ncr\r', '"quote" \\ back', 'emoji 😀', 'lone \ud800 x'];
        const result = await store.appendRunLogs('odd', messages.map((m) => line(m)), caps);
        const stored = (await store.listRunLogs('odd', { limit: 10 })).lines.map((l) => l.message);
        const expected = [...messages.slice(0, 4), 'lone \ufffd x'];
        expect(stored).toEqual(expected);
        // What appendRunLogs reports (and the engine announces) is what was stored.
        expect(result!.lines.map((l) => l.message)).toEqual(expected);
      });

      it('keeps lines of every attempt apart by their attempt number', async () => {
        const run = await running('retried', { retry: RETRY });
        await store.appendRunLogs('retried', [line('first try', { attempt: run.attempt })], caps);
        await store.completeAttempt('retried', 'w1', failed, T + S, retryAt(T + 2 * S));
        const again = await claim({ worker_id: 'w2', handler: 'h', methods: [run.method], limit: 1, now: T + 2 * S });
        expect(again[0]?.attempt).toBe(2);
        await store.appendRunLogs('retried', [line('second try', { attempt: 2 })], caps);
        const page = await store.listRunLogs('retried', { limit: 10 });
        expect(page.lines.map((l) => [l.seq, l.attempt, l.message])).toEqual([
          [1, 1, 'first try'],
          [2, 2, 'second try'],
        ]);
      });

      it('pruning a run deletes its log; other runs keep theirs', async () => {
        await running('old-logged', {}, 'w1', T);
        await store.appendRunLogs('old-logged', [line('old'), line('older')], { ...caps, max_lines: 1 });
        await store.completeAttempt('old-logged', 'w1', { status: 'succeeded' }, T + S, noRetry);
        await running('kept-logged', {}, 'w1', T);
        await store.appendRunLogs('kept-logged', [line('kept')], caps);
        expect(await store.pruneHistory({ finished_before: T + 10 * S, keep_per_schedule: null, workers_before: null })).toEqual({ runs: 1, workers: 0 });
        expect(await store.listRunLogs('old-logged', { limit: 10 })).toEqual({ lines: [], truncated: false, next_seq: 0, last_seq: 0 });
        expect((await store.listRunLogs('kept-logged', { limit: 10 })).lines.map((l) => l.message)).toEqual(['kept']);
      });
    });

    // ------------------------------------------------------------------------------------------
    describe('meta and tokens', () => {
      it('stores small key/value state', async () => {
        expect(await store.getMeta('instance')).toBeNull();
        await store.setMeta('instance', 'abc');
        await store.setMeta('other', '');
        expect(await store.getMeta('instance')).toBe('abc');
        await store.setMeta('instance', 'def');
        expect(await store.getMeta('instance')).toBe('def');
        expect(await store.getMeta('other')).toBe('');
      });

      it('creates, finds, touches, lists and deletes API tokens', async () => {
        const t1 = { id: 't1', name: 'ci', token_hash: 'a'.repeat(64), created_at: T, last_used_at: null };
        const t2 = { id: 't2', name: 'portal', token_hash: 'b'.repeat(64), created_at: T + 1, last_used_at: T + 2 };
        await store.insertToken(t2);
        await store.insertToken(t1);
        expect(await store.findTokenByHash('a'.repeat(64))).toEqual(t1);
        expect(await store.findTokenByHash('c'.repeat(64))).toBeNull();
        await store.touchToken('t1', T + 100);
        expect(await store.findTokenByHash('a'.repeat(64))).toEqual({ ...t1, last_used_at: T + 100 });
        expect(await store.listTokens()).toEqual([{ ...t1, last_used_at: T + 100 }, t2]);
        await expect(store.insertToken({ ...t1, id: 't3' })).rejects.toMatchObject({ statusCode: 409 });
        expect(await store.deleteToken('t1')).toBe(true);
        expect(await store.deleteToken('t1')).toBe(false);
        expect(await store.listTokens()).toEqual([t2]);
        expect(await store.findTokenByHash('a'.repeat(64))).toBeNull();
      });
    });
  });
}
