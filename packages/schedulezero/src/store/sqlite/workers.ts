/**
 * Workers: register, read, keep alive, count their running runs; expire or remove them, ending
 * their running attempts `lost`.
 *
 * Each function takes the database first and does its work synchronously; the ones that write
 * more than one row are transaction bodies, run by SqliteStore in `db.tx(...)`.
 */
import type { RunRow, WorkerKind, WorkerRow } from '../../domain/types.js';
import { byRegistrationThenId } from '../order.js';
import type { NewWorker, RetryDecider, WorkerQuery } from '../store.js';
import type { SqliteDatabase } from './database.js';
import { RUN_COLUMNS, type WorkerRecord, toRun, toWorker } from './rows.js';
import { endAttempt } from './runs.js';

export function registerWorker(db: SqliteDatabase, worker: NewWorker): WorkerRow {
  // Registering a known id again brings that worker back online with the new details.
  const row = db.sql<WorkerRecord>`
    INSERT INTO workers (
      id, kind, handler, methods, concurrency, name, version, status,
      registered_at, last_seen_at, expires_at
    ) VALUES (
      @id, @kind, @handler, @methods, @concurrency, @name, @version, 'online',
      @registered_at, @registered_at, @expires_at
    )
    ON CONFLICT (id) DO UPDATE SET
      kind = excluded.kind, handler = excluded.handler, methods = excluded.methods,
      concurrency = excluded.concurrency, name = excluded.name, version = excluded.version,
      status = 'online', registered_at = excluded.registered_at,
      last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at
    RETURNING *
  `.get({
    id: worker.id,
    kind: worker.kind,
    handler: worker.handler,
    methods: JSON.stringify(worker.methods),
    concurrency: worker.concurrency,
    name: worker.name ?? null,
    version: worker.version ?? null,
    registered_at: worker.registered_at,
    expires_at: worker.expires_at,
  })!;
  return toWorker(row);
}

export function getWorker(db: SqliteDatabase, id: string): WorkerRow | null {
  const row = db.sql<WorkerRecord>`SELECT * FROM workers WHERE id = ?`.get(id);
  return row === undefined ? null : toWorker(row);
}

export function touchWorker(db: SqliteDatabase, id: string, now: number, expires_at: number): WorkerRow | null {
  const row = db.sql<WorkerRecord>`
    UPDATE workers SET last_seen_at = ?, expires_at = ?
    WHERE id = ? AND status = 'online'
    RETURNING *
  `.get(now, expires_at, id);
  return row === undefined ? null : toWorker(row);
}

export function listWorkers(db: SqliteDatabase, query: WorkerQuery): WorkerRow[] {
  const statuses = query.status !== undefined && query.status.length > 0 ? JSON.stringify(query.status) : null;
  return db.sql<WorkerRecord>`
    SELECT * FROM workers
    WHERE (@handler IS NULL OR handler = @handler)
      AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
    ORDER BY registered_at, id
  `
    .all({ handler: query.handler ?? null, statuses })
    .map(toWorker);
}

export function runningRunIds(db: SqliteDatabase, worker_id: string): string[] {
  return db.sql<string>`SELECT id FROM runs WHERE status = 'running' AND worker_id = ?`.pluck().all(worker_id);
}

export function runningCounts(db: SqliteDatabase, worker_ids: string[] | undefined): Map<string, number> {
  const rows =
    worker_ids === undefined
      ? db.sql<{ id: string; n: number }>`
          SELECT w.id AS id,
                 (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = w.id) AS n
          FROM workers w
          WHERE w.status = 'online'
        `.all()
      : db.sql<{ id: string; n: number }>`
          SELECT ids.value AS id,
                 (SELECT count(*) FROM runs r WHERE r.status = 'running' AND r.worker_id = ids.value) AS n
          FROM json_each(?) ids
        `.all(JSON.stringify(worker_ids));
  return new Map(rows.map((row) => [row.id, row.n]));
}

/** Transaction body. */
export function expireWorkers(
  db: SqliteDatabase,
  now: number,
  decide: RetryDecider,
  forceKind: WorkerKind | undefined,
): { workers: WorkerRow[]; runs: RunRow[] } {
  const lost =
    forceKind === undefined
      ? db.sql<WorkerRecord>`
          UPDATE workers SET status = 'lost'
          WHERE status = 'online' AND expires_at <= ?
          RETURNING *
        `.all(now)
      : db.sql<WorkerRecord>`
          UPDATE workers SET status = 'lost'
          WHERE status = 'online' AND (expires_at <= ? OR kind = ?)
          RETURNING *
        `.all(now, forceKind);
  const runs: RunRow[] = [];
  for (const worker of lost) {
    runs.push(...loseRunsOf(db, worker.id, 'worker lost', now, decide));
  }
  return {
    workers: lost.map(toWorker).sort(byRegistrationThenId),
    runs,
  };
}

/** Transaction body. Remote workers only: an in-process worker reports on its runs by living. */
export function expireSilentRuns(db: SqliteDatabase, before: number, now: number, limit: number, decide: RetryDecider): RunRow[] {
  const silent = db.runSql`
    SELECT ${RUN_COLUMNS} FROM runs
    WHERE status = 'running' AND updated_at < ?
      AND worker_id IN (SELECT id FROM workers WHERE kind = 'remote')
    ORDER BY updated_at
    LIMIT ?
  `.all(before, limit);
  return silent
    .map(toRun)
    .map((run) => endAttempt(db, run, { status: 'lost', error: { message: 'no word from its worker about this run (heartbeat or completion) for too long: the worker never got it, or stopped reporting on it', type: 'run_silent' } }, now, decide, true));
}

/** Transaction body. */
export function removeWorker(
  db: SqliteDatabase,
  id: string,
  now: number,
  decide: RetryDecider,
): { worker: WorkerRow | null; runs: RunRow[] } {
  const worker = db.sql<WorkerRecord>`
    UPDATE workers SET status = 'left', last_seen_at = ? WHERE id = ? RETURNING *
  `.get(now, id);
  if (worker === undefined) return { worker: null, runs: [] };
  return { worker: toWorker(worker), runs: loseRunsOf(db, id, 'worker left', now, decide) };
}

/** End every running attempt of a worker `lost` (retried per `decide`). */
function loseRunsOf(db: SqliteDatabase, workerId: string, message: string, now: number, decide: RetryDecider): RunRow[] {
  const running = db.runSql`
    SELECT ${RUN_COLUMNS} FROM runs
    WHERE status = 'running' AND worker_id = ?
    ORDER BY started_at, id
  `.all(workerId);
  return running
    .map(toRun)
    .map((run) => endAttempt(db, run, { status: 'lost', error: { message, type: 'worker_lost' } }, now, decide, true));
}
