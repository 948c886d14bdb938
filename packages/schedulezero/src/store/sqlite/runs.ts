/**
 * Runs and their attempts: insert, read and list runs; claim them, report on them, complete,
 * cancel, time out and miss them.
 *
 * The run row is its latest attempt (see SqliteStore). Each function takes the database first
 * and does its work synchronously; the ones that read, decide and write are transaction bodies,
 * run by SqliteStore in `db.tx(...)`, and call one another inside that transaction.
 */
import { ConflictError } from '../../domain/errors.js';
import type { AttemptRow, NewRun, RunRow } from '../../domain/types.js';
import { byTimeThenId } from '../order.js';
import { NEW_RUN_COLUMNS, insertClaim, insertedRun, jsonOrNull, newRunValues } from '../run-rows.js';
import type {
  AttemptCompletion,
  AttemptEnd,
  CancelResult,
  ClaimRequest,
  CompleteResult,
  HeartbeatResult,
  Page,
  RetryDecider,
  RunQuery,
} from '../store.js';
import { decodeCursor, page, pageLimit, whereEqual } from './cursor.js';
import { type SqliteDatabase, isConstraint } from './database.js';
import { type AttemptRecord, RUN_COLUMNS, type RunTuple, toAttempt, toRun } from './rows.js';

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
export const QUEUED_HANDLERS = /* sql */ `
  WITH RECURSIVE queued_handlers (handler) AS (
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued')
    UNION ALL
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued' AND handler > q.handler)
    FROM queued_handlers q
    WHERE q.handler IS NOT NULL
  )`;

// --- inserting ----------------------------------------------------------------------------------

/** Transaction body. */
export function insertRuns(db: SqliteDatabase, runs: NewRun[]): RunRow[] {
  const inserted: RunRow[] = [];
  const online = new Map<string, boolean>();
  for (const run of runs) {
    const row = insertRun(db, run, online);
    if (row !== null) inserted.push(row);
  }
  return inserted;
}

/**
 * Insert one run, queued or (`run.claimed`, when the claim is granted) running; null when its
 * occurrence exists already. A duplicate id is a conflict. `online` caches, for the current
 * transaction, whether a worker is online.
 */
export function insertRun(db: SqliteDatabase, run: NewRun, online: Map<string, boolean>): RunRow | null {
  const claim = insertClaim(run, (worker_id) => isOnline(db, worker_id, online));
  try {
    const changes = db.sql`
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
 * Whether a worker is online, cached in `online`: the rule of claimRuns, a worker that left or
 * was lost takes nothing.
 */
function isOnline(db: SqliteDatabase, worker_id: string, online: Map<string, boolean>): boolean {
  let found = online.get(worker_id);
  if (found === undefined) {
    found = db.sql`SELECT 1 FROM workers WHERE id = ? AND status = 'online'`.pluck().get(worker_id) !== undefined;
    online.set(worker_id, found);
  }
  return found;
}

// --- reading ------------------------------------------------------------------------------------

export function findRun(db: SqliteDatabase, id: string): RunRow | undefined {
  const row = db.runSql`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`.get(id);
  return row === undefined ? undefined : toRun(row);
}

export function getAttempts(db: SqliteDatabase, run_id: string): AttemptRow[] {
  // The run row is its latest attempt: `attempts` only stores attempts that ended while the
  // run went on (a retry followed). The run's current or last attempt is read from the run
  // row, unless it is stored already: the last attempt of a run cancelled while it waited for
  // a retry, and every attempt written by schema version 1, which stored them all.
  return db.sql<AttemptRecord>`
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

export function listRuns(db: SqliteDatabase, query: RunQuery): Page<RunRow> {
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
  const rows = db.prepareText<RunTuple>(
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

// --- claiming and heartbeats --------------------------------------------------------------------

/** Transaction body. */
export function claimRuns(db: SqliteDatabase, request: ClaimRequest): RunRow[] {
  const claimed = db.runSql`
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

export function nextAvailableAt(db: SqliteDatabase, after: number): number | null {
  // One seek into runs_claim per handler with queued runs (see QUEUED_HANDLERS).
  const at = db.sql<number | null>`
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

/** Transaction body. */
export function heartbeatRun(
  db: SqliteDatabase,
  runId: string,
  workerId: string,
  now: number,
  progress: number | null | undefined,
  message: string | null | undefined,
  attempt: number | undefined,
): HeartbeatResult {
  // The common case in one statement: the owner reports on its running attempt.
  const updated = db.runSql`
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

  const run = findRun(db, runId);
  if (run === undefined) return { ok: false, reason: 'run_not_found', cancel_requested: true };
  if (run.worker_id !== workerId || (attempt !== undefined && attempt !== run.attempt)) {
    return { ok: false, reason: 'not_owner', cancel_requested: true };
  }
  // Cancelled, timed out or lost while the worker still had it: tell the worker to stop.
  return { ok: true, cancel_requested: true, run };
}

// --- completing ---------------------------------------------------------------------------------

/** Transaction body. */
export function completeAttempts(
  db: SqliteDatabase,
  completions: AttemptCompletion[],
  now: number,
  decide: RetryDecider,
): CompleteResult[] {
  return completions.map((c) => completeAttempt(db, c.run_id, c.worker_id, c.end, now, decide, c.attempt));
}

/** Transaction body. */
export function completeAttempt(
  db: SqliteDatabase,
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
    const finished = db.runSql`
      UPDATE runs
      SET status = ?, result = ?, error = ?, finished_at = ?, deadline = NULL, updated_at = ?
      WHERE id = ? AND status = 'running' AND worker_id = ? AND attempt = coalesce(?, attempt)
      RETURNING ${RUN_COLUMNS}
    `.get(end.status, jsonOrNull(end.result), jsonOrNull(end.error), now, now, runId, workerId, attempt ?? null);
    // The run ended with this attempt: the run row is its record, nothing else to write.
    if (finished !== undefined) return { ok: true, run: toRun(finished) };
    // Refused: find out why below.
  }
  const run = findRun(db, runId);
  if (run === undefined) return { ok: false, reason: 'run_not_found', run: null };
  if (run.status !== 'running') return { ok: false, reason: 'not_running', run };
  if (run.worker_id !== workerId || (attempt !== undefined && attempt !== run.attempt)) {
    return { ok: false, reason: 'not_owner', run };
  }
  return { ok: true, run: endAttempt(db, run, end, now, decide, false) };
}

/**
 * End the current attempt of a running run and move the run on: `succeeded` and `cancelled`
 * end it; any other end asks `decide` for a retry time (back to `queued`) or ends it with that
 * status. `stop` sets cancel_requested so that a worker still holding the run stops it.
 */
export function endAttempt(
  db: SqliteDatabase,
  run: RunRow,
  end: AttemptEnd,
  now: number,
  decide: RetryDecider,
  stop: boolean,
): RunRow {
  const result = jsonOrNull(end.result);
  const error = jsonOrNull(end.error);
  const retryAt = end.status === 'succeeded' || end.status === 'cancelled' ? null : decide(run, end);
  if (retryAt !== null) {
    // The run goes on, and its row will describe the next attempt: store this one first.
    db.sql`
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
      db.runSql`
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
    db.runSql`
      UPDATE runs
      SET status = @status, result = @result, error = @error, finished_at = @now,
          deadline = NULL, cancel_requested = max(cancel_requested, @stop), updated_at = @now
      WHERE id = @id
      RETURNING ${RUN_COLUMNS}
    `.get({ id: run.id, status: end.status, result, error, stop: stop ? 1 : 0, now })!,
  );
}

// --- cancelling ---------------------------------------------------------------------------------

/** Transaction body. */
export function cancelRun(db: SqliteDatabase, runId: string, now: number, message: string | undefined): CancelResult {
  const run = findRun(db, runId);
  if (run === undefined) return { ok: false, reason: 'run_not_found', run: null };
  if (run.status !== 'queued' && run.status !== 'running') return { ok: false, reason: 'already_finished', run };
  const error = JSON.stringify({ message: message ?? 'cancelled', type: 'cancelled' });
  return { ok: true, run: cancelActive(db, run, now, error) };
}

/**
 * Cancel a queued or running run. A running one's attempt ends `cancelled` with it, recorded
 * by the run row alone; a run queued for a retry has its last attempt stored already.
 */
export function cancelActive(db: SqliteDatabase, run: RunRow, now: number, error: string): RunRow {
  return toRun(
    db.runSql`
      UPDATE runs
      SET status = 'cancelled', finished_at = @now, error = @error, deadline = NULL,
          cancel_requested = CASE WHEN status = 'running' THEN 1 ELSE cancel_requested END,
          updated_at = @now
      WHERE id = @id
      RETURNING ${RUN_COLUMNS}
    `.get({ id: run.id, now, error })!,
  );
}

// --- timeouts and misses ------------------------------------------------------------------------

/** Transaction body. */
export function timeoutRuns(db: SqliteDatabase, now: number, limit: number, decide: RetryDecider): RunRow[] {
  const overdue = db.runSql`
    SELECT ${RUN_COLUMNS} FROM runs
    WHERE status = 'running' AND deadline <= ?
    ORDER BY deadline
    LIMIT CAST(? AS INTEGER)
  `.all(now, Math.max(0, Math.floor(limit)));
  return overdue.map(toRun).map((run) =>
    endAttempt(
      db,
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

export function missOverdueRuns(db: SqliteDatabase, now: number, limit: number): RunRow[] {
  const missed = db.runSql`
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

export function nextReapAt(db: SqliteDatabase): number | null {
  const deadline = db.sql<number>`
    SELECT deadline FROM runs
    WHERE status = 'running' AND deadline IS NOT NULL
    ORDER BY deadline
    LIMIT 1
  `.pluck().get();
  const startBy = db.sql<number>`
    SELECT start_by FROM runs
    WHERE status = 'queued' AND attempt = 0 AND start_by IS NOT NULL
    ORDER BY start_by
    LIMIT 1
  `.pluck().get();
  if (deadline === undefined) return startBy ?? null;
  if (startBy === undefined) return deadline;
  return Math.min(deadline, startBy);
}
