/**
 * Workers: registration, leases, expiry and leaving (their running runs are retried or lost).
 *
 * Expiry and leaving lock the worker row first and its running runs after it, as claims do
 * (worker, then runs): a worker is expired by exactly one node, and a claim for a worker that is
 * being expired either finishes first (and its runs are lost with the worker) or finds it lost.
 */
import type { RunRow, WorkerKind, WorkerRow } from '../../domain/types.js';
import { byRegistrationThenId } from '../order.js';
import type { NewWorker, RetryDecider, WorkerQuery } from '../store.js';
import type { PgDatabase, Queryable } from './database.js';
import { RUN_COLUMNS, json, toRun, toWorker, type RunRecord, type WorkerRecord } from './rows.js';
import { endAttempt } from './runs.js';

export async function registerWorker(db: PgDatabase, worker: NewWorker): Promise<WorkerRow> {
  // Registering a known id again brings that worker back online with the new details.
  const row = await db.one<WorkerRecord>(
    `INSERT INTO workers (
       id, kind, handler, methods, concurrency, name, version, status,
       registered_at, last_seen_at, expires_at
     ) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 'online', $8, $8, $9)
     ON CONFLICT (id) DO UPDATE SET
       kind = excluded.kind, handler = excluded.handler, methods = excluded.methods,
       concurrency = excluded.concurrency, name = excluded.name, version = excluded.version,
       status = 'online', registered_at = excluded.registered_at,
       last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at
     RETURNING *`,
    [
      worker.id,
      worker.kind,
      worker.handler,
      json(worker.methods),
      worker.concurrency,
      worker.name ?? null,
      worker.version ?? null,
      worker.registered_at,
      worker.expires_at,
    ],
  );
  return toWorker(row!);
}

export async function getWorker(db: PgDatabase, id: string): Promise<WorkerRow | null> {
  const row = await db.one<WorkerRecord>('SELECT * FROM workers WHERE id = $1', [id]);
  return row === null ? null : toWorker(row);
}

export async function touchWorker(db: PgDatabase, id: string, now: number, expires_at: number): Promise<WorkerRow | null> {
  const row = await db.one<WorkerRecord>(
    `UPDATE workers SET last_seen_at = $2, expires_at = $3
     WHERE id = $1 AND status = 'online'
     RETURNING *`,
    [id, now, expires_at],
  );
  return row === null ? null : toWorker(row);
}

export async function listWorkers(db: PgDatabase, query: WorkerQuery): Promise<WorkerRow[]> {
  const statuses = query.status !== undefined && query.status.length > 0 ? query.status : null;
  // COLLATE "C": ids in byte order whatever the database's collation, as the SQLite store has them.
  const rows = await db.query<WorkerRecord>(
    `SELECT * FROM workers
     WHERE ($1::text IS NULL OR handler = $1)
       AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
     ORDER BY registered_at, id COLLATE "C"`,
    [query.handler ?? null, statuses],
  );
  return rows.map(toWorker);
}

export async function runningRunIds(db: PgDatabase, worker_id: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM runs WHERE status = 'running' AND worker_id = $1`, [worker_id]);
  return rows.map((r) => r.id);
}

export async function runningCounts(db: PgDatabase, worker_ids: string[] | undefined): Promise<Map<string, number>> {
  // One probe of runs_worker per worker.
  const rows =
    worker_ids === undefined
      ? await db.query<{ id: string; n: number }>(
          `SELECT w.id,
                  (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = w.id) AS n
           FROM workers w
           WHERE w.status = 'online'`,
        )
      : await db.query<{ id: string; n: number }>(
          `SELECT ids.id,
                  (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = ids.id) AS n
           FROM unnest($1::text[]) AS ids (id)`,
          [worker_ids],
        );
  return new Map(rows.map((row) => [row.id, row.n]));
}

export async function expireWorkers(db: PgDatabase, now: number, decide: RetryDecider, force_kind?: WorkerKind): Promise<{ workers: WorkerRow[]; runs: RunRow[] }> {
  return db.tx(async (client) => {
    // SKIP LOCKED: a worker that another node is expiring (or removing, or claiming for) right
    // now is left to it; one still online after that is found by the next pass. Two statements
    // rather than one OR so that the lease check stays a range read of workers_online.
    const lost =
      force_kind === undefined
        ? await db.query<WorkerRecord>(
            `UPDATE workers w SET status = 'lost'
             FROM (
               SELECT id FROM workers
               WHERE status = 'online' AND expires_at <= $1
               FOR UPDATE SKIP LOCKED
             ) due
             WHERE w.id = due.id
             RETURNING w.*`,
            [now],
            client,
          )
        : await db.query<WorkerRecord>(
            `UPDATE workers w SET status = 'lost'
             FROM (
               SELECT id FROM workers
               WHERE status = 'online' AND (expires_at <= $1 OR kind = $2)
               FOR UPDATE SKIP LOCKED
             ) due
             WHERE w.id = due.id
             RETURNING w.*`,
            [now, force_kind],
            client,
          );
    const workers = lost.map(toWorker).sort(byRegistrationThenId);
    const runs: RunRow[] = [];
    for (const worker of workers) runs.push(...(await loseRunsOf(client, db, worker.id, 'worker lost', now, decide)));
    return { workers, runs };
  });
}

export async function expireSilentRuns(db: PgDatabase, before: number, now: number, limit: number, decide: RetryDecider): Promise<RunRow[]> {
  return db.tx(async (client) => {
    // Remote workers only: an in-process worker reports on its runs by living (its lease).
    // SKIP LOCKED: a run being completed or heartbeated right now has just been heard of.
    const silent = await db.query<RunRecord>(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE status = 'running' AND updated_at < $1
         AND worker_id IN (SELECT id FROM workers WHERE kind = 'remote')
       ORDER BY updated_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [before, limit],
      client,
    );
    const ended: RunRow[] = [];
    for (const run of silent.map(toRun)) {
      ended.push(await endAttempt(client, run, { status: 'lost', error: { message: 'no word from its worker about this run (heartbeat or completion) for too long: the worker never got it, or stopped reporting on it', type: 'run_silent' } }, now, decide, true));
    }
    return ended;
  });
}

export async function removeWorker(db: PgDatabase, id: string, now: number, decide: RetryDecider): Promise<{ worker: WorkerRow | null; runs: RunRow[] }> {
  return db.tx(async (client) => {
    // The UPDATE locks the worker row: a node expiring it at the same time waits for this one
    // (or this one waits for it and then finds its runs already ended).
    const worker = await db.one<WorkerRecord>(
      `UPDATE workers SET status = 'left', last_seen_at = $2 WHERE id = $1 RETURNING *`,
      [id, now],
      client,
    );
    if (worker === null) return { worker: null, runs: [] };
    return { worker: toWorker(worker), runs: await loseRunsOf(client, db, id, 'worker left', now, decide) };
  });
}

/** End every running attempt of a worker (its row locked by the caller) `lost`, retried per `decide`. */
async function loseRunsOf(client: Queryable, db: PgDatabase, worker_id: string, message: string, now: number, decide: RetryDecider): Promise<RunRow[]> {
  // FOR UPDATE (not SKIP LOCKED): a completion of one of these runs that holds its row now is
  // waited for, and the run is skipped when it is no longer running after it.
  const running = await db.query<RunRecord>(
    `SELECT ${RUN_COLUMNS} FROM runs
     WHERE status = 'running' AND worker_id = $1
     ORDER BY started_at, id
     FOR UPDATE`,
    [worker_id],
    client,
  );
  const ended: RunRow[] = [];
  for (const run of running.map(toRun)) {
    ended.push(await endAttempt(client, run, { status: 'lost', error: { message, type: 'worker_lost' } }, now, decide, true));
  }
  return ended;
}
