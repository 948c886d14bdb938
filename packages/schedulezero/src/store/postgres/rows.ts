/**
 * Rows as PostgreSQL returns them, and the objects the Store speaks. JSONB arrives parsed,
 * BIGINT and NUMERIC as numbers (database.ts), BOOLEAN as booleans; what is left is naming the
 * columns, dropping the internal ones (occurrence), and JSON parameters for writes.
 */
import type { AttemptRow, RunRow, ScheduleRow, TokenRow, WorkerRow } from '../../domain/types.js';

export type ScheduleRecord = ScheduleRow;
export type RunRecord = RunRow & { occurrence?: boolean };
export type AttemptRecord = AttemptRow;
export type WorkerRecord = WorkerRow;
export type TokenRecord = TokenRow;

/** The columns of a run as RunRow has them (no `occurrence`). */
export const RUN_COLUMNS = `id, schedule_id, origin, handler, method, params, status, attempt, retry, timeout_seconds,
  scheduled_at, available_at, start_by, worker_id, started_at, deadline, finished_at, cancel_requested,
  progress, message, result, error, created_at, updated_at`;

export function toSchedule(r: ScheduleRecord): ScheduleRow {
  return {
    id: r.id,
    name: r.name,
    handler: r.handler,
    method: r.method,
    params: r.params,
    trigger: r.trigger,
    misfire_grace_seconds: r.misfire_grace_seconds,
    catch_up: r.catch_up,
    catch_up_limit: r.catch_up_limit,
    max_instances: r.max_instances,
    max_jitter_seconds: r.max_jitter_seconds,
    retry: r.retry,
    timeout_seconds: r.timeout_seconds,
    paused: r.paused,
    next_run_at: r.next_run_at,
    last_run_at: r.last_run_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    version: r.version,
  };
}

export function toRun(r: RunRecord): RunRow {
  return {
    id: r.id,
    schedule_id: r.schedule_id,
    origin: r.origin,
    handler: r.handler,
    method: r.method,
    params: r.params,
    status: r.status,
    attempt: r.attempt,
    retry: r.retry,
    timeout_seconds: r.timeout_seconds,
    scheduled_at: r.scheduled_at,
    available_at: r.available_at,
    start_by: r.start_by,
    worker_id: r.worker_id,
    started_at: r.started_at,
    deadline: r.deadline,
    finished_at: r.finished_at,
    cancel_requested: r.cancel_requested,
    progress: r.progress,
    message: r.message,
    result: r.result ?? null,
    error: r.error ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function toAttempt(r: AttemptRecord): AttemptRow {
  return { run_id: r.run_id, attempt: r.attempt, status: r.status, worker_id: r.worker_id, started_at: r.started_at, finished_at: r.finished_at, result: r.result ?? null, error: r.error ?? null };
}

export function toWorker(r: WorkerRecord): WorkerRow {
  return {
    id: r.id,
    kind: r.kind,
    handler: r.handler,
    methods: r.methods,
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
  return { id: r.id, name: r.name, token_hash: r.token_hash, created_at: r.created_at, last_used_at: r.last_used_at };
}

/**
 * A JSON value as a query parameter for a JSONB column. node-postgres would send a JS array as
 * a PostgreSQL array, and a bare string unquoted: stringify every JSON value, and let the
 * column's type (or a ::jsonb cast) parse it.
 */
export function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
