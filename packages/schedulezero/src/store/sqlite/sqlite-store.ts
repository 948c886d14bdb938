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
 * Throughput, from the hand-run script bench/store-throughput.mjs (no timed assertions anywhere):
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
import type Database from 'better-sqlite3';
import type { AttemptRow, NewRun, NewSchedule, RunRow, RunStatus, ScheduleRow, TokenRow, WorkerKind, WorkerRow } from '../../domain/types.js';
import type {
  AppendRunLogsResult,
  AttemptCompletion,
  AttemptEnd,
  CancelResult,
  ClaimRequest,
  CompleteResult,
  FirePlanner,
  FireResult,
  HeartbeatResult,
  NewRunLogLine,
  NewWorker,
  Page,
  PruneRequest,
  RetryDecider,
  RunLogCaps,
  RunLogPage,
  RunLogQuery,
  RunQuery,
  RunStats,
  RunStatsQuery,
  RunTimelineBucket,
  RunTimelineQuery,
  ScheduleQuery,
  Store,
  WorkerQuery,
} from '../store.js';
import { SqliteDatabase } from './database.js';
import { countDueQueued, countRunsByStatus, pruneHistory, runStats, runTimeline } from './history.js';
import { appendRunLogs, listRunLogs } from './logs.js';
import { claimMeta, getMeta, setMeta } from './meta.js';
import { migrate } from './migrations.js';
import {
  cancelRun,
  claimRuns,
  completeAttempt,
  completeAttempts,
  findRun,
  getAttempts,
  heartbeatRun,
  insertRuns,
  listRuns,
  missOverdueRuns,
  nextAvailableAt,
  nextReapAt,
  timeoutRuns,
} from './runs.js';
import {
  countActiveRuns,
  countSchedules,
  deleteSchedule,
  fireDueSchedules,
  getSchedule,
  insertSchedules,
  listNextDue,
  listSchedules,
  nextDueAt,
  updateSchedule,
} from './schedules.js';
import { deleteToken, findTokenByHash, insertToken, listTokens, touchToken } from './tokens.js';
import {
  expireSilentRuns,
  expireWorkers,
  getWorker,
  listWorkers,
  registerWorker,
  removeWorker,
  runningCounts,
  runningRunIds,
  touchWorker,
} from './workers.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created when missing), or ':memory:'. */
  filename: string;
  /** How long a write waits for another process's write lock. Default 5000 ms. */
  busy_timeout_ms?: number;
}

/**
 * The Store on one SQLite file. Each method hands its work, and its SQL, to the file of its
 * concern (schedules.ts, runs.ts, workers.ts, history.ts, logs.ts, meta.ts, tokens.ts), inside the
 * transaction it needs: `tx(body).immediate(...)` for writes, `.deferred(...)` for a read that
 * must see one snapshot. database.ts opens the connection and caches statements and
 * transaction wrappers; rows.ts maps rows to objects; migrations.ts holds the schema.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  /** The connection, for SQLite-specific tooling and tests. */
  readonly db: Database.Database;
  readonly filename: string;

  /** The connection with its statement cache and transaction wrappers. */
  private readonly database: SqliteDatabase;

  constructor(options: SqliteStoreOptions) {
    this.filename = options.filename;
    this.database = new SqliteDatabase(options.filename, options.busy_timeout_ms ?? 5000);
    this.db = this.database.connection;
  }

  async migrate(): Promise<void> {
    migrate(this.db);
  }

  async close(): Promise<void> {
    this.database.close();
  }

  // --- schedules --------------------------------------------------------------------------------

  async createSchedule(schedule: NewSchedule): Promise<ScheduleRow> {
    this.database.tx(insertSchedules).immediate([schedule]);
    return getSchedule(this.database, schedule.id)!;
  }

  async createSchedules(schedules: NewSchedule[]): Promise<void> {
    this.database.tx(insertSchedules).immediate(schedules);
  }

  async getSchedule(id: string): Promise<ScheduleRow | null> {
    return getSchedule(this.database, id);
  }

  async listSchedules(query: ScheduleQuery): Promise<Page<ScheduleRow>> {
    return listSchedules(this.database, query);
  }

  async countSchedules(): Promise<number> {
    return countSchedules(this.database);
  }

  async updateSchedule(
    schedule: Omit<ScheduleRow, 'created_at' | 'version' | 'last_run_at'>,
    expected_version?: number,
  ): Promise<ScheduleRow | null> {
    return updateSchedule(this.database, schedule, expected_version);
  }

  async deleteSchedule(id: string, now: number): Promise<{ deleted: boolean; runs: RunRow[] }> {
    return this.database.tx(deleteSchedule).immediate(id, now);
  }

  async nextDueAt(): Promise<number | null> {
    return nextDueAt(this.database);
  }

  async listNextDue(limit: number): Promise<ScheduleRow[]> {
    return listNextDue(this.database, limit);
  }

  async fireDueSchedules(now: number, limit: number, planner: FirePlanner): Promise<FireResult> {
    return this.database.tx(fireDueSchedules).immediate(now, limit, planner);
  }

  async countActiveRuns(schedule_id: string): Promise<number> {
    return countActiveRuns(this.database, schedule_id);
  }

  // --- runs -------------------------------------------------------------------------------------

  async insertRuns(runs: NewRun[]): Promise<RunRow[]> {
    return this.database.tx(insertRuns).immediate(runs);
  }

  async getRun(id: string): Promise<RunRow | null> {
    return findRun(this.database, id) ?? null;
  }

  async getAttempts(run_id: string): Promise<AttemptRow[]> {
    return getAttempts(this.database, run_id);
  }

  async listRuns(query: RunQuery): Promise<Page<RunRow>> {
    return listRuns(this.database, query);
  }

  async claimRuns(request: ClaimRequest): Promise<RunRow[]> {
    if (request.limit <= 0 || request.methods.length === 0) return [];
    return this.database.tx(claimRuns).immediate(request);
  }

  async nextAvailableAt(after: number): Promise<number | null> {
    return nextAvailableAt(this.database, after);
  }

  async heartbeatRun(
    run_id: string,
    worker_id: string,
    now: number,
    progress?: number | null,
    message?: string | null,
    attempt?: number,
  ): Promise<HeartbeatResult> {
    return this.database.tx(heartbeatRun).immediate(run_id, worker_id, now, progress, message, attempt);
  }

  async completeAttempt(
    run_id: string,
    worker_id: string,
    end: AttemptEnd,
    now: number,
    decide: RetryDecider,
    attempt?: number,
  ): Promise<CompleteResult> {
    return this.database.tx(completeAttempt).immediate(run_id, worker_id, end, now, decide, attempt);
  }

  async completeAttempts(completions: AttemptCompletion[], now: number, decide: RetryDecider): Promise<CompleteResult[]> {
    if (completions.length === 0) return [];
    return this.database.tx(completeAttempts).immediate(completions, now, decide);
  }

  async cancelRun(run_id: string, now: number, message?: string): Promise<CancelResult> {
    return this.database.tx(cancelRun).immediate(run_id, now, message);
  }

  async timeoutRuns(now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
    return this.database.tx(timeoutRuns).immediate(now, limit, decide);
  }

  async missOverdueRuns(now: number, limit: number): Promise<RunRow[]> {
    return missOverdueRuns(this.database, now, limit);
  }

  async nextReapAt(): Promise<number | null> {
    return nextReapAt(this.database);
  }

  // --- workers ----------------------------------------------------------------------------------

  async registerWorker(worker: NewWorker): Promise<WorkerRow> {
    return registerWorker(this.database, worker);
  }

  async getWorker(id: string): Promise<WorkerRow | null> {
    return getWorker(this.database, id);
  }

  async touchWorker(id: string, now: number, expires_at: number): Promise<WorkerRow | null> {
    return touchWorker(this.database, id, now, expires_at);
  }

  async listWorkers(query: WorkerQuery = {}): Promise<WorkerRow[]> {
    return listWorkers(this.database, query);
  }

  async runningRunIds(worker_id: string): Promise<string[]> {
    return runningRunIds(this.database, worker_id);
  }

  async runningCounts(worker_ids?: string[]): Promise<Map<string, number>> {
    return runningCounts(this.database, worker_ids);
  }

  async expireSilentRuns(before: number, now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
    return this.database.tx(expireSilentRuns).immediate(before, now, limit, decide);
  }

  async expireWorkers(
    now: number,
    decide: RetryDecider,
    force_kind?: WorkerKind,
  ): Promise<{ workers: WorkerRow[]; runs: RunRow[] }> {
    return this.database.tx(expireWorkers).immediate(now, decide, force_kind);
  }

  async removeWorker(id: string, now: number, decide: RetryDecider): Promise<{ worker: WorkerRow | null; runs: RunRow[] }> {
    return this.database.tx(removeWorker).immediate(id, now, decide);
  }

  // --- history and housekeeping -------------------------------------------------------------------

  async runStats(query: RunStatsQuery): Promise<RunStats> {
    return this.database.tx(runStats).deferred(query);
  }

  async runTimeline(query: RunTimelineQuery): Promise<RunTimelineBucket[]> {
    if (!(query.bucket_ms > 0) || query.until <= query.since) return [];
    return runTimeline(this.database, query);
  }

  async countRunsByStatus(statuses: RunStatus[]): Promise<Partial<Record<RunStatus, number>>> {
    return countRunsByStatus(this.database, statuses);
  }

  async countDueQueued(now: number): Promise<number> {
    return countDueQueued(this.database, now);
  }

  async pruneHistory(request: PruneRequest): Promise<{ runs: number; workers: number }> {
    return this.database.tx(pruneHistory).immediate(request);
  }

  // --- run logs ---------------------------------------------------------------------------------

  async appendRunLogs(run_id: string, lines: NewRunLogLine[], caps: RunLogCaps): Promise<AppendRunLogsResult | null> {
    return this.database.tx(appendRunLogs).immediate(run_id, lines, caps);
  }

  async listRunLogs(run_id: string, query: RunLogQuery): Promise<RunLogPage> {
    return this.database.tx(listRunLogs).deferred(run_id, query);
  }

  // --- meta -------------------------------------------------------------------------------------

  async getMeta(key: string): Promise<string | null> {
    return getMeta(this.database, key);
  }

  async claimMeta(key: string, value: string): Promise<string> {
    return claimMeta(this.database, key, value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    setMeta(this.database, key, value);
  }

  // --- API tokens -------------------------------------------------------------------------------

  async insertToken(token: TokenRow): Promise<void> {
    insertToken(this.database, token);
  }

  async findTokenByHash(token_hash: string): Promise<TokenRow | null> {
    return findTokenByHash(this.database, token_hash);
  }

  async touchToken(id: string, now: number): Promise<void> {
    touchToken(this.database, id, now);
  }

  async listTokens(): Promise<TokenRow[]> {
    return listTokens(this.database);
  }

  async deleteToken(id: string): Promise<boolean> {
    return deleteToken(this.database, id);
  }
}
