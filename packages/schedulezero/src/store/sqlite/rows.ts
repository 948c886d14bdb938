/**
 * Row <-> object mapping for the SQLite store. Columns hold JSON as TEXT, booleans as INTEGER
 * 0/1 and times as INTEGER epoch milliseconds; these helpers, and the values of new runs that
 * both stores insert (../run-rows.ts), are the only places that know.
 */
import type {
  AttemptRow,
  AttemptStatus,
  CatchUpPolicy,
  JsonValue,
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
