/**
 * Row <-> object mapping for the SQLite store. Columns hold JSON as TEXT, booleans as INTEGER
 * 0/1 and times as INTEGER epoch milliseconds; these helpers are the only place that knows.
 */
import type {
  AttemptRow,
  AttemptStatus,
  CatchUpPolicy,
  JsonValue,
  NewRun,
  NewSchedule,
  RunError,
  RunOrigin,
  RunRow,
  RunStatus,
  ScheduleRow,
  TokenRow,
  WorkerKind,
  WorkerRow,
  WorkerStatus,
} from '../../domain/types.js';

// ---- raw rows as better-sqlite3 returns them ---------------------------------------------------

export interface ScheduleRecord {
  id: string;
  name: string | null;
  handler: string;
  method: string;
  params: string;
  trigger: string;
  misfire_grace_seconds: number | null;
  catch_up: CatchUpPolicy;
  catch_up_limit: number;
  max_instances: number;
  max_jitter_seconds: number;
  retry: string;
  timeout_seconds: number | null;
  paused: number;
  next_run_at: number | null;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
  version: number;
}

/**
 * The columns of a run as the store reads them, in this order. Run statements return rows as
 * arrays (better-sqlite3 `raw` mode), which costs half as much as building an object per row;
 * `RunTuple` and `toRun` follow the same order.
 */
export const RUN_COLUMNS =
  'id, schedule_id, origin, handler, method, params, status, attempt, retry, timeout_seconds, ' +
  'scheduled_at, available_at, start_by, worker_id, started_at, deadline, finished_at, ' +
  'cancel_requested, progress, message, result, error, created_at, updated_at';

export type RunTuple = [
  id: string,
  schedule_id: string | null,
  origin: RunOrigin,
  handler: string,
  method: string,
  params: string,
  status: RunStatus,
  attempt: number,
  retry: string,
  timeout_seconds: number | null,
  scheduled_at: number,
  available_at: number,
  start_by: number | null,
  worker_id: string | null,
  started_at: number | null,
  deadline: number | null,
  finished_at: number | null,
  cancel_requested: number,
  progress: number | null,
  message: string | null,
  result: string | null,
  error: string | null,
  created_at: number,
  updated_at: number,
];

export interface AttemptRecord {
  run_id: string;
  attempt: number;
  status: AttemptStatus;
  worker_id: string | null;
  started_at: number;
  finished_at: number | null;
  result: string | null;
  error: string | null;
}

export interface WorkerRecord {
  id: string;
  kind: WorkerKind;
  handler: string;
  methods: string;
  concurrency: number;
  name: string | null;
  version: string | null;
  status: WorkerStatus;
  registered_at: number;
  last_seen_at: number;
  expires_at: number;
}

export type TokenRecord = TokenRow;

// ---- JSON columns ------------------------------------------------------------------------------

/** JSON text for a nullable column: JS null/undefined is SQL NULL. */
export function jsonOrNull(value: JsonValue | RunError | null | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parseOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

// ---- schedules ---------------------------------------------------------------------------------

export function toSchedule(r: ScheduleRecord): ScheduleRow {
  return {
    id: r.id,
    name: r.name,
    handler: r.handler,
    method: r.method,
    params: JSON.parse(r.params),
    trigger: JSON.parse(r.trigger),
    misfire_grace_seconds: r.misfire_grace_seconds,
    catch_up: r.catch_up,
    catch_up_limit: r.catch_up_limit,
    max_instances: r.max_instances,
    max_jitter_seconds: r.max_jitter_seconds,
    retry: JSON.parse(r.retry),
    timeout_seconds: r.timeout_seconds,
    paused: r.paused === 1,
    next_run_at: r.next_run_at,
    last_run_at: r.last_run_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    version: r.version,
  };
}

/** Named parameters for INSERT/UPDATE of a schedule (every column except the bookkeeping ones). */
export function scheduleParams(s: Omit<NewSchedule, 'created_at'> & { created_at?: number }) {
  return {
    id: s.id,
    name: s.name ?? null,
    handler: s.handler,
    method: s.method,
    params: JSON.stringify(s.params),
    trigger: JSON.stringify(s.trigger),
    misfire_grace_seconds: s.misfire_grace_seconds ?? null,
    catch_up: s.catch_up,
    catch_up_limit: s.catch_up_limit,
    max_instances: s.max_instances,
    max_jitter_seconds: s.max_jitter_seconds,
    retry: JSON.stringify(s.retry),
    timeout_seconds: s.timeout_seconds ?? null,
    paused: s.paused ? 1 : 0,
    next_run_at: s.next_run_at ?? null,
    created_at: s.created_at ?? null,
    updated_at: s.updated_at,
  };
}

// ---- runs --------------------------------------------------------------------------------------

export function toRun(row: RunTuple): RunRow {
  const [
    id,
    schedule_id,
    origin,
    handler,
    method,
    params,
    status,
    attempt,
    retry,
    timeout_seconds,
    scheduled_at,
    available_at,
    start_by,
    worker_id,
    started_at,
    deadline,
    finished_at,
    cancel_requested,
    progress,
    message,
    result,
    error,
    created_at,
    updated_at,
  ] = row;
  return {
    id,
    schedule_id,
    origin,
    handler,
    method,
    params: JSON.parse(params),
    status,
    attempt,
    retry: JSON.parse(retry),
    timeout_seconds,
    scheduled_at,
    available_at,
    start_by,
    worker_id,
    started_at,
    deadline,
    finished_at,
    cancel_requested: cancel_requested === 1,
    progress,
    message,
    result: parseOrNull<JsonValue>(result),
    error: parseOrNull<RunError>(error),
    created_at,
    updated_at,
  };
}

/**
 * How a run inserted with `NewRun.claimed` starts: the claim the store granted (the worker is
 * online and the run claimable), with its deadline worked out.
 */
export interface InsertClaim {
  worker_id: string;
  started_at: number;
  deadline: number | null;
}

/** Deadline of an attempt started at `startedAt` (the same rounding as claimRuns' SQL). */
export function deadlineOf(startedAt: number, timeoutSeconds: number | null | undefined): number | null {
  return timeoutSeconds === null || timeoutSeconds === undefined ? null : startedAt + Math.round(timeoutSeconds * 1000);
}

/**
 * The columns a new run is inserted with, in this order; `newRunValues` gives the values as an
 * array. Positional parameters, not named ones: better-sqlite3 binds a named parameter by
 * looking its name up in the object, which made up a fifth of the cost of inserting a run.
 */
export const NEW_RUN_COLUMNS =
  'id, schedule_id, origin, occurrence, handler, method, params, status, attempt, retry, ' +
  'timeout_seconds, scheduled_at, available_at, start_by, worker_id, started_at, deadline, ' +
  'finished_at, error, created_at, updated_at';

export type NewRunTuple = [
  id: string,
  schedule_id: string | null,
  origin: RunOrigin,
  occurrence: 0 | 1,
  handler: string,
  method: string,
  params: string,
  status: RunStatus,
  attempt: number,
  retry: string,
  timeout_seconds: number | null,
  scheduled_at: number,
  available_at: number,
  start_by: number | null,
  worker_id: string | null,
  started_at: number | null,
  deadline: number | null,
  finished_at: number | null,
  error: string | null,
  created_at: number,
  updated_at: number,
];

/** The values of a new run in NEW_RUN_COLUMNS order: queued, or (with `claim`) running. */
export function newRunValues(run: NewRun, claim: InsertClaim | null): NewRunTuple {
  return [
    run.id,
    run.schedule_id ?? null,
    run.origin,
    // Only a scheduled run holds its occurrence key (schedule_id, scheduled_at).
    run.origin === 'scheduled' && run.schedule_id !== null ? 1 : 0,
    run.handler,
    run.method,
    JSON.stringify(run.params),
    claim === null ? run.status : 'running',
    claim === null ? 0 : 1,
    JSON.stringify(run.retry),
    run.timeout_seconds ?? null,
    run.scheduled_at,
    run.available_at,
    run.start_by ?? null,
    claim?.worker_id ?? null,
    claim?.started_at ?? null,
    claim?.deadline ?? null,
    // A `missed` record is finished the moment it is written.
    run.status === 'missed' ? run.created_at : null,
    jsonOrNull(run.error),
    run.created_at,
    // A claim updates the row, as claimRuns would have.
    claim?.started_at ?? run.created_at,
  ];
}

/**
 * The row a freshly inserted run reads back as, built without a round trip. The caller's
 * `params` and `retry` objects are reused, not copied.
 */
export function insertedRun(run: NewRun, claim: InsertClaim | null): RunRow {
  return {
    id: run.id,
    schedule_id: run.schedule_id ?? null,
    origin: run.origin,
    handler: run.handler,
    method: run.method,
    params: run.params,
    status: claim === null ? run.status : 'running',
    attempt: claim === null ? 0 : 1,
    retry: run.retry,
    timeout_seconds: run.timeout_seconds ?? null,
    scheduled_at: run.scheduled_at,
    available_at: run.available_at,
    start_by: run.start_by ?? null,
    worker_id: claim?.worker_id ?? null,
    started_at: claim?.started_at ?? null,
    deadline: claim?.deadline ?? null,
    finished_at: run.status === 'missed' ? run.created_at : null,
    cancel_requested: false,
    progress: null,
    message: null,
    result: null,
    error: run.error ?? null,
    created_at: run.created_at,
    updated_at: claim?.started_at ?? run.created_at,
  };
}

// ---- attempts, workers, tokens -------------------------------------------------------------------

export function toAttempt(r: AttemptRecord): AttemptRow {
  return {
    run_id: r.run_id,
    attempt: r.attempt,
    status: r.status,
    worker_id: r.worker_id,
    started_at: r.started_at,
    finished_at: r.finished_at,
    result: parseOrNull<JsonValue>(r.result),
    error: parseOrNull<RunError>(r.error),
  };
}

export function toWorker(r: WorkerRecord): WorkerRow {
  return {
    id: r.id,
    kind: r.kind,
    handler: r.handler,
    methods: JSON.parse(r.methods),
    concurrency: r.concurrency,
    name: r.name,
    version: r.version,
    status: r.status,
    registered_at: r.registered_at,
    last_seen_at: r.last_seen_at,
    expires_at: r.expires_at,
  };
}

export function toToken(r: TokenRecord): TokenRow {
  return {
    id: r.id,
    name: r.name,
    token_hash: r.token_hash,
    created_at: r.created_at,
    last_used_at: r.last_used_at,
  };
}

/** Sort runs oldest first: by `key` ascending, then id. */
export function byTimeThenId<K extends 'scheduled_at' | 'available_at' | 'deadline'>(key: K) {
  return (a: RunRow, b: RunRow): number => {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    return x !== y ? x - y : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** Compare two strings, for sorts by handler or id. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
