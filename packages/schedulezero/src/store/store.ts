/**
 * The Store is the only way the engine touches persistent state. Every store (SQLite now,
 * PostgreSQL later) implements this interface and passes the contract suite in
 * `test/store/contract.ts`.
 *
 * Rules every implementation keeps:
 * - Each method is atomic: it commits entirely or not at all.
 * - Callbacks (`FirePlanner`, `RetryDecider`) are pure and synchronous; the store calls them
 *   inside its transaction so that reading a row, deciding, and writing the result is one step.
 *   That is what lets several nodes share one database later without double-firing.
 * - (schedule_id, scheduled_at) is unique among `scheduled` runs: inserting an occurrence that
 *   exists already is silently skipped, never duplicated.
 * - Times are epoch milliseconds supplied by the caller; stores never read the clock themselves
 *   (tests control time, and a PostgreSQL store may substitute the database clock).
 */
import type {
  AttemptRow,
  AttemptStatus,
  JsonObject,
  JsonValue,
  NewRun,
  NewSchedule,
  RunError,
  RunRow,
  RunStatus,
  ScheduleRow,
  TokenRow,
  WorkerKind,
  WorkerRow,
  WorkerStatus,
} from '../domain/types.js';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface ScheduleQuery {
  handler?: string;
  method?: string;
  paused?: boolean;
  /** Case-insensitive substring of id or name. */
  search?: string;
  limit: number;
  cursor?: string;
}

export interface RunQuery {
  schedule_id?: string;
  handler?: string;
  method?: string;
  /** Any of these statuses; an empty list filters nothing. */
  status?: RunStatus[];
  /** scheduled_at >= since */
  since?: number;
  /** scheduled_at < until */
  until?: number;
  limit: number;
  cursor?: string;
}

/** The engine's decision for one due schedule, made inside the firing transaction. */
export interface FirePlan {
  /** Runs to create (occurrences). Occurrences that exist already are skipped by the store. */
  runs: NewRun[];
  /** The schedule's next occurrence after this pass; null when it has none. */
  next_run_at: number | null;
}

/**
 * Called once per due schedule. `active_runs` is how many runs of the schedule are queued or
 * running right now (for max_instances).
 */
export type FirePlanner = (schedule: ScheduleRow, active_runs: number) => FirePlan;

export interface FireResult {
  /** Due schedules handled in this pass. */
  schedules: number;
  /**
   * Runs actually inserted (queued ones, running ones planned with `claimed`, and `missed`
   * records), oldest first.
   */
  runs: RunRow[];
}

/** How an attempt ended, as reported or as detected by the server. */
export interface AttemptEnd {
  status: Exclude<AttemptStatus, 'running'>;
  result?: JsonValue | null;
  error?: RunError | null;
}

/**
 * Decides, for a run whose current attempt just ended unsuccessfully, whether it gets another
 * attempt: the time the retry becomes available, or null to end the run. Never called for
 * `succeeded` or `cancelled` ends.
 */
export type RetryDecider = (run: RunRow, end: AttemptEnd) => number | null;

/** One completion in a `completeAttempts` batch: the arguments of `completeAttempt`. */
export interface AttemptCompletion {
  run_id: string;
  worker_id: string;
  end: AttemptEnd;
  attempt?: number;
}

export type CompleteResult =
  | { ok: true; run: RunRow }
  | { ok: false; reason: 'run_not_found' | 'not_owner' | 'not_running'; run: RunRow | null };

export type HeartbeatResult =
  | { ok: true; cancel_requested: boolean; run: RunRow }
  | { ok: false; reason: 'run_not_found' | 'not_owner'; cancel_requested: boolean };

export type CancelResult =
  | { ok: true; run: RunRow }
  | { ok: false; reason: 'run_not_found' | 'already_finished'; run: RunRow | null };

export interface ClaimRequest {
  worker_id: string;
  handler: string;
  methods: string[];
  limit: number;
  now: number;
}

export interface NewWorker {
  id: string;
  kind: WorkerKind;
  handler: string;
  methods: string[];
  concurrency: number;
  name: string | null;
  version: string | null;
  registered_at: number;
  expires_at: number;
}

export interface WorkerQuery {
  handler?: string;
  status?: WorkerStatus[];
}

export interface RunStatsQuery {
  since?: number;
  until?: number;
  handler?: string;
  method?: string;
}

/** Runs bucketed by scheduled_at, for charts: [since, until) in buckets of bucket_ms. */
export interface RunTimelineQuery {
  since: number;
  until: number;
  bucket_ms: number;
  handler?: string;
}

export interface RunTimelineBucket {
  /** Start of the bucket (epoch ms). */
  start: number;
  total: number;
  succeeded: number;
  /** failed, timed_out and lost. */
  failed: number;
  /** Mean and worst start lateness (started_at - available_at) of the runs that started; null when none. */
  lateness_ms_avg: number | null;
  lateness_ms_max: number | null;
}

export interface HandlerRunStats {
  handler: string;
  counts: Partial<Record<RunStatus, number>>;
  total: number;
  /** succeeded / (succeeded + failed + timed_out + lost); null when none finished. */
  success_rate: number | null;
  duration_ms_p50: number | null;
  duration_ms_p95: number | null;
}

export interface RunStats {
  counts: Partial<Record<RunStatus, number>>;
  total: number;
  success_rate: number | null;
  duration_ms_p50: number | null;
  duration_ms_p95: number | null;
  by_handler: HandlerRunStats[];
}

export interface PruneRequest {
  /**
   * Delete finished runs that finished before this time (null: no age limit). A store may find
   * them by scheduled_at (a run finishes after it is scheduled), so a run given a future
   * scheduled_at and cancelled early can stay until its scheduled_at is that old too.
   */
  finished_before: number | null;
  /** Keep at most this many finished runs per schedule (null: no count limit). */
  keep_per_schedule: number | null;
  /** Also delete workers that left or were lost before this time. */
  workers_before: number | null;
}

/** Where a log line came from: a program's stdout or stderr, or a handler's own log call. */
export type LogStream = 'stdout' | 'stderr' | 'log';

/** A log line to store: `at` is when the handler wrote it (epoch ms). */
export interface NewRunLogLine {
  at: number;
  stream: LogStream;
  message: string;
  /** The attempt that wrote it; null when not known. */
  attempt: number | null;
}

/** A stored log line. `seq` counts a run's lines from 1, in the order they were stored. */
export interface RunLogLine extends NewRunLogLine {
  seq: number;
}

/**
 * How much log a run keeps. Lines beyond either cap are dropped and the run's log is marked
 * truncated, with one marker line (which the caps do not count); a longer line is cut.
 */
export interface RunLogCaps {
  /** Bytes (UTF-8) of all stored messages of the run. */
  max_bytes: number;
  /** Stored lines of the run. */
  max_lines: number;
  /** A single message is cut to this many bytes (UTF-8, on a character boundary, ending in "…"). */
  max_line_bytes: number;
}

export interface AppendRunLogsResult {
  /** Lines stored (cut ones included). */
  accepted: number;
  /** Lines dropped because a cap was reached. */
  dropped: number;
  /** The run's log has hit a cap (now or before): further lines are dropped. */
  truncated: boolean;
  /** What was stored, in order: the accepted lines, then the marker line when this call hit a cap. */
  lines: RunLogLine[];
}

export interface RunLogQuery {
  /** Lines with seq > after_seq (default 0: from the start). */
  after_seq?: number;
  limit: number;
}

export interface RunLogPage {
  /** Oldest first. */
  lines: RunLogLine[];
  truncated: boolean;
  /** Pass as `after_seq` for the lines that follow: the last seq returned (or after_seq when none). */
  next_seq: number;
  /** The highest seq stored for the run (0 when it has no log). */
  last_seq: number;
}

/**
 * A change other scheduler nodes on the same database should react to: runs of these handlers
 * may be claimable now, or schedules changed (next due time may be earlier). `resync` is local:
 * this node's connection to the database came back after an outage, announcements were lost
 * meanwhile, so look at everything again (fire due schedules and claim for every handler).
 */
/** New log lines of a run on another node: seq `from` to `to`; `truncated` when its log hit the cap. */
export interface LogActivity {
  run_id: string;
  from: number;
  to: number;
  truncated: boolean;
}

export type StoreEvent =
  | { kind: 'runs'; handlers: string[] }
  | { kind: 'schedules' }
  /** What another node did that live views show: runs that changed, log lines it stored. */
  | { kind: 'activity'; runs: string[]; logs: LogActivity[]; methodInfo?: string[] } | { kind: 'resync' };

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  /**
   * Optional, for stores several nodes share: receive other nodes' announcements (never this
   * store's own). Delivery is best effort (a dropped connection loses some), so listeners must
   * also re-check now and then. Returns the unsubscribe function.
   */
  subscribe?(listener: (event: StoreEvent) => void): () => void;
  /** Optional, with subscribe: tell the other nodes (best effort, may be coalesced). */
  announce?(event: StoreEvent): void;
  /**
   * Optional, for stores several nodes share: the database's clock (epoch ms). Nodes time their
   * work by it, so that their own clocks need not agree.
   */
  databaseTime?(): Promise<number>;
  /** Optional, for stores several nodes share: runs by id (for live views of other nodes' work). */
  getRunsByIds?(ids: readonly string[]): Promise<RunRow[]>;

  /** Apply pending migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- schedules -------------------------------------------------------------------------
  /** Throws ConflictError(`schedule_exists`) when the id is taken. */
  createSchedule(schedule: NewSchedule): Promise<ScheduleRow>;
  /** Insert many schedules in one transaction (imports, benchmarks). Same conflict rule. */
  createSchedules(schedules: NewSchedule[]): Promise<void>;
  getSchedule(id: string): Promise<ScheduleRow | null>;
  /** Ordered by created_at, then id (oldest first). */
  listSchedules(query: ScheduleQuery): Promise<Page<ScheduleRow>>;
  countSchedules(): Promise<number>;
  /**
   * Replace the mutable fields of a schedule. With `expected_version`, the write only happens
   * when the stored version matches (else returns null, as for a missing id). Bumps version.
   */
  updateSchedule(
    schedule: Omit<ScheduleRow, 'created_at' | 'version' | 'last_run_at'>,
    expected_version?: number,
  ): Promise<ScheduleRow | null>;
  /**
   * Delete a schedule. Its queued runs are cancelled, its running runs get cancel_requested;
   * finished runs stay in the history, but release their occurrence keys so that a new
   * schedule with the same id starts clean. Returns the runs that were changed.
   */
  deleteSchedule(id: string, now: number): Promise<{ deleted: boolean; runs: RunRow[] }>;
  /** Earliest next_run_at of an unpaused schedule (an indexed read, never a scan). */
  nextDueAt(): Promise<number | null>;
  /** Up to `limit` unpaused schedules with a next_run_at, soonest first (ties by id). */
  listNextDue(limit: number): Promise<ScheduleRow[]>;
  /**
   * In one transaction: take up to `limit` unpaused schedules with next_run_at <= now (oldest
   * first), ask the planner what to do with each, insert the planned runs (skipping existing
   * occurrences), and set next_run_at (and last_run_at when a run was created).
   */
  fireDueSchedules(now: number, limit: number, planner: FirePlanner): Promise<FireResult>;
  /** Number of queued or running runs of one schedule. */
  countActiveRuns(schedule_id: string): Promise<number>;

  // --- runs ------------------------------------------------------------------------------
  /**
   * Insert runs (manual and one-off runs; scheduled ones come from fireDueSchedules), all or
   * nothing. A run with `claimed` is inserted running when the claim is granted, else queued
   * (see NewRun.claimed); the returned rows are the stored ones.
   */
  insertRuns(runs: NewRun[]): Promise<RunRow[]>;
  getRun(id: string): Promise<RunRow | null>;
  /**
   * Every attempt of a run, oldest first, including the one running now; none for a run that
   * never started. (A store may keep the current or last attempt on the run row alone and
   * derive it here: what callers see is the same.)
   */
  getAttempts(run_id: string): Promise<AttemptRow[]>;
  /** Ordered by scheduled_at descending, then id descending (newest first). */
  listRuns(query: RunQuery): Promise<Page<RunRow>>;
  /**
   * Atomically hand up to `limit` queued runs of `handler` whose method is in `methods` and
   * whose available_at <= now to a worker: status `running`, attempt + 1, worker_id,
   * started_at = now, deadline = now + timeout; getAttempts shows the new attempt `running`.
   * Oldest available first. Runs whose start_by has passed are not handed out, a worker that is
   * not online gets nothing, and a worker never holds more running runs than its registered
   * concurrency (whatever `limit` says: two polls at once cannot overfill it).
   */
  claimRuns(request: ClaimRequest): Promise<RunRow[]>;
  /**
   * Earliest available_at later than `after` among queued runs (when to look again for retries
   * and jittered runs; runs available already are not counted).
   */
  nextAvailableAt(after: number): Promise<number | null>;
  /**
   * Progress report from the owning worker. Returns cancel_requested for the worker to act on.
   * `progress`/`message` left undefined keep their stored values; null clears them. With
   * `attempt` (the run's `attempt` as claimed), a report from an older attempt of the same run
   * (e.g. timed out, retried and claimed again by the same worker id) is `not_owner`.
   */
  heartbeatRun(
    run_id: string,
    worker_id: string,
    now: number,
    progress?: number | null,
    message?: string | null,
    attempt?: number,
  ): Promise<HeartbeatResult>;
  /**
   * The owning worker reports the end of the running attempt. A run that is no longer running
   * (completed, cancelled, timed out or lost meanwhile) is refused and left unchanged. An
   * unsuccessful end is retried when `decide` returns a time: the run goes back to `queued`
   * with available_at at that time and getAttempts keeps the attempt's outcome. With `attempt`, a
   * completion of an older attempt than the current one is refused as `not_owner`.
   */
  completeAttempt(
    run_id: string,
    worker_id: string,
    end: AttemptEnd,
    now: number,
    decide: RetryDecider,
    attempt?: number,
  ): Promise<CompleteResult>;
  /**
   * Group commit: `completeAttempt` for each item, in order, in one transaction (one commit
   * instead of one per run). Results are in input order, each what `completeAttempt` would have
   * returned at that point (so a run listed twice is refused the second time).
   */
  completeAttempts(completions: AttemptCompletion[], now: number, decide: RetryDecider): Promise<CompleteResult[]>;
  /**
   * Cancel a run: a queued run ends `cancelled` at once; a running run's attempt ends
   * `cancelled`, the run ends `cancelled` with cancel_requested set (the worker learns it on its
   * next heartbeat, and its completion is then refused).
   */
  cancelRun(run_id: string, now: number, message?: string): Promise<CancelResult>;
  /** Running attempts past their deadline end `timed_out` (retried per `decide`). */
  timeoutRuns(now: number, limit: number, decide: RetryDecider): Promise<RunRow[]>;
  /** Queued runs that were never started and whose start_by <= now end `missed`. */
  missOverdueRuns(now: number, limit: number): Promise<RunRow[]>;
  /** Earliest deadline of a running run or start_by of a queued one (reaper wake-up). */
  nextReapAt(): Promise<number | null>;

  // --- workers ---------------------------------------------------------------------------
  registerWorker(worker: NewWorker): Promise<WorkerRow>;
  getWorker(id: string): Promise<WorkerRow | null>;
  /** Extend an online worker's lease. Returns null when it is unknown or no longer online. */
  touchWorker(id: string, now: number, expires_at: number): Promise<WorkerRow | null>;
  listWorkers(query?: WorkerQuery): Promise<WorkerRow[]>;
  /** Ids of the runs a worker is running, as the database has it. */
  runningRunIds(worker_id: string): Promise<string[]>;
  /** Running runs per worker id, for the given workers (all online workers when omitted). */
  runningCounts(worker_ids?: string[]): Promise<Map<string, number>>;
  /**
   * Running attempts of remote workers that no one reported on (heartbeat, completion) since
   * `before`: a worker that is alive but never got the job (the answer of its poll was lost with
   * a node), or stopped heartbeating it. They end `lost` and are retried per `decide`; the
   * worker is told to stop them if it does have them (cancel_requested).
   */
  expireSilentRuns(before: number, now: number, limit: number, decide: RetryDecider): Promise<RunRow[]>;
  /**
   * Workers whose lease expired (or, with `force_kind`, every online worker of that kind, e.g.
   * the previous process's in-process workers at start-up) become `lost`; their running
   * attempts end `lost` and are retried per `decide`.
   */
  expireWorkers(
    now: number,
    decide: RetryDecider,
    force_kind?: WorkerKind,
  ): Promise<{ workers: WorkerRow[]; runs: RunRow[] }>;
  /** Graceful leave: the worker becomes `left`; any attempt it still runs ends `lost`. */
  removeWorker(id: string, now: number, decide: RetryDecider): Promise<{ worker: WorkerRow | null; runs: RunRow[] }>;

  // --- history and housekeeping ----------------------------------------------------------
  runStats(query: RunStatsQuery): Promise<RunStats>;
  /** Every bucket of the range, in order, empty ones included. */
  runTimeline(query: RunTimelineQuery): Promise<RunTimelineBucket[]>;
  /** Count of runs by status (queued/running are indexed; used by metrics). */
  countRunsByStatus(statuses: RunStatus[]): Promise<Partial<Record<RunStatus, number>>>;
  /** Queued runs with available_at <= now (the due queue depth). */
  countDueQueued(now: number): Promise<number>;
  /** Pruned runs take their log lines with them. */
  pruneHistory(request: PruneRequest): Promise<{ runs: number; workers: number }>;

  // --- run logs ----------------------------------------------------------------------------
  /**
   * Store log lines of a run in order, in one transaction, within `caps` (see RunLogCaps). The
   * cap state is stored with the run, so it holds across restarts. Null when the run does not
   * exist. The store does not check who writes: the engine does.
   */
  appendRunLogs(run_id: string, lines: NewRunLogLine[], caps: RunLogCaps): Promise<AppendRunLogsResult | null>;
  /** A run's log lines in seq order; an unknown run has none. */
  listRunLogs(run_id: string, query: RunLogQuery): Promise<RunLogPage>;

  // --- small key/value state (engine heartbeat, instance id) ------------------------------
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** Store `value` unless the key has one already; returns the stored value (first writer wins). */
  claimMeta(key: string, value: string): Promise<string>;

  // --- API tokens --------------------------------------------------------------------------
  insertToken(token: TokenRow): Promise<void>;
  findTokenByHash(token_hash: string): Promise<TokenRow | null>;
  touchToken(id: string, now: number): Promise<void>;
  listTokens(): Promise<TokenRow[]>;
  deleteToken(id: string): Promise<boolean>;
}

export type { JsonObject };
