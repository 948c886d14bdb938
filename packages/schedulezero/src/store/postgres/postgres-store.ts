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
  StoreEvent,
  WorkerQuery,
} from '../store.js';
import { PgDatabase, type PgDatabaseOptions } from './database.js';
import { countDueQueued, countRunsByStatus, pruneHistory, runStats, runTimeline } from './history.js';
import { appendRunLogs, listRunLogs } from './logs.js';
import { claimMeta, getMeta, setMeta } from './meta.js';
import { migratePg } from './migrations.js';
import { PgNotifier } from './notifier.js';
import {
  cancelRun,
  claimRuns,
  completeAttempt,
  completeAttempts,
  findRun,
  findRuns,
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
import { expireSilentRuns, expireWorkers, getWorker, listWorkers, registerWorker, removeWorker, runningCounts, runningRunIds, touchWorker } from './workers.js';

export interface PostgresStoreOptions extends PgDatabaseOptions {
  /** Drop the schema when the store closes (tests give each store its own schema). */
  dropSchemaOnClose?: boolean;
}

/**
 * The Store on PostgreSQL, for several scheduler nodes on one database. Each method hands its
 * work, and its SQL, to the file of its concern (schedules.ts, runs.ts, workers.ts, history.ts,
 * logs.ts, meta.ts, tokens.ts); those open the transaction they need with database.tx(). Due work
 * is claimed with FOR UPDATE SKIP LOCKED and occurrences are unique per (schedule, time), so
 * nodes never fire or hand out the same work twice. rows.ts maps rows to objects;
 * migrations.ts holds the schema.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** The pool, for PostgreSQL-specific tooling and tests. */
  readonly database: PgDatabase;
  private readonly dropSchemaOnClose: boolean;
  private readonly notifier: PgNotifier;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.database = new PgDatabase(options);
    this.dropSchemaOnClose = options.dropSchemaOnClose ?? false;
    this.notifier = new PgNotifier({
      url: options.url,
      schema: this.database.schema,
      send: (channel, payload) => this.database.query('SELECT pg_notify($1, $2)', [channel, payload]),
      watch: this.database.watch,
    });
  }

  /** Other nodes' announcements on this schema (LISTEN on a connection of its own). */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.notifier.subscribe(listener);
  }

  /** Wake the other nodes on this schema (NOTIFY; coalesced, best effort). */
  announce(event: StoreEvent): void {
    this.notifier.announce(event);
  }

  async getRunsByIds(ids: readonly string[]): Promise<RunRow[]> {
    return findRuns(this.database, ids);
  }

  /** PostgreSQL's clock: clock_timestamp() is the time of the call, not of the transaction. */
  async databaseTime(): Promise<number> {
    const row = await this.database.one<{ now: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now');
    return row!.now;
  }

  async migrate(): Promise<void> {
    await migratePg(this.database);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.notifier.close();
    if (this.dropSchemaOnClose) await this.database.query(`DROP SCHEMA IF EXISTS "${this.database.schema}" CASCADE`);
    await this.database.close();
  }

  // --- schedules --------------------------------------------------------------------------------

  async createSchedule(schedule: NewSchedule): Promise<ScheduleRow> {
    await insertSchedules(this.database, [schedule]);
    return (await getSchedule(this.database, schedule.id))!;
  }

  async createSchedules(schedules: NewSchedule[]): Promise<void> {
    await insertSchedules(this.database, schedules);
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
    return deleteSchedule(this.database, id, now);
  }

  async nextDueAt(): Promise<number | null> {
    return nextDueAt(this.database);
  }

  async listNextDue(limit: number): Promise<ScheduleRow[]> {
    return listNextDue(this.database, limit);
  }

  async fireDueSchedules(now: number, limit: number, planner: FirePlanner): Promise<FireResult> {
    return fireDueSchedules(this.database, now, limit, planner);
  }

  async countActiveRuns(schedule_id: string): Promise<number> {
    return countActiveRuns(this.database, schedule_id);
  }

  // --- runs -------------------------------------------------------------------------------------

  async insertRuns(runs: NewRun[]): Promise<RunRow[]> {
    return insertRuns(this.database, runs);
  }

  async getRun(id: string): Promise<RunRow | null> {
    return findRun(this.database, id);
  }

  async getAttempts(run_id: string): Promise<AttemptRow[]> {
    return getAttempts(this.database, run_id);
  }

  async listRuns(query: RunQuery): Promise<Page<RunRow>> {
    return listRuns(this.database, query);
  }

  async claimRuns(request: ClaimRequest): Promise<RunRow[]> {
    if (request.limit <= 0 || request.methods.length === 0) return [];
    return claimRuns(this.database, request);
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
    return heartbeatRun(this.database, run_id, worker_id, now, progress, message, attempt);
  }

  async completeAttempt(
    run_id: string,
    worker_id: string,
    end: AttemptEnd,
    now: number,
    decide: RetryDecider,
    attempt?: number,
  ): Promise<CompleteResult> {
    return completeAttempt(this.database, run_id, worker_id, end, now, decide, attempt);
  }

  async completeAttempts(completions: AttemptCompletion[], now: number, decide: RetryDecider): Promise<CompleteResult[]> {
    if (completions.length === 0) return [];
    return completeAttempts(this.database, completions, now, decide);
  }

  async cancelRun(run_id: string, now: number, message?: string): Promise<CancelResult> {
    return cancelRun(this.database, run_id, now, message);
  }

  async timeoutRuns(now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
    return timeoutRuns(this.database, now, limit, decide);
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
    return expireSilentRuns(this.database, before, now, limit, decide);
  }

  async expireWorkers(
    now: number,
    decide: RetryDecider,
    force_kind?: WorkerKind,
  ): Promise<{ workers: WorkerRow[]; runs: RunRow[] }> {
    return expireWorkers(this.database, now, decide, force_kind);
  }

  async removeWorker(id: string, now: number, decide: RetryDecider): Promise<{ worker: WorkerRow | null; runs: RunRow[] }> {
    return removeWorker(this.database, id, now, decide);
  }

  // --- history and housekeeping -------------------------------------------------------------------

  async runStats(query: RunStatsQuery): Promise<RunStats> {
    return runStats(this.database, query);
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
    return pruneHistory(this.database, request);
  }

  // --- run logs ---------------------------------------------------------------------------------

  async appendRunLogs(run_id: string, lines: NewRunLogLine[], caps: RunLogCaps): Promise<AppendRunLogsResult | null> {
    return appendRunLogs(this.database, run_id, lines, caps);
  }

  async listRunLogs(run_id: string, query: RunLogQuery): Promise<RunLogPage> {
    return listRunLogs(this.database, run_id, query);
  }

  // --- meta -------------------------------------------------------------------------------------

  async getMeta(key: string): Promise<string | null> {
    return getMeta(this.database, key);
  }

  async claimMeta(key: string, value: string): Promise<string> {
    return claimMeta(this.database, key, value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await setMeta(this.database, key, value);
  }

  // --- API tokens -------------------------------------------------------------------------------

  async insertToken(token: TokenRow): Promise<void> {
    await insertToken(this.database, token);
  }

  async findTokenByHash(token_hash: string): Promise<TokenRow | null> {
    return findTokenByHash(this.database, token_hash);
  }

  async touchToken(id: string, now: number): Promise<void> {
    await touchToken(this.database, id, now);
  }

  async listTokens(): Promise<TokenRow[]> {
    return listTokens(this.database);
  }

  async deleteToken(id: string): Promise<boolean> {
    return deleteToken(this.database, id);
  }
}
