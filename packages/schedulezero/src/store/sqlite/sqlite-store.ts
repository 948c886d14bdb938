/**
 * The SQLite store (better-sqlite3): one file, WAL journal, one connection per process.
 *
 * Every method does its work synchronously, inside one transaction where it touches more than one
 * row, and is `async` only to satisfy the Store interface. Write transactions start IMMEDIATE so
 * that two processes sharing a file queue up on the write lock (busy_timeout) instead of failing
 * on a lock upgrade. SQL sits next to the code that runs it; `sql()` prepares each distinct text
 * once and reuses the statement, and `tx()` wraps each transaction body once.
 *
 * A LIMIT is written `LIMIT CAST(? AS INTEGER)`, never `LIMIT ?`: with a bare parameter every
 * call measured ~15 us slower (SQLite 3.53 seems to re-prepare the statement whenever that
 * parameter is bound again), which doubled the cost of claiming one run.
 *
 * The run row is its latest attempt: a run that starts and ends costs one row insert and two
 * updates of that row (claim, completion), or one insert and one update when it is inserted
 * already claimed (NewRun.claimed). The attempts table only receives attempts that ended while
 * their run went on (a retry followed); getAttempts reads the current or last attempt from the
 * run row.
 *
 * Throughput, from the hand-run script test/store/throughput.mjs (no timed assertions anywhere):
 * 100,000 one-off runs in batches of 500 on a file (WAL, synchronous=NORMAL), Node 20 on a shared
 * 2-vCPU VM, medians of 7 rounds (single rounds vary by +-15%):
 *   insertRuns(500) + claimRuns(500) + completeAttempts(500): ~14,000 runs/s end to end
 *     (insertRuns ~43,000 runs/s, claimRuns ~56,000, completeAttempts ~33,000);
 *   insertRuns(500, claimed) + completeAttempts(500): ~19,500 runs/s (insertRuns ~45,000,
 *     completeAttempts ~35,000).
 *   Before the run row became the attempt (an attempt row inserted per claim and updated per
 *   completion) the first figure was ~11,000 runs/s.
 *   1,000,000 schedules (measured before these changes): createSchedules ~35,000/s,
 *     fireDueSchedules ~13,000 occurrences/s, nextDueAt ~5 us.
 * Per-statement costs dominate: each run is one INSERT and one or two UPDATE ... RETURNING, so
 * the statements run once per run bind positional parameters (better-sqlite3 looks every named
 * parameter up by name), and callers reach higher rates by batching (claimRuns and
 * completeAttempts take many runs per transaction).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError } from '../../domain/errors.js';
import type { NewRun, NewSchedule, RunStatus, ScheduleRow, RunRow, AttemptRow, TokenRow, WorkerKind, WorkerRow } from '../../domain/types.js';
import type {
  AttemptCompletion,
  AttemptEnd,
  CancelResult,
  ClaimRequest,
  CompleteResult,
  FirePlanner,
  FireResult,
  HandlerRunStats,
  HeartbeatResult,
  NewWorker,
  Page,
  PruneRequest,
  RetryDecider,
  RunQuery,
  RunStats,
  RunStatsQuery,
  ScheduleQuery,
  Store,
  WorkerQuery,
} from '../store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { migrate } from './migrations.js';
import {
  type AttemptRecord,
  type InsertClaim,
  NEW_RUN_COLUMNS,
  RUN_COLUMNS,
  type RunTuple,
  type ScheduleRecord,
  type TokenRecord,
  type WorkerRecord,
  byTimeThenId,
  deadlineOf,
  insertedRun,
  jsonOrNull,
  newRunValues,
  scheduleParams,
  toAttempt,
  toRun,
  toSchedule,
  toToken,
  toWorker,
} from './rows.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created when missing), or ':memory:'. */
  filename: string;
  /** How long a write waits for another process's write lock. Default 5000 ms. */
  busy_timeout_ms?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 types transaction bodies this way
type AnyFn = (...args: any[]) => any;
type Stmt<R> = Database.Statement<unknown[], R>;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  /** The connection, for SQLite-specific tooling and tests. */
  readonly db: Database.Database;
  readonly filename: string;

  private statements = new WeakMap<TemplateStringsArray, Stmt<unknown>>();
  private runStatements = new WeakMap<TemplateStringsArray, Stmt<RunTuple>>();
  private readonly textStatements = new Map<string, Stmt<unknown>>();
  private readonly transactions = new Map<AnyFn, Database.Transaction<AnyFn>>();

  constructor(options: SqliteStoreOptions) {
    this.filename = options.filename;
    const inMemory = options.filename === ':memory:' || options.filename === '';
    if (!inMemory && !options.filename.startsWith('file:')) {
      mkdirSync(dirname(resolve(options.filename)), { recursive: true });
    }
    const busyTimeout = options.busy_timeout_ms ?? 5000;
    this.db = new Database(options.filename, { timeout: busyTimeout });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('temp_store = MEMORY');
    // 64 MiB page cache: the hot indexes of a large history stay in memory.
    this.db.pragma('cache_size = -65536');
    // Reads through a memory map skip a copy per page: about 10% more runs/s in the benchmark.
    // The mapped pages belong to the file, so the kernel can drop them under memory pressure.
    this.db.pragma('mmap_size = 268435456');
  }

  // --- plumbing ---------------------------------------------------------------------------------

  /**
   * The prepared statement for a SQL template (a tag: this.sql`SELECT ...`), prepared on first
   * use and then found by the template's identity, so that a hot statement costs no string
   * building or hashing per call. Interpolations must be constants (column lists); SQL built at
   * run time goes through prepareText.
   */
  private sql<R = unknown>(strings: TemplateStringsArray, ...parts: string[]): Stmt<R> {
    let statement = this.statements.get(strings);
    if (statement === undefined) {
      statement = this.db.prepare(String.raw({ raw: strings }, ...parts));
      this.statements.set(strings, statement);
    }
    return statement as Stmt<R>;
  }

  /**
   * As sql, for statements that return runs: rows come back as arrays in RUN_COLUMNS order
   * (`raw` mode), for `toRun`. Write `RETURNING ${RUN_COLUMNS}` / `SELECT ${RUN_COLUMNS}`.
   */
  private runSql(strings: TemplateStringsArray, ...parts: string[]): Stmt<RunTuple> {
    let statement = this.runStatements.get(strings);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], RunTuple>(String.raw({ raw: strings }, ...parts)).raw(true);
      this.runStatements.set(strings, statement);
    }
    return statement;
  }

  /** A statement whose text is built at run time (filters), cached by its text. */
  private prepareText<R = unknown>(text: string, raw = false): Stmt<R> {
    const key = raw ? `raw:${text}` : text;
    let statement = this.textStatements.get(key);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      if (raw) statement.raw(true);
      this.textStatements.set(key, statement);
    }
    return statement as Stmt<R>;
  }

  /** The transaction wrapper of a body method (created once: creating one costs ~15 us). */
  private tx<F extends AnyFn>(body: F): Database.Transaction<F> {
    let transaction = this.transactions.get(body);
    if (transaction === undefined) {
      transaction = this.db.transaction(body.bind(this) as AnyFn);
      this.transactions.set(body, transaction);
    }
    return transaction as Database.Transaction<F>;
  }

  async migrate(): Promise<void> {
    migrate(this.db);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // best effort
    }
    this.statements = new WeakMap();
    this.runStatements = new WeakMap();
    this.textStatements.clear();
    this.transactions.clear();
    this.db.close();
  }

  // --- schedules --------------------------------------------------------------------------------

  async createSchedule(schedule: NewSchedule): Promise<ScheduleRow> {
    this.tx(this.insertSchedules).immediate([schedule]);
    return toSchedule(this.sql<ScheduleRecord>`SELECT * FROM schedules WHERE id = ?`.get(schedule.id)!);
  }

  async createSchedules(schedules: NewSchedule[]): Promise<void> {
    this.tx(this.insertSchedules).immediate(schedules);
  }

  private insertSchedules(schedules: NewSchedule[]): void {
    const insert = this.sql`
      INSERT INTO schedules (
        id, name, handler, method, params, "trigger", misfire_grace_seconds, catch_up,
        catch_up_limit, max_instances, max_jitter_seconds, retry, timeout_seconds, paused,
        next_run_at, last_run_at, created_at, updated_at, version
      ) VALUES (
        @id, @name, @handler, @method, @params, @trigger, @misfire_grace_seconds, @catch_up,
        @catch_up_limit, @max_instances, @max_jitter_seconds, @retry, @timeout_seconds, @paused,
        @next_run_at, NULL, @created_at, @updated_at, 1
      )
    `;
    for (const schedule of schedules) {
      try {
        insert.run(scheduleParams(schedule));
      } catch (error) {
        if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
          throw new ConflictError('schedule_exists', `A schedule with id '${schedule.id}' exists already.`, 'id');
        }
        throw error;
      }
    }
  }

  async getSchedule(id: string): Promise<ScheduleRow | null> {
    const row = this.sql<ScheduleRecord>`SELECT * FROM schedules WHERE id = ?`.get(id);
    return row === undefined ? null : toSchedule(row);
  }

  async listSchedules(query: ScheduleQuery): Promise<Page<ScheduleRow>> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: pageLimit(query.limit) + 1 };
    whereEqual(where, params, { handler: query.handler, method: query.method });
    if (query.paused !== undefined) {
      where.push('paused = @paused');
      params.paused = query.paused ? 1 : 0;
    }
    if (query.search !== undefined && query.search !== '') {
      // lower() on both sides: SQLite folds ASCII only, so fold the needle the same way.
      where.push(`(instr(lower(id), lower(@search)) > 0 OR instr(lower(coalesce(name, '')), lower(@search)) > 0)`);
      params.search = query.search;
    }
    if (query.cursor !== undefined) {
      const [createdAt, id] = decodeCursor(query.cursor);
      where.push('(created_at, id) > (@after_created_at, @after_id)');
      params.after_created_at = createdAt;
      params.after_id = id;
    }
    // Built from the filters given, so prepared by its text (one statement per filter set).
    const rows = this.prepareText<ScheduleRecord>(`
      SELECT * FROM schedules
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id
      LIMIT CAST(@limit AS INTEGER)
    `).all(params);
    return page(rows.map(toSchedule), pageLimit(query.limit), (s) => [s.created_at, s.id]);
  }

  async countSchedules(): Promise<number> {
    return this.sql<number>`SELECT count(*) FROM schedules`.pluck().get()!;
  }

  async updateSchedule(
    schedule: Omit<ScheduleRow, 'created_at' | 'version' | 'last_run_at'>,
    expected_version?: number,
  ): Promise<ScheduleRow | null> {
    const row = this.sql<ScheduleRecord>`
      UPDATE schedules
      SET name = @name, handler = @handler, method = @method, params = @params,
          "trigger" = @trigger, misfire_grace_seconds = @misfire_grace_seconds,
          catch_up = @catch_up, catch_up_limit = @catch_up_limit, max_instances = @max_instances,
          max_jitter_seconds = @max_jitter_seconds, retry = @retry,
          timeout_seconds = @timeout_seconds, paused = @paused, next_run_at = @next_run_at,
          updated_at = @updated_at, version = version + 1
      WHERE id = @id AND (@expected_version IS NULL OR version = @expected_version)
      RETURNING *
    `.get({ ...scheduleParams(schedule), expected_version: expected_version ?? null });
    return row === undefined ? null : toSchedule(row);
  }

  async deleteSchedule(id: string, now: number): Promise<{ deleted: boolean; runs: RunRow[] }> {
    return this.tx(this.deleteScheduleTx).immediate(id, now);
  }

  private deleteScheduleTx(id: string, now: number): { deleted: boolean; runs: RunRow[] } {
    const deleted = this.sql`DELETE FROM schedules WHERE id = ?`.run(id).changes > 0;
    if (!deleted) return { deleted: false, runs: [] };

    // History stays, but the occurrence keys go: a new schedule with this id starts clean.
    this.sql`UPDATE runs SET occurrence = 0 WHERE schedule_id = ? AND occurrence = 1`.run(id);

    const active = this.runSql`
      SELECT ${RUN_COLUMNS} FROM runs WHERE schedule_id = ? AND status IN ('queued', 'running')
    `
      .all(id)
      .map(toRun);
    const error = JSON.stringify({ message: 'schedule deleted', type: 'cancelled' });
    const runs = active.map((run) => this.cancelActive(run, now, error));
    return { deleted: true, runs: runs.sort(byTimeThenId('scheduled_at')) };
  }

  async nextDueAt(): Promise<number | null> {
    const at = this.sql<number>`
      SELECT next_run_at FROM schedules
      WHERE paused = 0 AND next_run_at IS NOT NULL
      ORDER BY next_run_at
      LIMIT 1
    `.pluck().get();
    return at ?? null;
  }

  async fireDueSchedules(now: number, limit: number, planner: FirePlanner): Promise<FireResult> {
    return this.tx(this.fireDueSchedulesTx).immediate(now, limit, planner);
  }

  private fireDueSchedulesTx(now: number, limit: number, planner: FirePlanner): FireResult {
    const due = this.sql<ScheduleRecord>`
      SELECT * FROM schedules
      WHERE paused = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?
      ORDER BY next_run_at
      LIMIT CAST(? AS INTEGER)
    `.all(now, Math.max(0, Math.floor(limit)));

    const inserted: RunRow[] = [];
    const online = new Map<string, boolean>();
    for (const record of due) {
      const plan = planner(toSchedule(record), this.countActive(record.id));
      let lastRunAt: number | null = null;
      for (const run of plan.runs) {
        const row = this.insertRun(run, online);
        if (row === null) continue;
        inserted.push(row);
        // Queued or claimed at once: both are runs (a `missed` record is not).
        if (run.status === 'queued' && (lastRunAt === null || run.scheduled_at > lastRunAt)) {
          lastRunAt = run.scheduled_at;
        }
      }
      // Not a user edit: `version` stays.
      this.sql`
        UPDATE schedules
        SET next_run_at = ?, last_run_at = coalesce(?, last_run_at), updated_at = ?
        WHERE id = ?
      `.run(plan.next_run_at, lastRunAt, now, record.id);
    }
    return { schedules: due.length, runs: inserted.sort(byTimeThenId('scheduled_at')) };
  }

  async countActiveRuns(schedule_id: string): Promise<number> {
    return this.countActive(schedule_id);
  }

  private countActive(scheduleId: string): number {
    return this.sql<number>`
      SELECT count(*) FROM runs WHERE schedule_id = ? AND status IN ('queued', 'running')
    `.pluck().get(scheduleId)!;
  }

  // --- runs -------------------------------------------------------------------------------------

  async insertRuns(runs: NewRun[]): Promise<RunRow[]> {
    return this.tx(this.insertRunsTx).immediate(runs);
  }

  private insertRunsTx(runs: NewRun[]): RunRow[] {
    const inserted: RunRow[] = [];
    const online = new Map<string, boolean>();
    for (const run of runs) {
      const row = this.insertRun(run, online);
      if (row !== null) inserted.push(row);
    }
    return inserted;
  }

  /**
   * Insert one run, queued or (`run.claimed`, when the claim is granted) running; null when its
   * occurrence exists already. A duplicate id is a conflict. `online` caches, for the current
   * transaction, whether a worker is online.
   */
  private insertRun(run: NewRun, online: Map<string, boolean>): RunRow | null {
    const claim = this.insertClaim(run, online);
    try {
      const changes = this.sql`
        INSERT INTO runs (${NEW_RUN_COLUMNS})
        VALUES (${NEW_RUN_PLACEHOLDERS})
        ON CONFLICT (schedule_id, scheduled_at) WHERE occurrence = 1 DO NOTHING
      `.run(newRunValues(run, claim)).changes;
      return changes > 0 ? insertedRun(run, claim) : null;
    } catch (error) {
      if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
        throw new ConflictError('run_exists', `A run with id '${run.id}' exists already.`, 'id');
      }
      throw error;
    }
  }

  /**
   * The claim a run asks for with `claimed`, granted by the rules of claimRuns at started_at
   * (worker online, run available, start_by not passed); null: insert it queued.
   */
  private insertClaim(run: NewRun, online: Map<string, boolean>): InsertClaim | null {
    const claimed = run.claimed;
    if (claimed === undefined) return null;
    if (run.status !== 'queued') {
      throw new Error(`Run '${run.id}': only a queued run can be inserted claimed (status was '${run.status}').`);
    }
    const { worker_id, started_at } = claimed;
    if (run.available_at > started_at) return null;
    if (run.start_by !== null && run.start_by !== undefined && run.start_by <= started_at) return null;
    let isOnline = online.get(worker_id);
    if (isOnline === undefined) {
      // Same rule as claimRuns: a worker that left or was lost takes nothing.
      isOnline =
        this.sql`SELECT 1 FROM workers WHERE id = ? AND status = 'online'`.pluck().get(worker_id) !== undefined;
      online.set(worker_id, isOnline);
    }
    if (!isOnline) return null;
    return { worker_id, started_at, deadline: deadlineOf(started_at, run.timeout_seconds) };
  }

  async getRun(id: string): Promise<RunRow | null> {
    return this.findRun(id) ?? null;
  }

  private findRun(id: string): RunRow | undefined {
    const row = this.runSql`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`.get(id);
    return row === undefined ? undefined : toRun(row);
  }

  async getAttempts(run_id: string): Promise<AttemptRow[]> {
    // The run row is its latest attempt: `attempts` only stores attempts that ended while the
    // run went on (a retry followed). The run's current or last attempt is read from the run
    // row, unless it is stored already: the last attempt of a run cancelled while it waited for
    // a retry, and every attempt written by schema version 1, which stored them all.
    return this.sql<AttemptRecord>`
      SELECT run_id, attempt, status, worker_id, started_at, finished_at, result, error
      FROM attempts
      WHERE run_id = @id
      UNION ALL
      SELECT id, attempt, status, worker_id, started_at,
             -- A running attempt has not ended; the run's error may be the previous attempt's.
             CASE WHEN status = 'running' THEN NULL ELSE finished_at END,
             CASE WHEN status = 'running' THEN NULL ELSE result END,
             CASE WHEN status = 'running' THEN NULL ELSE error END
      FROM runs
      WHERE id = @id AND attempt > 0 AND started_at IS NOT NULL
        AND status IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost')
        AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = runs.id AND a.attempt = runs.attempt)
      ORDER BY attempt
    `
      .all({ id: run_id })
      .map(toAttempt);
  }

  async listRuns(query: RunQuery): Promise<Page<RunRow>> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: pageLimit(query.limit) + 1 };
    whereEqual(where, params, { schedule_id: query.schedule_id, handler: query.handler, method: query.method });
    // An empty status list means no status filter.
    if (query.status !== undefined && query.status.length > 0) {
      where.push('status IN (SELECT value FROM json_each(@statuses))');
      params.statuses = JSON.stringify(query.status);
    }
    if (query.since !== undefined) {
      where.push('scheduled_at >= @since');
      params.since = query.since;
    }
    if (query.until !== undefined) {
      where.push('scheduled_at < @until');
      params.until = query.until;
    }
    if (query.cursor !== undefined) {
      const [scheduledAt, id] = decodeCursor(query.cursor);
      where.push('(scheduled_at, id) < (@before_scheduled_at, @before_id)');
      params.before_scheduled_at = scheduledAt;
      params.before_id = id;
    }
    // Built from the filters given, so prepared by its text (one statement per filter set).
    const rows = this.prepareText<RunTuple>(
      `
      SELECT ${RUN_COLUMNS} FROM runs
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY scheduled_at DESC, id DESC
      LIMIT CAST(@limit AS INTEGER)
    `,
      true,
    ).all(params);
    return page(rows.map(toRun), pageLimit(query.limit), (r) => [r.scheduled_at, r.id]);
  }

  async claimRuns(request: ClaimRequest): Promise<RunRow[]> {
    if (request.limit <= 0 || request.methods.length === 0) return [];
    return this.tx(this.claimRunsTx).immediate(request);
  }

  private claimRunsTx(request: ClaimRequest): RunRow[] {
    const claimed = this.runSql`
      UPDATE runs
      SET status = 'running',
          attempt = attempt + 1,
          worker_id = @worker_id,
          started_at = @now,
          deadline = CASE WHEN timeout_seconds IS NULL THEN NULL
                          ELSE @now + CAST(round(timeout_seconds * 1000) AS INTEGER) END,
          cancel_requested = 0,
          progress = NULL,
          message = NULL,
          updated_at = @now
      WHERE id IN (
        SELECT id FROM runs
        WHERE status = 'queued'
          AND handler = @handler
          AND available_at <= @now
          AND method IN (SELECT value FROM json_each(@methods))
          AND (start_by IS NULL OR start_by > @now OR attempt > 0)
          -- A worker that left or was lost (perhaps by another process) takes nothing.
          AND EXISTS (SELECT 1 FROM workers WHERE id = @worker_id AND status = 'online')
        ORDER BY available_at, id
        -- Never more running runs than the worker's concurrency, however many polls it sends.
        LIMIT CAST(min(@limit, max(0,
          ifnull((SELECT concurrency FROM workers WHERE id = @worker_id), 0)
          - (SELECT count(*) FROM runs WHERE worker_id = @worker_id AND status = 'running')
        )) AS INTEGER)
      )
      RETURNING ${RUN_COLUMNS}
    `.all({
      worker_id: request.worker_id,
      handler: request.handler,
      methods: JSON.stringify(request.methods),
      now: request.now,
      limit: Math.floor(request.limit),
    });

    // No attempt row: the run row is its running attempt (see getAttempts).
    // RETURNING has no defined order.
    return claimed.map(toRun).sort(byTimeThenId('available_at'));
  }

  async nextAvailableAt(after: number): Promise<number | null> {
    // One seek into runs_claim per handler with queued runs (see QUEUED_HANDLERS).
    const at = this.sql<number | null>`
      ${QUEUED_HANDLERS}
      SELECT min((
        SELECT min(available_at) FROM runs
        WHERE status = 'queued' AND handler = q.handler AND available_at > @after
      ))
      FROM queued_handlers q
      WHERE q.handler IS NOT NULL
    `.pluck().get({ after });
    return at ?? null;
  }

  async heartbeatRun(
    run_id: string,
    worker_id: string,
    now: number,
    progress?: number | null,
    message?: string | null,
    attempt?: number,
  ): Promise<HeartbeatResult> {
    return this.tx(this.heartbeatRunTx).immediate(run_id, worker_id, now, progress, message, attempt);
  }

  private heartbeatRunTx(
    runId: string,
    workerId: string,
    now: number,
    progress: number | null | undefined,
    message: string | null | undefined,
    attempt: number | undefined,
  ): HeartbeatResult {
    // The common case in one statement: the owner reports on its running attempt.
    const updated = this.runSql`
      UPDATE runs
      SET progress = CASE WHEN @keep_progress THEN progress ELSE @progress END,
          message = CASE WHEN @keep_message THEN message ELSE @message END,
          updated_at = @now
      WHERE id = @id AND status = 'running' AND worker_id = @worker_id
        AND (@attempt IS NULL OR attempt = @attempt)
      RETURNING ${RUN_COLUMNS}
    `.get({
      id: runId,
      worker_id: workerId,
      attempt: attempt ?? null,
      keep_progress: progress === undefined ? 1 : 0,
      progress: progress ?? null,
      keep_message: message === undefined ? 1 : 0,
      message: message ?? null,
      now,
    });
    if (updated !== undefined) {
      const run = toRun(updated);
      return { ok: true, cancel_requested: run.cancel_requested, run };
    }

    const run = this.findRun(runId);
    if (run === undefined) return { ok: false, reason: 'run_not_found', cancel_requested: true };
    if (run.worker_id !== workerId || (attempt !== undefined && attempt !== run.attempt)) {
      return { ok: false, reason: 'not_owner', cancel_requested: true };
    }
    // Cancelled, timed out or lost while the worker still had it: tell the worker to stop.
    return { ok: true, cancel_requested: true, run };
  }

  async completeAttempt(
    run_id: string,
    worker_id: string,
    end: AttemptEnd,
    now: number,
    decide: RetryDecider,
    attempt?: number,
  ): Promise<CompleteResult> {
    return this.tx(this.completeAttemptTx).immediate(run_id, worker_id, end, now, decide, attempt);
  }

  async completeAttempts(completions: AttemptCompletion[], now: number, decide: RetryDecider): Promise<CompleteResult[]> {
    if (completions.length === 0) return [];
    return this.tx(this.completeAttemptsTx).immediate(completions, now, decide);
  }

  private completeAttemptsTx(completions: AttemptCompletion[], now: number, decide: RetryDecider): CompleteResult[] {
    return completions.map((c) => this.completeAttemptTx(c.run_id, c.worker_id, c.end, now, decide, c.attempt));
  }

  private completeAttemptTx(
    runId: string,
    workerId: string,
    end: AttemptEnd,
    now: number,
    decide: RetryDecider,
    attempt: number | undefined,
  ): CompleteResult {
    if (end.status === 'succeeded' || end.status === 'cancelled') {
      // The common case in one statement: the run ends if this worker's attempt is running.
      // Positional parameters, as for inserts (see NEW_RUN_COLUMNS): this runs once per run.
      const finished = this.runSql`
        UPDATE runs
        SET status = ?, result = ?, error = ?, finished_at = ?, deadline = NULL, updated_at = ?
        WHERE id = ? AND status = 'running' AND worker_id = ? AND attempt = coalesce(?, attempt)
        RETURNING ${RUN_COLUMNS}
      `.get(end.status, jsonOrNull(end.result), jsonOrNull(end.error), now, now, runId, workerId, attempt ?? null);
      // The run ended with this attempt: the run row is its record, nothing else to write.
      if (finished !== undefined) return { ok: true, run: toRun(finished) };
      // Refused: find out why below.
    }
    const run = this.findRun(runId);
    if (run === undefined) return { ok: false, reason: 'run_not_found', run: null };
    if (run.status !== 'running') return { ok: false, reason: 'not_running', run };
    if (run.worker_id !== workerId || (attempt !== undefined && attempt !== run.attempt)) {
      return { ok: false, reason: 'not_owner', run };
    }
    return { ok: true, run: this.endAttempt(run, end, now, decide, false) };
  }

  /**
   * End the current attempt of a running run and move the run on: `succeeded` and `cancelled`
   * end it; any other end asks `decide` for a retry time (back to `queued`) or ends it with that
   * status. `stop` sets cancel_requested so that a worker still holding the run stops it.
   */
  private endAttempt(run: RunRow, end: AttemptEnd, now: number, decide: RetryDecider, stop: boolean): RunRow {
    const result = jsonOrNull(end.result);
    const error = jsonOrNull(end.error);
    const retryAt = end.status === 'succeeded' || end.status === 'cancelled' ? null : decide(run, end);
    if (retryAt !== null) {
      // The run goes on, and its row will describe the next attempt: store this one first.
      this.sql`
        INSERT INTO attempts (run_id, attempt, status, worker_id, started_at, finished_at, result, error)
        VALUES (@run_id, @attempt, @status, @worker_id, @started_at, @now, @result, @error)
      `.run({
        run_id: run.id,
        attempt: run.attempt,
        status: end.status,
        worker_id: run.worker_id,
        started_at: run.started_at,
        now,
        result,
        error,
      });
      return toRun(
        this.runSql`
          UPDATE runs
          SET status = 'queued', available_at = @available_at, error = @error, result = NULL,
              worker_id = NULL, deadline = NULL,
              cancel_requested = max(cancel_requested, @stop), updated_at = @now
          WHERE id = @id
          RETURNING ${RUN_COLUMNS}
        `.get({ id: run.id, available_at: retryAt, error, stop: stop ? 1 : 0, now })!,
      );
    }
    // Final: the run row records the attempt (worker_id stays for the history).
    return toRun(
      this.runSql`
        UPDATE runs
        SET status = @status, result = @result, error = @error, finished_at = @now,
            deadline = NULL, cancel_requested = max(cancel_requested, @stop), updated_at = @now
        WHERE id = @id
        RETURNING ${RUN_COLUMNS}
      `.get({ id: run.id, status: end.status, result, error, stop: stop ? 1 : 0, now })!,
    );
  }

  async cancelRun(run_id: string, now: number, message?: string): Promise<CancelResult> {
    return this.tx(this.cancelRunTx).immediate(run_id, now, message);
  }

  private cancelRunTx(runId: string, now: number, message: string | undefined): CancelResult {
    const run = this.findRun(runId);
    if (run === undefined) return { ok: false, reason: 'run_not_found', run: null };
    if (run.status !== 'queued' && run.status !== 'running') return { ok: false, reason: 'already_finished', run };
    const error = JSON.stringify({ message: message ?? 'cancelled', type: 'cancelled' });
    return { ok: true, run: this.cancelActive(run, now, error) };
  }

  /**
   * Cancel a queued or running run. A running one's attempt ends `cancelled` with it, recorded
   * by the run row alone; a run queued for a retry has its last attempt stored already.
   */
  private cancelActive(run: RunRow, now: number, error: string): RunRow {
    return toRun(
      this.runSql`
        UPDATE runs
        SET status = 'cancelled', finished_at = @now, error = @error, deadline = NULL,
            cancel_requested = CASE WHEN status = 'running' THEN 1 ELSE cancel_requested END,
            updated_at = @now
        WHERE id = @id
        RETURNING ${RUN_COLUMNS}
      `.get({ id: run.id, now, error })!,
    );
  }

  async timeoutRuns(now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
    return this.tx(this.timeoutRunsTx).immediate(now, limit, decide);
  }

  private timeoutRunsTx(now: number, limit: number, decide: RetryDecider): RunRow[] {
    const overdue = this.runSql`
      SELECT ${RUN_COLUMNS} FROM runs
      WHERE status = 'running' AND deadline <= ?
      ORDER BY deadline
      LIMIT CAST(? AS INTEGER)
    `.all(now, Math.max(0, Math.floor(limit)));
    return overdue.map(toRun).map((run) =>
      this.endAttempt(
        run,
        {
          status: 'timed_out',
          error: { message: `timed out after ${run.timeout_seconds} s`, type: 'timeout' },
        },
        now,
        decide,
        true,
      ),
    );
  }

  async missOverdueRuns(now: number, limit: number): Promise<RunRow[]> {
    const missed = this.runSql`
      UPDATE runs
      SET status = 'missed', finished_at = @now, error = @error, updated_at = @now
      WHERE id IN (
        SELECT id FROM runs
        WHERE status = 'queued' AND attempt = 0 AND start_by <= @now
        ORDER BY start_by
        LIMIT CAST(@limit AS INTEGER)
      )
      RETURNING ${RUN_COLUMNS}
    `.all({
      now,
      limit: Math.max(0, Math.floor(limit)),
      error: JSON.stringify({ message: 'not started before its start-by time', type: 'misfire' }),
    });
    return missed.map(toRun).sort(byTimeThenId('scheduled_at'));
  }

  async nextReapAt(): Promise<number | null> {
    const deadline = this.sql<number>`
      SELECT deadline FROM runs
      WHERE status = 'running' AND deadline IS NOT NULL
      ORDER BY deadline
      LIMIT 1
    `.pluck().get();
    const startBy = this.sql<number>`
      SELECT start_by FROM runs
      WHERE status = 'queued' AND attempt = 0 AND start_by IS NOT NULL
      ORDER BY start_by
      LIMIT 1
    `.pluck().get();
    if (deadline === undefined) return startBy ?? null;
    if (startBy === undefined) return deadline;
    return Math.min(deadline, startBy);
  }

  // --- workers ----------------------------------------------------------------------------------

  async registerWorker(worker: NewWorker): Promise<WorkerRow> {
    // Registering a known id again brings that worker back online with the new details.
    const row = this.sql<WorkerRecord>`
      INSERT INTO workers (
        id, kind, handler, methods, concurrency, name, version, status,
        registered_at, last_seen_at, expires_at
      ) VALUES (
        @id, @kind, @handler, @methods, @concurrency, @name, @version, 'online',
        @registered_at, @registered_at, @expires_at
      )
      ON CONFLICT (id) DO UPDATE SET
        kind = excluded.kind, handler = excluded.handler, methods = excluded.methods,
        concurrency = excluded.concurrency, name = excluded.name, version = excluded.version,
        status = 'online', registered_at = excluded.registered_at,
        last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at
      RETURNING *
    `.get({
      id: worker.id,
      kind: worker.kind,
      handler: worker.handler,
      methods: JSON.stringify(worker.methods),
      concurrency: worker.concurrency,
      name: worker.name ?? null,
      version: worker.version ?? null,
      registered_at: worker.registered_at,
      expires_at: worker.expires_at,
    })!;
    return toWorker(row);
  }

  async getWorker(id: string): Promise<WorkerRow | null> {
    const row = this.sql<WorkerRecord>`SELECT * FROM workers WHERE id = ?`.get(id);
    return row === undefined ? null : toWorker(row);
  }

  async touchWorker(id: string, now: number, expires_at: number): Promise<WorkerRow | null> {
    const row = this.sql<WorkerRecord>`
      UPDATE workers SET last_seen_at = ?, expires_at = ?
      WHERE id = ? AND status = 'online'
      RETURNING *
    `.get(now, expires_at, id);
    return row === undefined ? null : toWorker(row);
  }

  async listWorkers(query: WorkerQuery = {}): Promise<WorkerRow[]> {
    const statuses = query.status !== undefined && query.status.length > 0 ? JSON.stringify(query.status) : null;
    return this.sql<WorkerRecord>`
      SELECT * FROM workers
      WHERE (@handler IS NULL OR handler = @handler)
        AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
      ORDER BY registered_at, id
    `
      .all({ handler: query.handler ?? null, statuses })
      .map(toWorker);
  }

  async runningCounts(worker_ids?: string[]): Promise<Map<string, number>> {
    const rows =
      worker_ids === undefined
        ? this.sql<{ id: string; n: number }>`
            SELECT w.id AS id,
                   (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = w.id) AS n
            FROM workers w
            WHERE w.status = 'online'
          `.all()
        : this.sql<{ id: string; n: number }>`
            SELECT ids.value AS id,
                   (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = ids.value) AS n
            FROM json_each(?) ids
          `.all(JSON.stringify(worker_ids));
    return new Map(rows.map((row) => [row.id, row.n]));
  }

  async expireWorkers(
    now: number,
    decide: RetryDecider,
    force_kind?: WorkerKind,
  ): Promise<{ workers: WorkerRow[]; runs: RunRow[] }> {
    return this.tx(this.expireWorkersTx).immediate(now, decide, force_kind);
  }

  private expireWorkersTx(
    now: number,
    decide: RetryDecider,
    forceKind: WorkerKind | undefined,
  ): { workers: WorkerRow[]; runs: RunRow[] } {
    const lost =
      forceKind === undefined
        ? this.sql<WorkerRecord>`
            UPDATE workers SET status = 'lost'
            WHERE status = 'online' AND expires_at <= ?
            RETURNING *
          `.all(now)
        : this.sql<WorkerRecord>`
            UPDATE workers SET status = 'lost'
            WHERE status = 'online' AND (expires_at <= ? OR kind = ?)
            RETURNING *
          `.all(now, forceKind);
    const runs: RunRow[] = [];
    for (const worker of lost) {
      runs.push(...this.loseRunsOf(worker.id, 'worker lost', now, decide));
    }
    return {
      workers: lost.map(toWorker).sort((a, b) => a.registered_at - b.registered_at || cmp(a.id, b.id)),
      runs,
    };
  }

  async removeWorker(id: string, now: number, decide: RetryDecider): Promise<{ worker: WorkerRow | null; runs: RunRow[] }> {
    return this.tx(this.removeWorkerTx).immediate(id, now, decide);
  }

  private removeWorkerTx(id: string, now: number, decide: RetryDecider): { worker: WorkerRow | null; runs: RunRow[] } {
    const worker = this.sql<WorkerRecord>`
      UPDATE workers SET status = 'left', last_seen_at = ? WHERE id = ? RETURNING *
    `.get(now, id);
    if (worker === undefined) return { worker: null, runs: [] };
    return { worker: toWorker(worker), runs: this.loseRunsOf(id, 'worker left', now, decide) };
  }

  /** End every running attempt of a worker `lost` (retried per `decide`). */
  private loseRunsOf(workerId: string, message: string, now: number, decide: RetryDecider): RunRow[] {
    const running = this.runSql`
      SELECT ${RUN_COLUMNS} FROM runs
      WHERE status = 'running' AND worker_id = ?
      ORDER BY started_at, id
    `.all(workerId);
    return running
      .map(toRun)
      .map((run) => this.endAttempt(run, { status: 'lost', error: { message, type: 'worker_lost' } }, now, decide, true));
  }

  // --- history and housekeeping -------------------------------------------------------------------

  async runStats(query: RunStatsQuery): Promise<RunStats> {
    return this.tx(this.runStatsTx).deferred(query);
  }

  private runStatsTx(query: RunStatsQuery): RunStats {
    const params = {
      since: query.since ?? Number.MIN_SAFE_INTEGER,
      until: query.until ?? Number.MAX_SAFE_INTEGER,
      handler: query.handler ?? null,
    };
    const counts = this.sql<{ handler: string; status: RunStatus; n: number }>`
      SELECT handler, status, count(*) AS n
      FROM runs
      WHERE scheduled_at >= @since AND scheduled_at < @until
        AND (@handler IS NULL OR handler = @handler)
      GROUP BY handler, status
    `.all(params);

    // Nearest-rank percentiles, computed in SQL so that only the ranked rows come back:
    // rank(p, n) = ceil(p * n / 100) = (p * n + 99) / 100 in integer arithmetic.
    const ranked = this.sql<{ handler: string; ms: number; hr: number; hn: number; ar: number; an: number }>`
      WITH durations AS (
        SELECT handler, finished_at - started_at AS ms
        FROM runs
        WHERE scheduled_at >= @since AND scheduled_at < @until
          AND (@handler IS NULL OR handler = @handler)
          AND status IN ('succeeded', 'failed')
          AND started_at IS NOT NULL AND finished_at IS NOT NULL
      ),
      ranked AS (
        SELECT handler, ms,
               row_number() OVER (PARTITION BY handler ORDER BY ms) AS hr,
               count(*) OVER (PARTITION BY handler) AS hn,
               row_number() OVER (ORDER BY ms) AS ar,
               count(*) OVER () AS an
        FROM durations
      )
      SELECT handler, ms, hr, hn, ar, an FROM ranked
      WHERE hr = (50 * hn + 99) / 100 OR hr = (95 * hn + 99) / 100
         OR ar = (50 * an + 99) / 100 OR ar = (95 * an + 99) / 100
    `.all(params);

    const overall = emptyStats('');
    const handlers = new Map<string, HandlerRunStats>();
    const handlerStats = (handler: string): HandlerRunStats => {
      let stats = handlers.get(handler);
      if (stats === undefined) {
        stats = emptyStats(handler);
        handlers.set(handler, stats);
      }
      return stats;
    };
    for (const { handler, status, n } of counts) {
      for (const stats of [overall, handlerStats(handler)]) {
        stats.counts[status] = (stats.counts[status] ?? 0) + n;
        stats.total += n;
      }
    }
    for (const row of ranked) {
      const stats = handlerStats(row.handler);
      if (row.hr === rank(50, row.hn)) stats.duration_ms_p50 = row.ms;
      if (row.hr === rank(95, row.hn)) stats.duration_ms_p95 = row.ms;
      if (row.ar === rank(50, row.an)) overall.duration_ms_p50 = row.ms;
      if (row.ar === rank(95, row.an)) overall.duration_ms_p95 = row.ms;
    }
    const byHandler = [...handlers.values()].sort((a, b) => cmp(a.handler, b.handler));
    for (const stats of [overall, ...byHandler]) stats.success_rate = successRate(stats.counts);
    return {
      counts: overall.counts,
      total: overall.total,
      success_rate: overall.success_rate,
      duration_ms_p50: overall.duration_ms_p50,
      duration_ms_p95: overall.duration_ms_p95,
      by_handler: byHandler,
    };
  }

  async countRunsByStatus(statuses: RunStatus[]): Promise<Partial<Record<RunStatus, number>>> {
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const status of new Set(statuses)) {
      // queued and running are counted from their partial indexes (the status must be a
      // literal for SQLite to use them); the finished ones need a scan.
      counts[status] =
        status === 'queued'
          ? this.sql<number>`SELECT count(*) FROM runs WHERE status = 'queued'`.pluck().get()!
          : status === 'running'
            ? this.sql<number>`SELECT count(*) FROM runs WHERE status = 'running'`.pluck().get()!
            : this.sql<number>`SELECT count(*) FROM runs WHERE status = ?`.pluck().get(status)!;
    }
    return counts;
  }

  async countDueQueued(now: number): Promise<number> {
    // Counts the due range of runs_claim handler by handler (see QUEUED_HANDLERS): runs queued
    // for later (retries, jitter) are not visited.
    return this.sql<number>`
      ${QUEUED_HANDLERS}
      SELECT coalesce(sum((
        SELECT count(*) FROM runs
        WHERE status = 'queued' AND handler = q.handler AND available_at <= @now
      )), 0)
      FROM queued_handlers q
      WHERE q.handler IS NOT NULL
    `.pluck().get({ now })!;
  }

  async pruneHistory(request: PruneRequest): Promise<{ runs: number; workers: number }> {
    return this.tx(this.pruneHistoryTx).immediate(request);
  }

  private pruneHistoryTx(request: PruneRequest): { runs: number; workers: number } {
    // Attempts go with their runs (ON DELETE CASCADE). Queued and running runs are never touched.
    let runs = 0;
    if (request.finished_before !== null) {
      // A run finishes after its scheduled_at, so the candidates come from the scheduled_at
      // index. (A run given a future scheduled_at and cancelled early waits until its
      // scheduled_at is old as well.)
      runs += this.sql`
        DELETE FROM runs
        WHERE scheduled_at < @before AND finished_at < @before
          AND status NOT IN ('queued', 'running')
      `.run({ before: request.finished_before }).changes;
    }
    if (request.keep_per_schedule !== null) {
      runs += this.sql`
        DELETE FROM runs WHERE id IN (
          SELECT id FROM (
            SELECT id, row_number() OVER (
                     PARTITION BY schedule_id ORDER BY scheduled_at DESC, id DESC
                   ) AS newest
            FROM runs
            WHERE schedule_id IS NOT NULL AND status NOT IN ('queued', 'running')
          )
          WHERE newest > ?
        )
      `.run(Math.max(0, Math.floor(request.keep_per_schedule))).changes;
    }
    let workers = 0;
    if (request.workers_before !== null) {
      workers = this.sql`
        DELETE FROM workers WHERE status IN ('left', 'lost') AND last_seen_at < ?
      `.run(request.workers_before).changes;
    }
    return { runs, workers };
  }

  // --- meta -------------------------------------------------------------------------------------

  async getMeta(key: string): Promise<string | null> {
    return this.sql<string>`SELECT value FROM meta WHERE key = ?`.pluck().get(key) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.sql`
      INSERT INTO meta (key, value) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value
    `.run(key, value);
  }

  // --- API tokens -------------------------------------------------------------------------------

  async insertToken(token: TokenRow): Promise<void> {
    try {
      this.sql`
        INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at)
        VALUES (@id, @name, @token_hash, @created_at, @last_used_at)
      `.run({ ...token, last_used_at: token.last_used_at ?? null });
    } catch (error) {
      if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY') || isConstraint(error, 'SQLITE_CONSTRAINT_UNIQUE')) {
        throw new ConflictError('token_exists', 'A token with this id or hash exists already.');
      }
      throw error;
    }
  }

  async findTokenByHash(token_hash: string): Promise<TokenRow | null> {
    const row = this.sql<TokenRecord>`SELECT * FROM api_tokens WHERE token_hash = ?`.get(token_hash);
    return row === undefined ? null : toToken(row);
  }

  async touchToken(id: string, now: number): Promise<void> {
    this.sql`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`.run(now, id);
  }

  async listTokens(): Promise<TokenRow[]> {
    return this.sql<TokenRecord>`SELECT * FROM api_tokens ORDER BY created_at, id`.all().map(toToken);
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.sql`DELETE FROM api_tokens WHERE id = ?`.run(id).changes > 0;
  }
}

// --- helpers ------------------------------------------------------------------------------------

/** One `?` per column of NEW_RUN_COLUMNS. */
const NEW_RUN_PLACEHOLDERS = NEW_RUN_COLUMNS.split(',')
  .map(() => '?')
  .join(', ');

/**
 * The handlers that have queued runs, as a CTE `queued_handlers (handler)` ending in one NULL
 * row. The queue has one index, runs_claim (handler, available_at, id) WHERE status = 'queued'
 * (a second one, on available_at alone, cost every queued run two more index writes). Reads
 * across handlers walk it as a loose index scan: each step seeks the next handler, so the cost
 * grows with the number of handlers, not with the number of queued runs.
 */
const QUEUED_HANDLERS = /* sql */ `
  WITH RECURSIVE queued_handlers (handler) AS (
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued')
    UNION ALL
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued' AND handler > q.handler)
    FROM queued_handlers q
    WHERE q.handler IS NOT NULL
  )`;

function isConstraint(error: unknown, code: string): boolean {
  return error instanceof Error && (error as Error & { code?: string }).code === code;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A `column = @column` condition for each filter given (names are column names, not input). */
function whereEqual(where: string[], params: Record<string, unknown>, filters: Record<string, string | undefined>): void {
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${column} = @${column}`);
    params[column] = value;
  }
}

function pageLimit(limit: number): number {
  return Math.max(1, Math.floor(limit));
}

/** Rows were fetched with limit + 1: the extra row only says that another page exists. */
function page<T>(rows: T[], limit: number, key: (row: T) => [number, string]): Page<T> {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  return { items, next_cursor: encodeCursor(key(items[items.length - 1]!)) };
}

function rank(p: number, n: number): number {
  return Math.floor((p * n + 99) / 100);
}

function emptyStats(handler: string): HandlerRunStats {
  return { handler, counts: {}, total: 0, success_rate: null, duration_ms_p50: null, duration_ms_p95: null };
}

function successRate(counts: Partial<Record<RunStatus, number>>): number | null {
  const succeeded = counts.succeeded ?? 0;
  const finished = succeeded + (counts.failed ?? 0) + (counts.timed_out ?? 0) + (counts.lost ?? 0);
  return finished === 0 ? null : succeeded / finished;
}
