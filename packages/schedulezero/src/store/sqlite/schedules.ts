/**
 * Schedules: create, read, list, update, delete, and fire the due ones into runs.
 *
 * Each function takes the database first and does its work synchronously; the ones that write
 * more than one row are transaction bodies, run by SqliteStore in `db.tx(...)`.
 */
import { ConflictError } from '../../domain/errors.js';
import type { NewSchedule, RunRow, ScheduleRow } from '../../domain/types.js';
import { byTimeThenId } from '../order.js';
import type { FirePlanner, FireResult, Page, ScheduleQuery } from '../store.js';
import { decodeCursor, page, pageLimit, whereEqual } from './cursor.js';
import { type SqliteDatabase, isConstraint } from './database.js';
import { RUN_COLUMNS, type ScheduleRecord, scheduleParams, toRun, toSchedule } from './rows.js';
import { cancelActive, insertRun } from './runs.js';

/** Transaction body. */
export function insertSchedules(db: SqliteDatabase, schedules: NewSchedule[]): void {
  const insert = db.sql`
    INSERT INTO schedules (
      id, name, handler, method, params, "trigger", misfire_grace_seconds, catch_up,
      catch_up_limit, max_instances, max_jitter_seconds, retry, timeout_seconds, paused,
      next_run_at, last_run_at, created_at, updated_at, version
    ) VALUES (
      @id, @name, @handler, @method, @params, @trigger, @misfire_grace_seconds, @catch_up,
      @catch_up_limit, @max_instances, @max_jitter_seconds, @retry, @timeout_seconds, @paused,
      @next_run_at, NULL, @created_at, @updated_at, 1
    )
  `;
  for (const schedule of schedules) {
    try {
      insert.run(scheduleParams(schedule));
    } catch (error) {
      if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
        throw new ConflictError('schedule_exists', `A schedule with id '${schedule.id}' exists already.`, 'id');
      }
      throw error;
    }
  }
}

export function getSchedule(db: SqliteDatabase, id: string): ScheduleRow | null {
  const row = db.sql<ScheduleRecord>`SELECT * FROM schedules WHERE id = ?`.get(id);
  return row === undefined ? null : toSchedule(row);
}

export function listSchedules(db: SqliteDatabase, query: ScheduleQuery): Page<ScheduleRow> {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: pageLimit(query.limit) + 1 };
  whereEqual(where, params, { handler: query.handler, method: query.method });
  if (query.paused !== undefined) {
    where.push('paused = @paused');
    params.paused = query.paused ? 1 : 0;
  }
  if (query.search !== undefined && query.search !== '') {
    // lower() on both sides: SQLite folds ASCII only, so fold the needle the same way.
    where.push(`(instr(lower(id), lower(@search)) > 0 OR instr(lower(coalesce(name, '')), lower(@search)) > 0)`);
    params.search = query.search;
  }
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor);
    where.push('(created_at, id) > (@after_created_at, @after_id)');
    params.after_created_at = createdAt;
    params.after_id = id;
  }
  // Built from the filters given, so prepared by its text (one statement per filter set).
  const rows = db.prepareText<ScheduleRecord>(`
    SELECT * FROM schedules
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at, id
    LIMIT CAST(@limit AS INTEGER)
  `).all(params);
  return page(rows.map(toSchedule), pageLimit(query.limit), (s) => [s.created_at, s.id]);
}

export function countSchedules(db: SqliteDatabase): number {
  return db.sql<number>`SELECT count(*) FROM schedules`.pluck().get()!;
}

export function updateSchedule(
  db: SqliteDatabase,
  schedule: Omit<ScheduleRow, 'created_at' | 'version' | 'last_run_at'>,
  expected_version: number | undefined,
): ScheduleRow | null {
  const row = db.sql<ScheduleRecord>`
    UPDATE schedules
    SET name = @name, handler = @handler, method = @method, params = @params,
        "trigger" = @trigger, misfire_grace_seconds = @misfire_grace_seconds,
        catch_up = @catch_up, catch_up_limit = @catch_up_limit, max_instances = @max_instances,
        max_jitter_seconds = @max_jitter_seconds, retry = @retry,
        timeout_seconds = @timeout_seconds, paused = @paused, next_run_at = @next_run_at,
        updated_at = @updated_at, version = version + 1
    WHERE id = @id AND (@expected_version IS NULL OR version = @expected_version)
    RETURNING *
  `.get({ ...scheduleParams(schedule), expected_version: expected_version ?? null });
  return row === undefined ? null : toSchedule(row);
}

/** Transaction body. */
export function deleteSchedule(db: SqliteDatabase, id: string, now: number): { deleted: boolean; runs: RunRow[] } {
  const deleted = db.sql`DELETE FROM schedules WHERE id = ?`.run(id).changes > 0;
  if (!deleted) return { deleted: false, runs: [] };

  // History stays, but the occurrence keys go: a new schedule with this id starts clean.
  db.sql`UPDATE runs SET occurrence = 0 WHERE schedule_id = ? AND occurrence = 1`.run(id);

  const active = db.runSql`
    SELECT ${RUN_COLUMNS} FROM runs WHERE schedule_id = ? AND status IN ('queued', 'running')
  `
    .all(id)
    .map(toRun);
  const error = JSON.stringify({ message: 'schedule deleted', type: 'cancelled' });
  const runs = active.map((run) => cancelActive(db, run, now, error));
  return { deleted: true, runs: runs.sort(byTimeThenId('scheduled_at')) };
}

export function nextDueAt(db: SqliteDatabase): number | null {
  const at = db.sql<number>`
    SELECT next_run_at FROM schedules
    WHERE paused = 0 AND next_run_at IS NOT NULL
    ORDER BY next_run_at
    LIMIT 1
  `.pluck().get();
  return at ?? null;
}

/** The unpaused schedules that fire next, soonest first (the dashboard's "next due"); the due index, no scan. */
export function listNextDue(db: SqliteDatabase, limit: number): ScheduleRow[] {
  return db.sql<ScheduleRecord>`
    SELECT * FROM schedules
    WHERE paused = 0 AND next_run_at IS NOT NULL
    ORDER BY next_run_at, id
    LIMIT CAST(? AS INTEGER)
  `.all(limit).map(toSchedule);
}

/** Transaction body. */
export function fireDueSchedules(db: SqliteDatabase, now: number, limit: number, planner: FirePlanner): FireResult {
  const due = db.sql<ScheduleRecord>`
    SELECT * FROM schedules
    WHERE paused = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?
    ORDER BY next_run_at
    LIMIT CAST(? AS INTEGER)
  `.all(now, Math.max(0, Math.floor(limit)));

  const inserted: RunRow[] = [];
  const online = new Map<string, boolean>();
  for (const record of due) {
    const plan = planner(toSchedule(record), countActiveRuns(db, record.id));
    let lastRunAt: number | null = null;
    for (const run of plan.runs) {
      const row = insertRun(db, run, online);
      if (row === null) continue;
      inserted.push(row);
      // Queued or claimed at once: both are runs (a `missed` record is not).
      if (run.status === 'queued' && (lastRunAt === null || run.scheduled_at > lastRunAt)) {
        lastRunAt = run.scheduled_at;
      }
    }
    // Not a user edit: `version` stays.
    db.sql`
      UPDATE schedules
      SET next_run_at = ?, last_run_at = coalesce(?, last_run_at), updated_at = ?
      WHERE id = ?
    `.run(plan.next_run_at, lastRunAt, now, record.id);
  }
  return { schedules: due.length, runs: inserted.sort(byTimeThenId('scheduled_at')) };
}

export function countActiveRuns(db: SqliteDatabase, scheduleId: string): number {
  return db.sql<number>`
    SELECT count(*) FROM runs WHERE schedule_id = ? AND status IN ('queued', 'running')
  `.pluck().get(scheduleId)!;
}
