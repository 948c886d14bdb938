/**
 * History and housekeeping: run statistics, the timeline, counts for the metrics, and pruning old
 * runs (their attempts and logs go with them by ON DELETE CASCADE) and workers.
 */
import type { RunStatus } from '../../domain/types.js';
import { assembleRunStats, type RankedDurationRow, type StatusCountRow } from '../stats.js';
import { fillTimeline } from '../timeline.js';
import type { PruneRequest, RunStats, RunStatsQuery, RunTimelineBucket, RunTimelineQuery } from '../store.js';
import type { PgDatabase } from './database.js';
import { QUEUED_HANDLERS } from './runs.js';

/** Rows deleted per statement when pruning: short transactions, short row locks. */
const PRUNE_BATCH = 1000;
/** Schedules whose cut-off is handed to one keep-per-schedule DELETE. */
const PRUNE_SCHEDULES = 500;

export async function runStats(db: PgDatabase, query: RunStatsQuery): Promise<RunStats> {
  const params = [query.since ?? Number.MIN_SAFE_INTEGER, query.until ?? Number.MAX_SAFE_INTEGER, query.handler ?? null, query.method ?? null];
  // REPEATABLE READ: both statements read one snapshot (a read-only transaction never fails to serialize).
  const { counts, ranked } = await db.tx(async (client) => {
    const counts = await db.query<StatusCountRow>(
      `SELECT handler, status, count(*) AS n
       FROM runs
       WHERE scheduled_at >= $1 AND scheduled_at < $2
         AND ($3::text IS NULL OR handler = $3)
         AND ($4::text IS NULL OR method = $4)
       GROUP BY handler, status`,
      params,
      client,
    );
    // Nearest-rank percentiles in integer arithmetic, exactly as the SQLite store computes them
    // (percentile_disc would compare floating-point fractions): rank(p, n) = ceil(p * n / 100)
    // = (p * n + 99) / 100. Only the ranked rows come back.
    const ranked = await db.query<RankedDurationRow>(
      `WITH durations AS (
         SELECT handler, finished_at - started_at AS ms
         FROM runs
         WHERE scheduled_at >= $1 AND scheduled_at < $2
           AND ($3::text IS NULL OR handler = $3)
           AND ($4::text IS NULL OR method = $4)
           AND status IN ('succeeded', 'failed')
           AND started_at IS NOT NULL AND finished_at IS NOT NULL
       ),
       ranked AS (
         SELECT handler, ms,
                row_number() OVER (PARTITION BY handler ORDER BY ms) AS hr,
                count(*) OVER (PARTITION BY handler) AS hn,
                row_number() OVER (ORDER BY ms) AS ar,
                count(*) OVER () AS an
         FROM durations
       )
       SELECT handler, ms, hr, hn, ar, an FROM ranked
       WHERE hr = (50 * hn + 99) / 100 OR hr = (95 * hn + 99) / 100
          OR ar = (50 * an + 99) / 100 OR ar = (95 * an + 99) / 100`,
      params,
      client,
    );
    return { counts, ranked };
  }, 'REPEATABLE READ');

  return assembleRunStats(counts, ranked);
}

/** Charts: one row per non-empty bucket from a runs_list range, then the gaps filled. */
export async function runTimeline(db: PgDatabase, query: RunTimelineQuery): Promise<RunTimelineBucket[]> {
  // The range bounds stay BIGINT so that runs_list is used (scheduled_at is whole milliseconds:
  // >= ceil(since) and < ceil(until) select the same runs as the bounds themselves); the bucket
  // number is computed in float8 so that any bucket_ms works.
  const rows = await db.query<{ bucket: number; total: number; succeeded: number; failed: number; late_avg: number | null; late_max: number | null }>(
    `SELECT floor((scheduled_at - $3::float8) / $4::float8)::bigint AS bucket,
            count(*) AS total,
            count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
            count(*) FILTER (WHERE status IN ('failed', 'timed_out', 'lost')) AS failed,
            avg(started_at - available_at) AS late_avg,
            max(started_at - available_at) AS late_max
     FROM runs
     WHERE scheduled_at >= $1 AND scheduled_at < $2
       AND ($5::text IS NULL OR handler = $5)
     GROUP BY bucket`,
    [Math.ceil(query.since), Math.ceil(query.until), query.since, query.bucket_ms, query.handler ?? null],
  );
  return fillTimeline(query, rows);
}

export async function countRunsByStatus(db: PgDatabase, statuses: RunStatus[]): Promise<Partial<Record<RunStatus, number>>> {
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const status of new Set(statuses)) {
    // queued and running are counted from their partial indexes (a literal status matches the
    // index predicate in any plan); the finished ones need a scan.
    const row =
      status === 'queued'
        ? await db.one<{ n: number }>(`SELECT count(*) AS n FROM runs WHERE status = 'queued'`)
        : status === 'running'
          ? await db.one<{ n: number }>(`SELECT count(*) AS n FROM runs WHERE status = 'running'`)
          : await db.one<{ n: number }>('SELECT count(*) AS n FROM runs WHERE status = $1', [status]);
    counts[status] = row!.n;
  }
  return counts;
}

export async function countDueQueued(db: PgDatabase, now: number): Promise<number> {
  // Counts the due range of runs_claim handler by handler (see QUEUED_HANDLERS): runs queued
  // for later (retries, jitter) are not visited.
  const row = await db.one<{ n: number }>(
    `${QUEUED_HANDLERS}
     SELECT coalesce(sum((
       SELECT count(*) FROM runs
       WHERE status = 'queued' AND handler = q.handler AND available_at <= $1
     )), 0) AS n
     FROM queued_handlers q
     WHERE q.handler IS NOT NULL`,
    [now],
  );
  return row!.n;
}

/**
 * Pruning is housekeeping that any node may run at any time, so it works in batches of short
 * transactions rather than one long one: each batch locks its rows with SKIP LOCKED (two nodes
 * pruning at once share the work; a row some other transaction holds is left for the next
 * pass). Queued and running runs are never touched.
 */
export async function pruneHistory(db: PgDatabase, request: PruneRequest): Promise<{ runs: number; workers: number }> {
  let runs = 0;
  if (request.finished_before !== null) {
    // A run finishes after its scheduled_at, so the candidates come from the scheduled_at
    // index. (A run given a future scheduled_at and cancelled early waits until its
    // scheduled_at is old as well.)
    for (;;) {
      const deleted = await deleteRuns(
        db,
        `SELECT id FROM runs
         WHERE scheduled_at < $1 AND finished_at < $1
           AND status NOT IN ('queued', 'running')
         LIMIT $2
         FOR UPDATE SKIP LOCKED`,
        [request.finished_before, PRUNE_BATCH],
      );
      runs += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
  }
  if (request.keep_per_schedule !== null) {
    // Ranking the finished runs once gives each schedule's cut-off: its newest run beyond the
    // ones kept. Everything finished at or below the cut-off goes, read from runs_schedule
    // batch by batch (re-ranking the whole history for every batch would not scale).
    const keep = Math.max(0, Math.floor(request.keep_per_schedule));
    const cutoffs = await db.query<{ schedule_id: string; scheduled_at: number; id: string }>(
      `SELECT schedule_id, scheduled_at, id FROM (
         SELECT schedule_id, scheduled_at, id,
                row_number() OVER (PARTITION BY schedule_id ORDER BY scheduled_at DESC, id DESC) AS newest
         FROM runs
         WHERE schedule_id IS NOT NULL AND status NOT IN ('queued', 'running')
       ) ranked
       WHERE newest = $1 + 1`,
      [keep],
    );
    for (let i = 0; i < cutoffs.length; i += PRUNE_SCHEDULES) {
      const chunk = cutoffs.slice(i, i + PRUNE_SCHEDULES);
      const params = [chunk.map((c) => c.schedule_id), chunk.map((c) => c.scheduled_at), chunk.map((c) => c.id), PRUNE_BATCH];
      for (;;) {
        const deleted = await deleteRuns(
          db,
          `SELECT r.id
           FROM unnest($1::text[], $2::bigint[], $3::text[]) AS c (schedule_id, scheduled_at, id)
           JOIN runs r ON r.schedule_id = c.schedule_id AND (r.scheduled_at, r.id) <= (c.scheduled_at, c.id)
           WHERE r.status NOT IN ('queued', 'running')
           LIMIT $4
           FOR UPDATE OF r SKIP LOCKED`,
          params,
        );
        runs += deleted;
        if (deleted < PRUNE_BATCH) break;
      }
    }
  }
  let workers = 0;
  if (request.workers_before !== null) {
    // Few rows, and no other transaction holds a worker that left or was lost for long.
    workers = (
      await db.query<{ id: string }>(`DELETE FROM workers WHERE status IN ('left', 'lost') AND last_seen_at < $1 RETURNING id`, [request.workers_before])
    ).length;
  }
  return { runs, workers };
}

/**
 * Delete the runs that `select` (a locking SELECT of ids with a LIMIT) picks; returns how many
 * went. MATERIALIZED: the pick runs once (as `id IN (subquery)` the planner may run it again
 * and take more than the LIMIT).
 */
async function deleteRuns(db: PgDatabase, select: string, params: unknown[]): Promise<number> {
  const row = await db.one<{ n: number }>(
    `WITH picked AS MATERIALIZED (${select}),
     gone AS (
       DELETE FROM runs r USING picked WHERE r.id = picked.id RETURNING 1
     )
     SELECT count(*) AS n FROM gone`,
    params,
  );
  return row!.n;
}
