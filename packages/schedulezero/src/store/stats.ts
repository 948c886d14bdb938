/**
 * RunStats from what each store's two runStats statements return; both read one snapshot.
 * Percentiles are nearest-rank, picked in SQL so that only the ranked rows come back:
 * rank(p, n) = ceil(p * n / 100) = (p * n + 99) / 100 in integer arithmetic.
 */
import type { RunStatus } from '../domain/types.js';
import { byCodeUnit } from './order.js';
import type { HandlerRunStats, RunStats } from './store.js';

/** How many runs of a handler have a status. */
export interface StatusCountRow {
  handler: string;
  status: RunStatus;
  n: number;
}

/**
 * The duration `ms` of a succeeded or failed run that sits at a p50 or p95 rank: `hr` of `hn`
 * among its handler's durations, `ar` of `an` among all of them (ascending).
 */
export interface RankedDurationRow {
  handler: string;
  ms: number;
  hr: number;
  hn: number;
  ar: number;
  an: number;
}

export function assembleRunStats(counts: StatusCountRow[], ranked: RankedDurationRow[]): RunStats {
  const overall = emptyStats('');
  const handlers = new Map<string, HandlerRunStats>();
  const handlerStats = (handler: string): HandlerRunStats => {
    let stats = handlers.get(handler);
    if (stats === undefined) {
      stats = emptyStats(handler);
      handlers.set(handler, stats);
    }
    return stats;
  };
  for (const { handler, status, n } of counts) {
    for (const stats of [overall, handlerStats(handler)]) {
      stats.counts[status] = (stats.counts[status] ?? 0) + n;
      stats.total += n;
    }
  }
  for (const row of ranked) {
    const stats = handlerStats(row.handler);
    if (row.hr === rank(50, row.hn)) stats.duration_ms_p50 = row.ms;
    if (row.hr === rank(95, row.hn)) stats.duration_ms_p95 = row.ms;
    if (row.ar === rank(50, row.an)) overall.duration_ms_p50 = row.ms;
    if (row.ar === rank(95, row.an)) overall.duration_ms_p95 = row.ms;
  }
  const byHandler = [...handlers.values()].sort((a, b) => byCodeUnit(a.handler, b.handler));
  for (const stats of [overall, ...byHandler]) stats.success_rate = successRate(stats.counts);
  return {
    counts: overall.counts,
    total: overall.total,
    success_rate: overall.success_rate,
    duration_ms_p50: overall.duration_ms_p50,
    duration_ms_p95: overall.duration_ms_p95,
    by_handler: byHandler,
  };
}

function rank(p: number, n: number): number {
  return Math.floor((p * n + 99) / 100);
}

function emptyStats(handler: string): HandlerRunStats {
  return { handler, counts: {}, total: 0, success_rate: null, duration_ms_p50: null, duration_ms_p95: null };
}

function successRate(counts: Partial<Record<RunStatus, number>>): number | null {
  const succeeded = counts.succeeded ?? 0;
  const finished = succeeded + (counts.failed ?? 0) + (counts.timed_out ?? 0) + (counts.lost ?? 0);
  return finished === 0 ? null : succeeded / finished;
}
