/** Schedules: CRUD, listing, and firing due schedules (one transaction per pass, SKIP LOCKED). */
import { ConflictError } from '../../domain/errors.js';
import type { NewRun, NewSchedule, RunRow, ScheduleRow } from '../../domain/types.js';
import { decodeCursor, page, pageLimit } from '../cursor.js';
import { byTimeThenId } from '../order.js';
import type { FirePlanner, FireResult, Page, ScheduleQuery } from '../store.js';
import { isUniqueViolation, type PgDatabase } from './database.js';
import { RUN_COLUMNS, type RunRecord, type ScheduleRecord, toRun, toSchedule } from './rows.js';
import { cancelActive, insertRunsTx } from './runs.js';

/** Schedules per INSERT statement of createSchedules (big imports stay in one transaction). */
const INSERT_CHUNK = 5000;

export async function insertSchedules(db: PgDatabase, schedules: NewSchedule[]): Promise<void> {
  if (schedules.length === 0) return;
  await db.tx(async (client) => {
    for (let i = 0; i < schedules.length; i += INSERT_CHUNK) {
      const chunk = schedules.slice(i, i + INSERT_CHUNK);
      const column = <T>(pick: (s: NewSchedule) => T): T[] => chunk.map(pick);
      try {
        await client.query(
          `INSERT INTO schedules (
             id, name, handler, method, params, "trigger", misfire_grace_seconds, catch_up,
             catch_up_limit, max_instances, max_jitter_seconds, retry, timeout_seconds, paused,
             next_run_at, last_run_at, created_at, updated_at, version)
           SELECT id, name, handler, method, params::jsonb, "trigger"::jsonb, misfire_grace_seconds, catch_up,
                  catch_up_limit, max_instances, max_jitter_seconds, retry::jsonb, timeout_seconds, paused,
                  next_run_at, NULL, created_at, updated_at, 1
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                       $8::text[], $9::int[], $10::int[], $11::float8[], $12::text[], $13::float8[],
                       $14::boolean[], $15::bigint[], $16::bigint[], $17::bigint[])
                AS v(id, name, handler, method, params, "trigger", misfire_grace_seconds, catch_up,
                     catch_up_limit, max_instances, max_jitter_seconds, retry, timeout_seconds, paused,
                     next_run_at, created_at, updated_at)`,
          [
            column((s) => s.id),
            column((s) => s.name ?? null),
            column((s) => s.handler),
            column((s) => s.method),
            column((s) => JSON.stringify(s.params)),
            column((s) => JSON.stringify(s.trigger)),
            column((s) => s.misfire_grace_seconds ?? null),
            column((s) => s.catch_up),
            column((s) => s.catch_up_limit),
            column((s) => s.max_instances),
            column((s) => s.max_jitter_seconds),
            column((s) => JSON.stringify(s.retry)),
            column((s) => s.timeout_seconds ?? null),
            column((s) => s.paused),
            column((s) => s.next_run_at ?? null),
            column((s) => s.created_at),
            column((s) => s.updated_at),
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error, 'schedules_pkey')) {
          const id = /\(id\)=\((.*)\) already exists/.exec((error as { detail?: string }).detail ?? '')?.[1] ?? chunk[0]!.id;
          throw new ConflictError('schedule_exists', `A schedule with id '${id}' exists already.`, 'id');
        }
        throw error;
      }
    }
  });
}

export async function getSchedule(db: PgDatabase, id: string): Promise<ScheduleRow | null> {
  const row = await db.one<ScheduleRecord>('SELECT * FROM schedules WHERE id = $1', [id]);
  return row === null ? null : toSchedule(row);
}

export async function listSchedules(db: PgDatabase, query: ScheduleQuery): Promise<Page<ScheduleRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.handler !== undefined) where.push(`handler = ${param(query.handler)}`);
  if (query.method !== undefined) where.push(`method = ${param(query.method)}`);
  if (query.paused !== undefined) where.push(`paused = ${param(query.paused)}`);
  if (query.search !== undefined && query.search !== '') {
    // strpos, not LIKE: the needle is plain text, its % and _ are not wildcards.
    const needle = param(query.search);
    where.push(`(strpos(lower(id), lower(${needle}::text)) > 0 OR strpos(lower(coalesce(name, '')), lower(${needle}::text)) > 0)`);
  }
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor);
    where.push(`(created_at, id) > (${param(createdAt)}::bigint, ${param(id)}::text)`);
  }
  const limit = pageLimit(query.limit);
  const rows = await db.query<ScheduleRecord>(
    `SELECT * FROM schedules
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at, id
     LIMIT ${param(limit + 1)}`,
    params,
  );
  return page(rows.map(toSchedule), limit, (s) => [s.created_at, s.id]);
}

export async function countSchedules(db: PgDatabase): Promise<number> {
  return (await db.one<{ n: number }>('SELECT count(*) AS n FROM schedules'))!.n;
}

export async function updateSchedule(
  db: PgDatabase,
  schedule: Omit<ScheduleRow, 'created_at' | 'version' | 'last_run_at'>,
  expected_version?: number,
): Promise<ScheduleRow | null> {
  const s = schedule;
  const row = await db.one<ScheduleRecord>(
    `UPDATE schedules
     SET name = $2, handler = $3, method = $4, params = $5::jsonb, "trigger" = $6::jsonb,
         misfire_grace_seconds = $7, catch_up = $8, catch_up_limit = $9, max_instances = $10,
         max_jitter_seconds = $11, retry = $12::jsonb, timeout_seconds = $13, paused = $14,
         next_run_at = $15, updated_at = $16, version = version + 1
     WHERE id = $1 AND ($17::int IS NULL OR version = $17::int)
     RETURNING *`,
    [
      s.id,
      s.name ?? null,
      s.handler,
      s.method,
      JSON.stringify(s.params),
      JSON.stringify(s.trigger),
      s.misfire_grace_seconds ?? null,
      s.catch_up,
      s.catch_up_limit,
      s.max_instances,
      s.max_jitter_seconds,
      JSON.stringify(s.retry),
      s.timeout_seconds ?? null,
      s.paused,
      s.next_run_at ?? null,
      s.updated_at,
      expected_version ?? null,
    ],
  );
  return row === null ? null : toSchedule(row);
}

export async function deleteSchedule(db: PgDatabase, id: string, now: number): Promise<{ deleted: boolean; runs: RunRow[] }> {
  return db.tx(async (client) => {
    // Waits for a firing pass that holds the schedule: the runs it inserts are cancelled below.
    const deleted = (await client.query('DELETE FROM schedules WHERE id = $1', [id])).rowCount! > 0;
    if (!deleted) return { deleted: false, runs: [] };

    // History stays, but the occurrence keys go: a new schedule with this id starts clean.
    await client.query('UPDATE runs SET occurrence = false WHERE schedule_id = $1 AND occurrence', [id]);

    // Locked, so that a claim in progress finishes first: the run is then cancelled as running.
    const active = (
      await client.query<RunRecord>(
        `SELECT ${RUN_COLUMNS} FROM runs
         WHERE schedule_id = $1 AND status IN ('queued', 'running')
         ORDER BY id
         FOR UPDATE`,
        [id],
      )
    ).rows.map(toRun);
    const runs: RunRow[] = [];
    for (const run of active) runs.push(await cancelActive(client, run, now, { message: 'schedule deleted', type: 'cancelled' }));
    return { deleted: true, runs: runs.sort(byTimeThenId('scheduled_at')) };
  });
}

export async function nextDueAt(db: PgDatabase): Promise<number | null> {
  const row = await db.one<{ next_run_at: number }>(
    `SELECT next_run_at FROM schedules
     WHERE NOT paused AND next_run_at IS NOT NULL
     ORDER BY next_run_at
     LIMIT 1`,
  );
  return row?.next_run_at ?? null;
}

/** The unpaused schedules that fire next, soonest first (the dashboard's "next due"). */
export async function listNextDue(db: PgDatabase, limit: number): Promise<ScheduleRow[]> {
  const rows = await db.query<ScheduleRecord>(
    `SELECT * FROM schedules
     WHERE NOT paused AND next_run_at IS NOT NULL
     ORDER BY next_run_at, id
     LIMIT $1`,
    [Math.max(0, Math.floor(limit))],
  );
  return rows.map(toSchedule);
}

export async function fireDueSchedules(db: PgDatabase, now: number, limit: number, planner: FirePlanner): Promise<FireResult> {
  return db.tx(async (client) => {
    // Schedules another node is firing right now are skipped, not waited for: each due schedule
    // is handled by one node per pass. The occurrence key catches what gets past this (a node
    // whose pass starts after another's commit sees the moved next_run_at, or plans the same
    // occurrence, which ON CONFLICT skips).
    const due = (
      await client.query<ScheduleRecord>(
        `SELECT * FROM schedules
         WHERE NOT paused AND next_run_at IS NOT NULL AND next_run_at <= $1
         ORDER BY next_run_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED`,
        [now, Math.max(0, Math.floor(limit))],
      )
    ).rows.map(toSchedule);
    if (due.length === 0) return { schedules: 0, runs: [] };

    // Active runs of every due schedule in one read. The planners insert runs of their own
    // schedule only, so counting before any insert gives each planner what counting just
    // before its call would.
    const counts = new Map(
      (
        await client.query<{ schedule_id: string; n: number }>(
          `SELECT schedule_id, count(*) AS n FROM runs
           WHERE schedule_id = ANY($1::text[]) AND status IN ('queued', 'running')
           GROUP BY schedule_id`,
          [due.map((s) => s.id)],
        )
      ).rows.map((r) => [r.schedule_id, r.n]),
    );

    const planned: NewRun[] = [];
    const owner: number[] = [];
    const next: (number | null)[] = [];
    due.forEach((schedule, i) => {
      const plan = planner(schedule, counts.get(schedule.id) ?? 0);
      for (const run of plan.runs) {
        planned.push(run);
        owner.push(i);
      }
      next.push(plan.next_run_at);
    });

    const rows = await insertRunsTx(client, planned, new Map());
    const inserted: RunRow[] = [];
    const lastRunAt: (number | null)[] = due.map(() => null);
    rows.forEach((row, k) => {
      if (row === null) return;
      inserted.push(row);
      const run = planned[k]!;
      const i = owner[k]!;
      // Queued or claimed at once: both are runs (a `missed` record is not).
      if (run.status === 'queued' && (lastRunAt[i] === null || run.scheduled_at > lastRunAt[i]!)) lastRunAt[i] = run.scheduled_at;
    });

    // Not a user edit: `version` stays.
    await client.query(
      `UPDATE schedules s
       SET next_run_at = u.next_run_at, last_run_at = coalesce(u.last_run_at, s.last_run_at), updated_at = $1
       FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS u(id, next_run_at, last_run_at)
       WHERE s.id = u.id`,
      [now, due.map((s) => s.id), next, lastRunAt],
    );
    return { schedules: due.length, runs: inserted.sort(byTimeThenId('scheduled_at')) };
  });
}

export async function countActiveRuns(db: PgDatabase, scheduleId: string): Promise<number> {
  const row = await db.one<{ n: number }>(
    `SELECT count(*) AS n FROM runs WHERE schedule_id = $1 AND status IN ('queued', 'running')`,
    [scheduleId],
  );
  return row!.n;
}
