/**
 * History and housekeeping: run statistics, counts for the metrics, and pruning old runs (with
 * their attempts and logs) and workers.
 *
 * Each function takes the database first and does its work synchronously; runStats and
 * pruneHistory are transaction bodies, run by SqliteStore in `db.tx(...)`.
 */
import type { RunStatus } from '../../domain/types.js';
import { type RankedDurationRow, type StatusCountRow, assembleRunStats } from '../stats.js';
import type { PruneRequest, RunStats, RunStatsQuery, RunTimelineBucket, RunTimelineQuery } from '../store.js';
import { fillTimeline } from '../timeline.js';
import type { SqliteDatabase } from './database.js';
import { QUEUED_HANDLERS } from './runs.js';

/** Transaction body (a read: both statements see the same snapshot). */
export function runStats(db: SqliteDatabase, query: RunStatsQuery): RunStats {
  const params = {
    since: query.since ?? Number.MIN_SAFE_INTEGER,
    until: query.until ?? Number.MAX_SAFE_INTEGER,
    handler: query.handler ?? null,
    method: query.method ?? null,
  };
  const counts = db.sql<StatusCountRow>`
    SELECT handler, status, count(*) AS n
    FROM runs
    WHERE scheduled_at >= @since AND scheduled_at < @until
      AND (@handler IS NULL OR handler = @handler)
      AND (@method IS NULL OR method = @method)
    GROUP BY handler, status
  `.all(params);

  // Nearest-rank percentiles, computed in SQL so that only the ranked rows come back:
  // rank(p, n) = ceil(p * n / 100) = (p * n + 99) / 100 in integer arithmetic.
  const ranked = db.sql<RankedDurationRow>`
    WITH durations AS (
      SELECT handler, finished_at - started_at AS ms
      FROM runs
      WHERE scheduled_at >= @since AND scheduled_at < @until
        AND (@handler IS NULL OR handler = @handler)
        AND (@method IS NULL OR method = @method)
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
       OR ar = (50 * an + 99) / 100 OR ar = (95 * an + 99) / 100
  `.all(params);

  return assembleRunStats(counts, ranked);
}

/** Charts: one row per non-empty bucket from the runs_list index range, then the gaps filled. */
export function runTimeline(db: SqliteDatabase, query: RunTimelineQuery): RunTimelineBucket[] {
  const rows = db.sql<{ bucket: number; total: number; succeeded: number; failed: number; late_avg: number | null; late_max: number | null }>`
    SELECT CAST((scheduled_at - @since) / @bucket_ms AS INTEGER) AS bucket,
           count(*) AS total,
           sum(status = 'succeeded') AS succeeded,
           sum(status IN ('failed', 'timed_out', 'lost')) AS failed,
           avg(started_at - available_at) AS late_avg,
           max(started_at - available_at) AS late_max
    FROM runs
    WHERE scheduled_at >= @since AND scheduled_at < @until
      AND (@handler IS NULL OR handler = @handler)
    GROUP BY bucket
  `.all({ since: query.since, until: query.until, bucket_ms: query.bucket_ms, handler: query.handler ?? null });
  return fillTimeline(query, rows);
}

export function countRunsByStatus(db: SqliteDatabase, statuses: RunStatus[]): Partial<Record<RunStatus, number>> {
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const status of new Set(statuses)) {
    // queued and running are counted from their partial indexes (the status must be a
    // literal for SQLite to use them); the finished ones need a scan.
    counts[status] =
      status === 'queued'
        ? db.sql<number>`SELECT count(*) FROM runs WHERE status = 'queued'`.pluck().get()!
        : status === 'running'
          ? db.sql<number>`SELECT count(*) FROM runs WHERE status = 'running'`.pluck().get()!
          : db.sql<number>`SELECT count(*) FROM runs WHERE status = ?`.pluck().get(status)!;
  }
  return counts;
}

export function countDueQueued(db: SqliteDatabase, now: number): number {
  // Counts the due range of runs_claim handler by handler (see QUEUED_HANDLERS): runs queued
  // for later (retries, jitter) are not visited.
  return db.sql<number>`
    ${QUEUED_HANDLERS}
    SELECT coalesce(sum((
      SELECT count(*) FROM runs
      WHERE status = 'queued' AND handler = q.handler AND available_at <= @now
    )), 0)
    FROM queued_handlers q
    WHERE q.handler IS NOT NULL
  `.pluck().get({ now })!;
}

/** Transaction body. */
export function pruneHistory(db: SqliteDatabase, request: PruneRequest): { runs: number; workers: number } {
  // Attempts and log lines (run_logs, run_log_state) go with their runs (ON DELETE CASCADE).
  // Queued and running runs are never touched.
  let runs = 0;
  if (request.finished_before !== null) {
    // A run finishes after its scheduled_at, so the candidates come from the scheduled_at
    // index. (A run given a future scheduled_at and cancelled early waits until its
    // scheduled_at is old as well.)
    runs += db.sql`
      DELETE FROM runs
      WHERE scheduled_at < @before AND finished_at < @before
        AND status NOT IN ('queued', 'running')
    `.run({ before: request.finished_before }).changes;
  }
  if (request.keep_per_schedule !== null) {
    runs += db.sql`
      DELETE FROM runs WHERE id IN (
        SELECT id FROM (
          SELECT id, row_number() OVER (
                   PARTITION BY schedule_id ORDER BY scheduled_at DESC, id DESC
                 ) AS newest
          FROM runs
          WHERE schedule_id IS NOT NULL AND status NOT IN ('queued', 'running')
        )
        WHERE newest > ?
      )
    `.run(Math.max(0, Math.floor(request.keep_per_schedule))).changes;
  }
  let workers = 0;
  if (request.workers_before !== null) {
    workers = db.sql`
      DELETE FROM workers WHERE status IN ('left', 'lost') AND last_seen_at < ?
    `.run(request.workers_before).changes;
  }
  return { runs, workers };
}
