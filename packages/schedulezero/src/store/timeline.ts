import type { RunTimelineBucket, RunTimelineQuery } from './store.js';

/** A timeline's rows as both stores' GROUP BY returns them: bucket index and aggregates. */
export interface TimelineRow {
  bucket: number;
  total: number;
  succeeded: number;
  failed: number;
  late_avg: number | null;
  late_max: number | null;
}

/** Every bucket of the range in order, the empty ones included (the SQL only returns non-empty ones). */
export function fillTimeline(
  query: RunTimelineQuery,
  rows: TimelineRow[],
): RunTimelineBucket[] {
  const byBucket = new Map(rows.map((r) => [Number(r.bucket), r]));
  const buckets: RunTimelineBucket[] = [];
  const count = Math.ceil((query.until - query.since) / query.bucket_ms);
  for (let i = 0; i < count; i++) {
    const r = byBucket.get(i);
    buckets.push({
      start: query.since + i * query.bucket_ms,
      total: Number(r?.total ?? 0),
      succeeded: Number(r?.succeeded ?? 0),
      failed: Number(r?.failed ?? 0),
      lateness_ms_avg: r?.late_avg == null ? null : Math.max(0, Math.round(Number(r.late_avg))),
      lateness_ms_max: r?.late_max == null ? null : Math.max(0, Number(r.late_max)),
    });
  }
  return buckets;
}

