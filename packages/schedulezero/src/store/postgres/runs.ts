/** Runs: inserting, claiming (FOR UPDATE SKIP LOCKED), heartbeats, completions, cancel, timeouts. */
import type pg from 'pg';
import { ConflictError } from '../../domain/errors.js';
import type { AttemptRow, NewRun, RunRow } from '../../domain/types.js';
import { decodeCursor, page, pageLimit } from '../cursor.js';
import { byTimeThenId } from '../order.js';
import { assertClaimable, insertClaim, insertedRun, newRunValues } from '../run-rows.js';
import type { AttemptCompletion, AttemptEnd, CancelResult, ClaimRequest, CompleteResult, HeartbeatResult, Page, RetryDecider, RunQuery } from '../store.js';
import { isUniqueViolation, type PgDatabase, type Queryable } from './database.js';
import { type AttemptRecord, json, RUN_COLUMNS, type RunRecord, toAttempt, toRun } from './rows.js';

/**
 * The handlers that have queued runs, as a CTE `queued_handlers (handler)` ending in one NULL
 * row: a loose index scan of runs_claim (handler, available_at, id) WHERE status = 'queued', each
 * step seeking the next handler, so that the cost grows with the handlers, not the queued runs.
 */
export const QUEUED_HANDLERS = /* sql */ `
  WITH RECURSIVE queued_handlers (handler) AS (
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued')
    UNION ALL
    SELECT (SELECT min(handler) FROM runs WHERE status = 'queued' AND handler > q.handler)
    FROM queued_handlers q
    WHERE q.handler IS NOT NULL
  )`;

// --- inserting and reading ----------------------------------------------------------------------

export async function insertRuns(db: PgDatabase, runs: NewRun[]): Promise<RunRow[]> {
  if (runs.length === 0) return [];
  return db.tx(async (client) => {
    const online = new Map<string, boolean>();
    const inserted: RunRow[] = [];
    // Bounded statements for big batches; all in one transaction.
    for (let i = 0; i < runs.length; i += INSERT_CHUNK) {
      for (const row of await insertRunsTx(client, runs.slice(i, i + INSERT_CHUNK), online)) {
        if (row !== null) inserted.push(row);
      }
    }
    return inserted;
  });
}

const INSERT_CHUNK = 5000;

export async function findRuns(db: PgDatabase, ids: readonly string[]): Promise<RunRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<RunRecord>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ANY($1::text[])`, [ids]);
  return rows.map(toRun);
}

export async function findRun(db: PgDatabase, id: string): Promise<RunRow | null> {
  return selectRun(db.pool, id, false);
}

/** A run by id; `lock`: FOR UPDATE, inside the caller's transaction. */
async function selectRun(on: Queryable, id: string, lock: boolean): Promise<RunRow | null> {
  const row = await one<RunRecord>(on, `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row === null ? null : toRun(row);
}

export async function getAttempts(db: PgDatabase, run_id: string): Promise<AttemptRow[]> {
  // The run row is its latest attempt: `attempts` only stores attempts that ended while the run
  // went on (a retry followed). The current or last attempt is read from the run row, unless it
  // is stored already (the last attempt of a run cancelled while it waited for a retry).
  const rows = await db.query<AttemptRecord>(
    `SELECT run_id, attempt, status, worker_id, started_at, finished_at, result, error
     FROM attempts
     WHERE run_id = $1
     UNION ALL
     SELECT id, attempt, status, worker_id, started_at,
            -- A running attempt has not ended; the run's error may be the previous attempt's.
            CASE WHEN status = 'running' THEN NULL ELSE finished_at END,
            CASE WHEN status = 'running' THEN NULL ELSE result END,
            CASE WHEN status = 'running' THEN NULL ELSE error END
     FROM runs
     WHERE id = $1 AND attempt > 0 AND started_at IS NOT NULL
       AND status IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost')
       AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = runs.id AND a.attempt = runs.attempt)
     ORDER BY attempt`,
    [run_id],
  );
  return rows.map(toAttempt);
}

export async function listRuns(db: PgDatabase, query: RunQuery): Promise<Page<RunRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.schedule_id !== undefined) where.push(`schedule_id = ${param(query.schedule_id)}`);
  if (query.handler !== undefined) where.push(`handler = ${param(query.handler)}`);
  if (query.method !== undefined) where.push(`method = ${param(query.method)}`);
  // An empty status list means no status filter.
  if (query.status !== undefined && query.status.length > 0) where.push(`status = ANY(${param(query.status)}::text[])`);
  if (query.since !== undefined) where.push(`scheduled_at >= ${param(query.since)}`);
  if (query.until !== undefined) where.push(`scheduled_at < ${param(query.until)}`);
  if (query.cursor !== undefined) {
    const [scheduledAt, id] = decodeCursor(query.cursor);
    where.push(`(scheduled_at, id) < (${param(scheduledAt)}::bigint, ${param(id)}::text)`);
  }
  const limit = pageLimit(query.limit);
  const rows = await db.query<RunRecord>(
    `SELECT ${RUN_COLUMNS} FROM runs
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY scheduled_at DESC, id DESC
     LIMIT ${param(limit + 1)}`,
    params,
  );
  return page(rows.map(toRun), limit, (r) => [r.scheduled_at, r.id]);
}

// --- claiming and heartbeats --------------------------------------------------------------------

export async function claimRuns(db: PgDatabase, request: ClaimRequest): Promise<RunRow[]> {
  const claimed = await db.tx(async (client) => {
    // The worker row, locked until commit, serializes the worker's own claims (and its expiry):
    // the count of its running runs below, read after the lock, includes the runs every earlier
    // claim handed it. A worker that left or was lost (perhaps by another node) takes nothing.
    const worker = await one<{ concurrency: number }>(
      client,
      `SELECT concurrency FROM workers WHERE id = $1 AND status = 'online' FOR UPDATE`,
      [request.worker_id],
    );
    if (worker === null) return [];
    // Runs locked by another node's claim are skipped, never waited for or handed out twice.
    return all<RunRecord>(
      client,
      `WITH picked AS MATERIALIZED (
         SELECT id FROM runs
         WHERE status = 'queued'
           AND handler = $2
           AND available_at <= $3
           AND method = ANY($4::text[])
           AND (start_by IS NULL OR start_by > $3 OR attempt > 0)
         ORDER BY available_at, id
         -- Never more running runs than the worker's concurrency, however many polls it sends.
         LIMIT greatest(0, least($5::int,
           $6::int - (SELECT count(*) FROM runs WHERE worker_id = $1 AND status = 'running')))
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs
       SET status = 'running',
           attempt = attempt + 1,
           worker_id = $1,
           started_at = $3,
           deadline = CASE WHEN timeout_seconds IS NULL THEN NULL
                           ELSE $3 + floor(timeout_seconds * 1000 + 0.5)::bigint END,
           cancel_requested = false,
           progress = NULL,
           message = NULL,
           updated_at = $3
       FROM picked
       WHERE runs.id = picked.id
       RETURNING ${qualified('runs')}`,
      [request.worker_id, request.handler, request.now, request.methods, Math.min(Math.floor(request.limit), worker.concurrency), worker.concurrency],
    );
  });
  // No attempt row: the run row is its running attempt (see getAttempts). RETURNING has no order.
  return claimed.map(toRun).sort(byTimeThenId('available_at'));
}

export async function nextAvailableAt(db: PgDatabase, after: number): Promise<number | null> {
  // One seek into runs_claim per handler with queued runs (see QUEUED_HANDLERS).
  const row = await db.one<{ at: number | null }>(
    `${QUEUED_HANDLERS}
     SELECT min((
       SELECT min(available_at) FROM runs
       WHERE status = 'queued' AND handler = q.handler AND available_at > $1
     )) AS at
     FROM queued_handlers q
     WHERE q.handler IS NOT NULL`,
    [after],
  );
  return row?.at ?? null;
}

export async function heartbeatRun(
  db: PgDatabase,
  run_id: string,
  worker_id: string,
  now: number,
  progress?: number | null,
  message?: string | null,
  attempt?: number,
): Promise<HeartbeatResult> {
  // The common case in one statement: the owner reports on its running attempt.
  const updated = await db.one<RunRecord>(
    `UPDATE runs
     SET progress = CASE WHEN $4::boolean THEN progress ELSE $5::float8 END,
         message = CASE WHEN $6::boolean THEN message ELSE $7::text END,
         updated_at = $8
     WHERE id = $1 AND status = 'running' AND worker_id = $2
       AND ($3::int IS NULL OR attempt = $3::int)
     RETURNING ${RUN_COLUMNS}`,
    [run_id, worker_id, attempt ?? null, progress === undefined, progress ?? null, message === undefined, message ?? null, now],
  );
  if (updated !== null) {
    const run = toRun(updated);
    return { ok: true, cancel_requested: run.cancel_requested, run };
  }
  const run = await findRun(db, run_id);
  if (run === null) return { ok: false, reason: 'run_not_found', cancel_requested: true };
  if (run.worker_id !== worker_id || (attempt !== undefined && attempt !== run.attempt)) {
    return { ok: false, reason: 'not_owner', cancel_requested: true };
  }
  // Cancelled, timed out or lost while the worker still had it: tell the worker to stop.
  return { ok: true, cancel_requested: true, run };
}

// --- completing ---------------------------------------------------------------------------------

export async function completeAttempt(
  db: PgDatabase,
  run_id: string,
  worker_id: string,
  end: AttemptEnd,
  now: number,
  decide: RetryDecider,
  attempt?: number,
): Promise<CompleteResult> {
  if (end.status === 'succeeded' || end.status === 'cancelled') {
    // The common case is one guarded statement, atomic on its own: no transaction to open.
    const finished = await finishOwned(db.pool, run_id, worker_id, end, now, attempt);
    if (finished !== null) return { ok: true, run: finished };
  }
  return db.tx((client) => completeLocked(client, run_id, worker_id, end, now, decide, attempt));
}

export async function completeAttempts(db: PgDatabase, completions: AttemptCompletion[], now: number, decide: RetryDecider): Promise<CompleteResult[]> {
  return db.tx(async (client) => {
    const results: (CompleteResult | null)[] = completions.map(() => null);
    // Succeeded and cancelled ends of runs listed once go in one statement: no other item of the
    // batch touches their runs, so doing them first gives what doing them in order would.
    const listed = new Map<string, number>();
    for (const c of completions) listed.set(c.run_id, (listed.get(c.run_id) ?? 0) + 1);
    const fast = completions.flatMap((c, i) => ((c.end.status === 'succeeded' || c.end.status === 'cancelled') && listed.get(c.run_id) === 1 ? [i] : []));
    if (fast.length > 0) {
      const pick = <T>(f: (c: AttemptCompletion) => T): T[] => fast.map((i) => f(completions[i]!));
      const finished = await all<RunRecord>(
        client,
        `UPDATE runs r
         SET status = c.status, result = c.result::jsonb, error = c.error::jsonb, finished_at = $1,
             deadline = NULL, updated_at = $1
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
              AS c(run_id, worker_id, status, result, error, attempt)
         WHERE r.id = c.run_id AND r.status = 'running' AND r.worker_id = c.worker_id
           AND r.attempt = coalesce(c.attempt, r.attempt)
         RETURNING ${qualified('r')}`,
        [
          now,
          pick((c) => c.run_id),
          pick((c) => c.worker_id),
          pick((c) => c.end.status),
          pick((c) => json(c.end.result)),
          pick((c) => json(c.end.error)),
          pick((c) => c.attempt ?? null),
        ],
      );
      const byId = new Map(finished.map((row) => [row.id, toRun(row)]));
      for (const i of fast) {
        const run = byId.get(completions[i]!.run_id);
        if (run !== undefined) results[i] = { ok: true, run };
      }
    }
    // The rest one by one, in order (refusals are explained by completeLocked).
    for (let i = 0; i < completions.length; i++) {
      if (results[i] !== null) continue;
      const c = completions[i]!;
      results[i] = await completeLocked(client, c.run_id, c.worker_id, c.end, now, decide, c.attempt);
    }
    return results as CompleteResult[];
  });
}

/** A succeeded or cancelled end, when this worker's attempt is running: the run ends with it. */
async function finishOwned(on: Queryable, run_id: string, worker_id: string, end: AttemptEnd, now: number, attempt: number | undefined): Promise<RunRow | null> {
  const row = await one<RunRecord>(
    on,
    `UPDATE runs
     SET status = $1, result = $2::jsonb, error = $3::jsonb, finished_at = $4, deadline = NULL, updated_at = $4
     WHERE id = $5 AND status = 'running' AND worker_id = $6 AND attempt = coalesce($7::int, attempt)
     RETURNING ${RUN_COLUMNS}`,
    [end.status, json(end.result), json(end.error), now, run_id, worker_id, attempt ?? null],
  );
  return row === null ? null : toRun(row);
}

/** Transaction body: lock the run, say why a completion is refused, or end the attempt. */
async function completeLocked(
  client: Queryable,
  run_id: string,
  worker_id: string,
  end: AttemptEnd,
  now: number,
  decide: RetryDecider,
  attempt: number | undefined,
): Promise<CompleteResult> {
  const run = await selectRun(client, run_id, true);
  if (run === null) return { ok: false, reason: 'run_not_found', run: null };
  if (run.status !== 'running') return { ok: false, reason: 'not_running', run };
  if (run.worker_id !== worker_id || (attempt !== undefined && attempt !== run.attempt)) {
    return { ok: false, reason: 'not_owner', run };
  }
  return { ok: true, run: await endAttempt(client, run, end, now, decide, false) };
}

// --- cancelling, timeouts and misses -------------------------------------------------------------

export async function cancelRun(db: PgDatabase, run_id: string, now: number, message?: string): Promise<CancelResult> {
  return db.tx(async (client) => {
    const run = await selectRun(client, run_id, true);
    if (run === null) return { ok: false, reason: 'run_not_found', run: null };
    if (run.status !== 'queued' && run.status !== 'running') return { ok: false, reason: 'already_finished', run };
    return { ok: true, run: await cancelActive(client, run, now, { message: message ?? 'cancelled', type: 'cancelled' }) };
  });
}

export async function timeoutRuns(db: PgDatabase, now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
  return db.tx(async (client) => {
    // A run another node is timing out (or its worker completing) right now is left to it.
    const overdue = await all<RunRecord>(
      client,
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE status = 'running' AND deadline <= $1
       ORDER BY deadline, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [now, Math.max(0, Math.floor(limit))],
    );
    const ended: RunRow[] = [];
    for (const run of overdue.map(toRun)) {
      const end: AttemptEnd = { status: 'timed_out', error: { message: `timed out after ${run.timeout_seconds} s`, type: 'timeout' } };
      ended.push(await endAttempt(client, run, end, now, decide, true));
    }
    return ended;
  });
}

export async function missOverdueRuns(db: PgDatabase, now: number, limit: number): Promise<RunRow[]> {
  // Picked once (MATERIALIZED): an IN (subquery ... LIMIT) may be planned as a subplan run again
  // per row, and then miss more runs than `limit`.
  const missed = await db.query<RunRecord>(
    `WITH picked AS MATERIALIZED (
       SELECT id FROM runs
       WHERE status = 'queued' AND attempt = 0 AND start_by <= $1
       ORDER BY start_by
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE runs
     SET status = 'missed', finished_at = $1, error = $3::jsonb, updated_at = $1
     FROM picked
     WHERE runs.id = picked.id
     RETURNING ${qualified('runs')}`,
    [now, Math.max(0, Math.floor(limit)), json({ message: 'not started before its start-by time', type: 'misfire' })],
  );
  return missed.map(toRun).sort(byTimeThenId('scheduled_at'));
}

export async function nextReapAt(db: PgDatabase): Promise<number | null> {
  // least() skips NULLs; each side is one read of its partial index.
  const row = await db.one<{ at: number | null }>(
    `SELECT least(
       (SELECT deadline FROM runs WHERE status = 'running' AND deadline IS NOT NULL ORDER BY deadline LIMIT 1),
       (SELECT start_by FROM runs WHERE status = 'queued' AND attempt = 0 AND start_by IS NOT NULL ORDER BY start_by LIMIT 1)
     ) AS at`,
  );
  return row?.at ?? null;
}

/** RUN_COLUMNS qualified by a table name (for statements that join runs to something else). */
function qualified(table: string): string {
  return RUN_COLUMNS.split(',')
    .map((c) => `${table}.${c.trim()}`)
    .join(', ');
}

// --- shared with schedules.ts and workers.ts (run inside their transactions) ---------------------

/**
 * Insert one run in the caller's transaction, queued or (`run.claimed`, when the claim is
 * granted by claimRuns' rules) running; null when its occurrence exists already (ON CONFLICT DO
 * NOTHING on runs_occurrence). A duplicate id is a ConflictError('run_exists'). `online` caches
 * whether a worker is online within the transaction.
 */
export async function insertRunTx(client: Queryable, run: NewRun, online: Map<string, boolean>): Promise<RunRow | null> {
  return (await insertRunsTx(client, [run], online))[0] ?? null;
}

/**
 * insertRunTx for many runs in one statement. Returns, in input order, the stored row of each
 * run, or null where the occurrence existed already (or came earlier in the same batch).
 */
export async function insertRunsTx(client: Queryable, runs: NewRun[], online: Map<string, boolean>): Promise<(RunRow | null)[]> {
  if (runs.length === 0) return [];
  for (const run of runs) assertClaimable(run);
  await lockClaimWorkers(client, runs, online);
  const isOnline = (worker_id: string): boolean => online.get(worker_id) === true;
  const claims = runs.map((run) => insertClaim(run, isOnline));

  // One array parameter per column of NEW_RUN_COLUMNS.
  const cols: unknown[][] = Array.from({ length: 21 }, () => []);
  for (let i = 0; i < runs.length; i++) {
    const values = newRunValues(runs[i]!, claims[i]!);
    for (let c = 0; c < values.length; c++) cols[c]!.push(values[c]);
  }

  let inserted: { id: string }[];
  try {
    // One statement for the batch, rows in input order: of two runs of the batch with the same
    // occurrence, the first is inserted and the second skipped, as one-by-one inserts would.
    inserted = (
      await client.query<{ id: string }>(
        `INSERT INTO runs (
           id, schedule_id, origin, occurrence, handler, method, params, status, attempt, retry,
           timeout_seconds, scheduled_at, available_at, start_by, worker_id, started_at, deadline,
           finished_at, error, created_at, updated_at)
         SELECT id, schedule_id, origin, occurrence::boolean, handler, method, params::jsonb, status, attempt, retry::jsonb,
                timeout_seconds, scheduled_at, available_at, start_by, worker_id, started_at, deadline,
                finished_at, error::jsonb, created_at, updated_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::int[], $10::text[], $11::float8[], $12::bigint[], $13::bigint[],
                     $14::bigint[], $15::text[], $16::bigint[], $17::bigint[], $18::bigint[], $19::text[],
                     $20::bigint[], $21::bigint[])
              WITH ORDINALITY AS v(id, schedule_id, origin, occurrence, handler, method, params, status,
                                   attempt, retry, timeout_seconds, scheduled_at, available_at, start_by,
                                   worker_id, started_at, deadline, finished_at, error, created_at,
                                   updated_at, ord)
         ORDER BY ord
         ON CONFLICT (schedule_id, scheduled_at) WHERE occurrence DO NOTHING
         RETURNING id`,
        cols,
      )
    ).rows;
  } catch (error) {
    if (isUniqueViolation(error, 'runs_pkey')) {
      const id = /\(id\)=\((.*)\) already exists/.exec((error as { detail?: string }).detail ?? '')?.[1] ?? runs[0]!.id;
      throw new ConflictError('run_exists', `A run with id '${id}' exists already.`, 'id');
    }
    throw error;
  }
  const stored = new Set(inserted.map((r) => r.id));
  return runs.map((run, i) => (stored.has(run.id) ? insertedRun(run, claims[i]!) : null));
}

/** Cancel a queued or running run (its row locked by the caller); see the SQLite store's cancelActive. */
export async function cancelActive(client: Queryable, run: RunRow, now: number, error: { message: string; type: string }): Promise<RunRow> {
  // A running attempt ends `cancelled` with the run, recorded by the run row alone; a run queued
  // for a retry has its last attempt stored already.
  const row = await one<RunRecord>(
    client,
    `UPDATE runs
     SET status = 'cancelled', finished_at = $2, error = $3::jsonb, deadline = NULL,
         cancel_requested = cancel_requested OR status = 'running',
         updated_at = $2
     WHERE id = $1
     RETURNING ${RUN_COLUMNS}`,
    [run.id, now, json(error)],
  );
  return toRun(row!);
}

/**
 * End the current attempt of a running run (its row locked by the caller) and move the run on:
 * succeeded/cancelled end it; any other end asks `decide` for a retry time (back to queued, the
 * attempt stored in attempts) or ends it. `stop` sets cancel_requested. See the SQLite endAttempt.
 */
export async function endAttempt(client: Queryable, run: RunRow, end: AttemptEnd, now: number, decide: RetryDecider, stop: boolean): Promise<RunRow> {
  const result = json(end.result);
  const error = json(end.error);
  const retryAt = end.status === 'succeeded' || end.status === 'cancelled' ? null : decide(run, end);
  if (retryAt !== null) {
    // The run goes on and its row will describe the next attempt: this one goes to `attempts`.
    const row = await one<RunRecord>(
      client,
      `WITH ended AS (
         INSERT INTO attempts (run_id, attempt, status, worker_id, started_at, finished_at, result, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
       )
       UPDATE runs
       SET status = 'queued', available_at = $9, error = $8::jsonb, result = NULL,
           worker_id = NULL, deadline = NULL,
           cancel_requested = cancel_requested OR $10, updated_at = $6
       WHERE id = $1
       RETURNING ${RUN_COLUMNS}`,
      [run.id, run.attempt, end.status, run.worker_id, run.started_at, now, result, error, retryAt, stop],
    );
    return toRun(row!);
  }
  // Final: the run row records the attempt (worker_id stays for the history).
  const row = await one<RunRecord>(
    client,
    `UPDATE runs
     SET status = $2, result = $3::jsonb, error = $4::jsonb, finished_at = $5,
         deadline = NULL, cancel_requested = cancel_requested OR $6, updated_at = $5
     WHERE id = $1
     RETURNING ${RUN_COLUMNS}`,
    [run.id, end.status, result, error, now, stop],
  );
  return toRun(row!);
}

// --- helpers ------------------------------------------------------------------------------------

async function one<T extends pg.QueryResultRow>(on: Queryable, sql: string, params: unknown[]): Promise<T | null> {
  return (await on.query<T>(sql, params)).rows[0] ?? null;
}

async function all<T extends pg.QueryResultRow>(on: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  return (await on.query<T>(sql, params)).rows;
}

/**
 * Find out, for the workers that runs of a batch ask to be claimed by, whether they are online,
 * and hold them (FOR SHARE, until commit) so that a worker cannot be expired or removed between
 * this check and the commit: its expiry then waits for the claimed runs and ends them too.
 */
async function lockClaimWorkers(client: Queryable, runs: NewRun[], online: Map<string, boolean>): Promise<void> {
  const unknown = [...new Set(runs.flatMap((r) => (r.claimed !== undefined && !online.has(r.claimed.worker_id) ? [r.claimed.worker_id] : [])))];
  if (unknown.length === 0) return;
  const rows = await all<{ id: string }>(
    client,
    `SELECT id FROM workers WHERE id = ANY($1::text[]) AND status = 'online' ORDER BY id FOR SHARE`,
    [unknown],
  );
  const found = new Set(rows.map((r) => r.id));
  for (const id of unknown) online.set(id, found.has(id));
}
