/**
 * New runs as every store writes them: whether a run inserted with `NewRun.claimed` gets its
 * claim, the values it is inserted with, and the row it reads back as. Each store keeps its own
 * INSERT statement; what goes into it, and what comes back, is decided here once.
 */
import type { JsonValue, NewRun, RunError, RunOrigin, RunRow, RunStatus } from '../domain/types.js';

/**
 * How a run inserted with `NewRun.claimed` starts: the claim the store granted (the worker is
 * online and the run claimable), with its deadline worked out.
 */
export interface InsertClaim {
  worker_id: string;
  started_at: number;
  deadline: number | null;
}

/**
 * Deadline of an attempt started at `startedAt`: the timeout in whole milliseconds, rounded as
 * Math.round rounds. Each store's claimRuns rounds the same way in its SQL.
 */
export function deadlineOf(startedAt: number, timeoutSeconds: number | null | undefined): number | null {
  return timeoutSeconds === null || timeoutSeconds === undefined ? null : startedAt + Math.round(timeoutSeconds * 1000);
}

/** Only a queued run can be inserted claimed. */
export function assertClaimable(run: NewRun): void {
  if (run.claimed !== undefined && run.status !== 'queued') {
    throw new Error(`Run '${run.id}': only a queued run can be inserted claimed (status was '${run.status}').`);
  }
}

/**
 * The claim a run asks for with `claimed`, granted by the rules of claimRuns at started_at
 * (run available, start_by not passed, worker online); null: insert it queued. `isOnline` is
 * asked last, so a store looks a worker up only for a claim the run's times allow.
 */
export function insertClaim(run: NewRun, isOnline: (worker_id: string) => boolean): InsertClaim | null {
  const claimed = run.claimed;
  if (claimed === undefined) return null;
  assertClaimable(run);
  const { worker_id, started_at } = claimed;
  if (run.available_at > started_at) return null;
  if (run.start_by !== null && run.start_by !== undefined && run.start_by <= started_at) return null;
  if (!isOnline(worker_id)) return null;
  return { worker_id, started_at, deadline: deadlineOf(started_at, run.timeout_seconds) };
}

/** JSON text for a nullable column: JS null/undefined is SQL NULL. */
export function jsonOrNull(value: JsonValue | RunError | null | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * The columns a new run is inserted with, in this order; `newRunValues` gives the values as an
 * array. Positional values, not an object: better-sqlite3 binds a named parameter by looking
 * its name up in the object, which made up a fifth of the cost of inserting a run, and
 * PostgreSQL takes each position as one array parameter of a batch.
 */
export const NEW_RUN_COLUMNS =
  'id, schedule_id, origin, occurrence, handler, method, params, status, attempt, retry, ' +
  'timeout_seconds, scheduled_at, available_at, start_by, worker_id, started_at, deadline, ' +
  'finished_at, error, created_at, updated_at';

/** JSON columns are JSON text; `occurrence` is 0/1 (SQLite stores it so, PostgreSQL casts it). */
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
