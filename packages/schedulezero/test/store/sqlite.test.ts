import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewRun } from '../../src/domain/types.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, SchemaTooNewError, migrate } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { RetryDecider } from '../../src/store/store.js';
import { T, newRun, newSchedule, occurrence, storeContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'schedulezero-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A database file in a directory that does not exist yet (the store creates it). */
function freshFile(): string {
  files += 1;
  return join(dir, `db-${files}`, 'nested', 'schedulezero.db');
}

storeContract('sqlite :memory:', async () => new SqliteStore({ filename: ':memory:' }));
storeContract('sqlite file', async () => new SqliteStore({ filename: freshFile() }));

const noRetry: RetryDecider = () => null;

describe('SqliteStore specifics', () => {
  it('creates the parent directory and persists data across close and reopen', async () => {
    const filename = freshFile();
    const store = new SqliteStore({ filename });
    expect(existsSync(filename)).toBe(true);
    await store.migrate();
    await store.createSchedule(newSchedule('s1'));
    await store.insertRuns([newRun('r1')]);
    await store.setMeta('instance', 'abc');
    await store.close();
    await store.close(); // idempotent

    const reopened = new SqliteStore({ filename });
    await reopened.migrate();
    expect((await reopened.getSchedule('s1'))?.id).toBe('s1');
    expect((await reopened.getRun('r1'))?.status).toBe('queued');
    expect(await reopened.getMeta('instance')).toBe('abc');
    await reopened.close();
  });

  it('uses WAL, synchronous=NORMAL, foreign keys and a busy timeout', async () => {
    const store = new SqliteStore({ filename: freshFile() });
    await store.migrate();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    await store.close();
  });

  it('records applied migrations and applies nothing twice', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    await store.migrate();
    const rows = store.db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as {
      version: number;
      name: string;
      applied_at: number;
    }[];
    expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(rows.every((r) => Number.isInteger(r.applied_at))).toBe(true);
    expect(Math.max(...rows.map((r) => r.version))).toBe(LATEST_SCHEMA_VERSION);
    await store.close();
  });

  it('refuses a database with a newer schema than it knows, touching nothing', async () => {
    const filename = freshFile();
    const store = new SqliteStore({ filename });
    await store.migrate();
    store.db
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(LATEST_SCHEMA_VERSION + 1, 'from the future', T);
    await store.close();

    const older = new SqliteStore({ filename });
    const refused = older.migrate();
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toThrow(/schema version \d+.*only knows versions up to/s);
    const versions = older.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions.at(-1)).toBe(LATEST_SCHEMA_VERSION + 1);
    await older.close();
  });

  it('a failing migration rolls back entirely', () => {
    const db = new Database(':memory:');
    migrate(db, T);
    expect(() =>
      migrate(db, T, [
        ...MIGRATIONS,
        { version: LATEST_SCHEMA_VERSION + 1, name: 'half', sql: 'CREATE TABLE half_done (a); SELECT * FROM no_such_table;' },
      ]),
    ).toThrow(/no_such_table/);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('writes an attempt row only for an attempt that ended while its run went on', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    const count = () => store.db.prepare('SELECT count(*) FROM attempts').pluck().get();
    await store.registerWorker({
      id: 'w', kind: 'local', handler: 'h', methods: ['m'], concurrency: 10, name: null, version: null,
      registered_at: T, expires_at: T + 1e9,
    });
    await store.insertRuns([newRun('a'), newRun('b'), newRun('c', { claimed: { worker_id: 'w', started_at: T } })]);
    await store.claimRuns({ worker_id: 'w', handler: 'h', methods: ['m'], limit: 10, now: T });
    expect(count()).toBe(0);
    await store.completeAttempts(
      [
        { run_id: 'a', worker_id: 'w', end: { status: 'succeeded' } },
        { run_id: 'b', worker_id: 'w', end: { status: 'failed' } },
        { run_id: 'c', worker_id: 'w', end: { status: 'failed' } },
      ],
      T + 1,
      (run) => (run.id === 'b' ? T + 2 : null),
    );
    expect(count()).toBe(1);
    expect(store.db.prepare('SELECT run_id, attempt, status FROM attempts').all()).toEqual([{ run_id: 'b', attempt: 1, status: 'failed' }]);
    await store.close();
  });

  it('migrating a version 1 database keeps its attempt history without duplicates', async () => {
    const filename = freshFile();
    mkdirSync(dirname(filename), { recursive: true });
    const v1 = new Database(filename);
    migrate(v1, T, MIGRATIONS.filter((m) => m.version === 1));
    // Version 1 wrote a row for every attempt, `running` while it ran.
    const insertRun = v1.prepare(`
      INSERT INTO runs (id, origin, handler, method, params, status, attempt, retry, scheduled_at,
                        available_at, worker_id, started_at, finished_at, result, error, created_at, updated_at)
      VALUES (@id, 'one_off', 'h', 'm', '{}', @status, @attempt, '{"max_attempts":3}', ${T}, ${T},
              'w', @started_at, @finished_at, @result, @error, ${T}, ${T})
    `);
    const insertAttempt = v1.prepare(`
      INSERT INTO attempts (run_id, attempt, status, worker_id, started_at, finished_at, result, error)
      VALUES (?, ?, ?, 'w', ?, ?, ?, ?)
    `);
    const boom = JSON.stringify({ message: 'boom' });
    insertRun.run({ id: 'done', status: 'succeeded', attempt: 2, started_at: T + 20, finished_at: T + 30, result: '"ok"', error: null });
    insertAttempt.run('done', 1, 'failed', T, T + 10, null, boom);
    insertAttempt.run('done', 2, 'succeeded', T + 20, T + 30, '"ok"', null);
    insertRun.run({ id: 'live', status: 'running', attempt: 2, started_at: T + 20, finished_at: null, result: null, error: boom });
    insertAttempt.run('live', 1, 'failed', T, T + 10, null, boom);
    insertAttempt.run('live', 2, 'running', T + 20, null, null, null);
    v1.close();

    const store = new SqliteStore({ filename });
    await store.migrate();
    expect(store.db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'runs_queued'`).pluck().get()).toBe(0);
    const failedFirst = { attempt: 1, status: 'failed', started_at: T, finished_at: T + 10, error: { message: 'boom' } };
    expect(await store.getAttempts('done')).toMatchObject([failedFirst, { attempt: 2, status: 'succeeded', finished_at: T + 30, result: 'ok', error: null }]);
    expect(await store.getAttempts('live')).toMatchObject([failedFirst, { attempt: 2, status: 'running', started_at: T + 20, finished_at: null, error: null }]);
    await store.registerWorker({
      id: 'w', kind: 'local', handler: 'h', methods: ['m'], concurrency: 10, name: null, version: null,
      registered_at: T, expires_at: T + 1e9,
    });
    await store.completeAttempt('live', 'w', { status: 'succeeded', result: 2 }, T + 40, noRetry);
    expect(await store.getAttempts('live')).toMatchObject([failedFirst, { attempt: 2, status: 'succeeded', finished_at: T + 40, result: 2 }]);
    expect(await store.getAttempts('live')).toHaveLength(2);
    await store.close();
  });

  it('two stores on one file never duplicate an occurrence', async () => {
    const filename = freshFile();
    const a = new SqliteStore({ filename });
    const b = new SqliteStore({ filename });
    await a.migrate();
    await b.migrate();
    await a.createSchedule(newSchedule('s1', { next_run_at: T }));
    const plan = (at: number) => () => ({ runs: [occurrence('s1', at)], next_run_at: T });
    const results = await Promise.all([a.fireDueSchedules(T, 10, plan(T)), b.fireDueSchedules(T, 10, plan(T))]);
    expect(results.flatMap((r) => r.runs)).toHaveLength(1);
    expect((await b.listRuns({ schedule_id: 's1', limit: 10 })).items).toHaveLength(1);
    await a.close();
    await b.close();
  });

  describe('query plans', () => {
    interface Traced {
      source: string;
      plan: string[];
    }

    /**
     * Record the EXPLAIN QUERY PLAN of every statement the store runs (once `on` is set), with its
     * real arguments. Install before the store prepares anything: statements are cached.
     */
    function trace(store: SqliteStore): { traced: Traced[]; on: boolean } {
      const tracer = { traced: [] as Traced[], on: false };
      const traced = tracer.traced;
      const db = store.db as unknown as { prepare: (source: string) => Database.Statement };
      const prepare = db.prepare.bind(store.db);
      db.prepare = (source: string) => {
        const statement = prepare(source);
        for (const method of ['run', 'get', 'all'] as const) {
          const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
          (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
            if (!tracer.on) return original(...args);
            const plan = (prepare(`EXPLAIN QUERY PLAN ${source}`).all(...args) as { detail: string }[]).map((r) => r.detail);
            traced.push({ source, plan });
            return original(...args);
          };
        }
        return statement;
      };
      return tracer;
    }

    function planOf(traced: Traced[], ...fragments: string[]): string[] {
      const found = traced.find((t) => fragments.every((f) => t.source.includes(f)));
      if (found === undefined) throw new Error(`no statement with ${fragments.join(' & ')}`);
      return found.plan;
    }

    /** Uses `index` on `table`, never scans the table itself, never sorts (unless `sorts`). */
    function expectIndexed(plan: string[], table: string, index: string, sorts = false): void {
      const text = plan.join('\n');
      expect(text, text).toMatch(new RegExp(`(SEARCH|SCAN) ${table} USING (COVERING )?INDEX ${index}\\b`));
      expect(text, text).not.toMatch(new RegExp(`^SCAN ${table}$`, 'm'));
      if (!sorts) expect(text, text).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }

    /** Steps from handler to handler in runs_claim and seeks each one's available_at range. */
    function expectLooseScan(plan: string[]): void {
      const text = plan.join('\n');
      expect(text, text).toMatch(/SEARCH runs USING COVERING INDEX runs_claim \(handler>\?\)/);
      expect(text, text).toMatch(/SEARCH runs USING COVERING INDEX runs_claim \(handler=\? AND available_at[<>]\?\)/);
      expect(text, text).not.toMatch(/SCAN runs\b/);
      expect(text, text).not.toMatch(/TEMP B-TREE/);
    }

    it('due schedules, claims, reaping and counts are index reads, not scans', async () => {
      const store = new SqliteStore({ filename: ':memory:' });
      const tracer = trace(store);
      const traced = tracer.traced;
      await store.migrate();
      // Some bulk so that a scan would be a real choice for the planner.
      await store.createSchedules(
        Array.from({ length: 2000 }, (_, i) =>
          newSchedule(`s${i}`, { next_run_at: i % 10 === 0 ? null : T + i * 1000, paused: i % 7 === 0 }),
        ),
      );
      const runs: NewRun[] = Array.from({ length: 3000 }, (_, i) =>
        newRun(`r${i}`, {
          schedule_id: `s${i % 2000}`,
          handler: `h${i % 5}`,
          available_at: T + i,
          start_by: i % 3 === 0 ? T + i + 1000 : null,
          timeout_seconds: 60,
        }),
      );
      await store.insertRuns(runs);
      await store.claimRuns({ worker_id: 'w0', handler: 'h1', methods: ['m'], limit: 50, now: T + 3000 });
      store.db.exec('ANALYZE');
      tracer.on = true;
      await store.nextDueAt();
      await store.fireDueSchedules(T + 10_000, 100, (s) => ({ runs: [], next_run_at: s.next_run_at! + 1e9 }));
      await store.claimRuns({ worker_id: 'w1', handler: 'h2', methods: ['m', 'x'], limit: 100, now: T + 3000 });
      await store.nextAvailableAt(T + 100);
      await store.pruneHistory({ finished_before: T - 1, keep_per_schedule: null, workers_before: null });
      await store.countActiveRuns('s5');
      await store.timeoutRuns(T + 10_000, 100, noRetry);
      await store.missOverdueRuns(T + 1000, 100);
      await store.nextReapAt();
      await store.countDueQueued(T + 1000);
      await store.countRunsByStatus(['queued', 'running']);
      await store.registerWorker({
        id: 'w1',
        kind: 'remote',
        handler: 'h2',
        methods: ['m'],
        concurrency: 1,
        name: null,
        version: null,
        registered_at: T,
        expires_at: T,
      });
      await store.runningCounts(['w0', 'w1']);
      await store.expireWorkers(T + 1, noRetry);
      await store.expireSilentRuns(T - 1, T + 1, 100, noRetry);
      await store.listRuns({ schedule_id: 's3', limit: 10 });
      await store.listRuns({ limit: 10, cursor: (await store.listRuns({ limit: 10 })).next_cursor! });
      await store.listSchedules({ limit: 10, cursor: (await store.listSchedules({ limit: 10 })).next_cursor! });
      await store.deleteSchedule('s7', T);
      await store.getAttempts('r1');
      await store.insertRuns([newRun('claimed-1', { handler: 'h2', claimed: { worker_id: 'w1', started_at: T } })]);

      if (process.env.SZ_PRINT_PLANS === '1') {
        for (const t of traced) console.log(`${t.source.replace(/\s+/g, ' ').trim()}\n  ${t.plan.join('\n  ')}`);
      }
      expectIndexed(planOf(traced, 'SELECT next_run_at FROM schedules'), 'schedules', 'schedules_due');
      expectIndexed(planOf(traced, 'FROM schedules', 'next_run_at <= ?'), 'schedules', 'schedules_due');
      const claim = planOf(traced, "SET status = 'running'");
      expectIndexed(claim, 'runs', 'runs_claim');
      expect(claim.join('\n')).toMatch(/SEARCH runs USING INDEX runs_claim \(handler=\? AND available_at<\?\)/);
      // The queue-wide reads walk runs_claim handler by handler (a loose index scan).
      expectLooseScan(planOf(traced, 'queued_handlers', 'available_at > @after'));
      expectIndexed(planOf(traced, 'SELECT count(*) FROM runs WHERE schedule_id = ?'), 'runs', 'runs_active');
      expectIndexed(planOf(traced, "WHERE status = 'running' AND deadline <= ?"), 'runs', 'runs_deadline');
      expectIndexed(planOf(traced, "SET status = 'missed'"), 'runs', 'runs_start_by');
      expectIndexed(planOf(traced, 'SELECT deadline FROM runs'), 'runs', 'runs_deadline');
      expectIndexed(planOf(traced, 'SELECT start_by FROM runs'), 'runs', 'runs_start_by');
      expectLooseScan(planOf(traced, 'queued_handlers', 'available_at <= @now'));
      expect(planOf(traced, "SELECT count(*) FROM runs WHERE status = 'queued'").join('\n')).toMatch(
        /(SCAN|SEARCH) runs USING COVERING INDEX runs_(queued|claim)\b/,
      );
      expectIndexed(planOf(traced, "SELECT count(*) FROM runs WHERE status = 'running'"), 'runs', 'runs_(worker|deadline|running_updated)');
      expectIndexed(planOf(traced, "WHERE status = 'running' AND updated_at < ?"), 'runs', 'runs_running_updated');
      expectIndexed(planOf(traced, 'DELETE FROM runs', 'scheduled_at < @before'), 'runs', 'runs_list');
      expectIndexed(planOf(traced, "UPDATE workers SET status = 'lost'"), 'workers', 'workers_online');
      expectIndexed(planOf(traced, 'FROM json_each(?) ids'), 'r', 'runs_worker');
      // A worker's running runs are few: sorting them is fine.
      expectIndexed(planOf(traced, "WHERE status = 'running' AND worker_id = ?"), 'runs', 'runs_worker', true);
      expectIndexed(planOf(traced, 'FROM runs', 'schedule_id = @schedule_id'), 'runs', 'runs_schedule');
      expectIndexed(planOf(traced, 'FROM runs', '(scheduled_at, id) <'), 'runs', 'runs_list');
      expectIndexed(planOf(traced, 'SELECT * FROM schedules', '(created_at, id) >'), 'schedules', 'schedules_created');
      expectIndexed(planOf(traced, 'UPDATE runs SET occurrence = 0'), 'runs', 'runs_occurrence');
      // getAttempts: the stored attempts and the run row, each by primary key.
      const attempts = planOf(traced, 'FROM attempts', 'UNION ALL').join('\n');
      expect(attempts).toMatch(/SEARCH attempts USING PRIMARY KEY \(run_id=\?\)/);
      expect(attempts).toMatch(/SEARCH runs USING INDEX sqlite_autoindex_runs_1 \(id=\?\)/);
      expect(attempts).toMatch(/SEARCH a USING PRIMARY KEY \(run_id=\? AND attempt=\?\)/);
      expect(attempts).not.toMatch(/SCAN (runs|attempts|a)\b/);
      // A claimed insert looks its worker up by primary key.
      expect(planOf(traced, 'SELECT 1 FROM workers WHERE id = ?').join('\n')).toMatch(/SEARCH workers USING INDEX sqlite_autoindex_workers_1 \(id=\?\)/);
      expectIndexed(
        planOf(traced, "FROM runs WHERE schedule_id = ? AND status IN ('queued', 'running')", 'SELECT id,'),
        'runs',
        'runs_active',
      );
      await store.close();
    });
  });

});
