import { ValidationError } from '../../domain/errors.js';
import type { JsonObject, JsonValue, RunRow, RunStatus } from '../../domain/types.js';
import type { Engine } from '../../engine/engine.js';

/**
 * The original's execution log, read from the run history. One record per run (the original
 * kept one per job call, retries included), its attempt number now real.
 *
 * Status words are the original's: running, retry (failed, another attempt is queued),
 * success, error (failed, timed out, or its handler was lost); and cancelled, which it never had.
 */
const FILTERS: Record<string, RunStatus[]> = {
  success: ['succeeded'],
  error: ['failed', 'timed_out', 'lost'],
  running: ['running'],
  retry: ['queued'],
  cancelled: ['cancelled'],
};
/** Runs that may have run (missed runs never did; queued ones only when retrying). */
const EXECUTED: RunStatus[] = ['running', 'queued', 'succeeded', 'failed', 'timed_out', 'lost', 'cancelled'];
export const ERROR_STATUSES = FILTERS.error!;

export function statusFilter(status: string | undefined): RunStatus[] {
  if (status === undefined || status === '') return EXECUTED;
  const statuses = FILTERS[status];
  if (!statuses) throw new ValidationError(`status must be one of ${Object.keys(FILTERS).join(', ')} (got ${JSON.stringify(status)})`, 'status');
  return statuses;
}

export function originalStatus(run: RunRow): string {
  switch (run.status) {
    case 'succeeded':
      return 'success';
    case 'queued':
      return 'retry';
    case 'running':
    case 'cancelled':
      return run.status;
    default:
      return 'error';
  }
}

/**
 * What the original's handlers replied: `{success: true, ...result}` (a result that is not an
 * object is wrapped as `result`, as the original's handler base did).
 */
export function originalResult(result: JsonValue | null): JsonObject {
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) return { success: true, ...result };
  return result === null ? { success: true } : { success: true, result };
}

/** "key=value, ..." of the first five params, as the original summarised them. */
function paramsSummary(params: JsonObject): string | null {
  const entries = Object.entries(params);
  if (entries.length === 0) return null;
  const parts = entries.slice(0, 5).map(([key, value]) => {
    let text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text.length > 50) text = `${text.slice(0, 47)}...`;
    return `${key}=${text}`;
  });
  return parts.join(', ') + (entries.length > 5 ? ` (+${entries.length - 5} more)` : '');
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function executionRecord(run: RunRow) {
  const finished = run.finished_at !== null && run.status !== 'queued' && run.status !== 'running';
  // A run waiting for its retry shows how its last attempt ended.
  const ended = finished || run.status === 'queued';
  return {
    job_id: run.schedule_id ?? run.id,
    run_id: run.id,
    handler_id: run.handler,
    method_name: run.method,
    started_at: iso(run.started_at),
    completed_at: finished ? iso(run.finished_at) : null,
    duration_ms: finished && run.started_at !== null && run.finished_at !== null ? run.finished_at - run.started_at : null,
    status: originalStatus(run),
    result: run.status === 'succeeded' ? originalResult(run.result) : null,
    error: ended ? (run.error?.message ?? null) : null,
    attempt_number: run.attempt,
    max_attempts: run.retry.max_attempts,
    params_summary: paramsSummary(run.params),
  };
}

export type ExecutionRecord = ReturnType<typeof executionRecord>;

export interface ExecutionQuery {
  handler?: string;
  job_id?: string;
  statuses: RunStatus[];
  limit: number;
}

/** Newest first; runs that never started (attempt 0) are not executions. */
export async function listExecutions(engine: Engine, query: ExecutionQuery): Promise<RunRow[]> {
  const found: RunRow[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50 && found.length < query.limit; pages++) {
    const page = await engine.listRuns({
      handler: query.handler,
      schedule_id: query.job_id,
      status: query.statuses,
      limit: Math.min(500, Math.max(50, query.limit - found.length)),
      cursor,
    });
    for (const run of page.items) if (run.attempt > 0 && found.length < query.limit) found.push(run);
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
  }
  // A one-off run has no schedule: its job id is its run id.
  if (query.job_id !== undefined && found.length < query.limit) {
    const run = await engine.store.getRun(query.job_id);
    if (run && run.schedule_id === null && run.attempt > 0 && query.statuses.includes(run.status) && (query.handler === undefined || run.handler === query.handler)) {
      found.push(run);
    }
  }
  return found;
}

/** The original's statistics, over the whole stored history (it had the last 1000 records). */
export async function executionStats(engine: Engine) {
  const stats = await engine.runStats({});
  const count = (counts: Partial<Record<RunStatus, number>>, statuses: RunStatus[]) => statuses.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const success = count(stats.counts, ['succeeded']);
  const error = count(stats.counts, ERROR_STATUSES);
  const total = success + error + count(stats.counts, ['running']);
  const by_handler: Record<string, { total: number; success: number; error: number }> = {};
  for (const h of stats.by_handler) {
    const s = count(h.counts, ['succeeded']);
    const e = count(h.counts, ERROR_STATUSES);
    const t = s + e + count(h.counts, ['running']);
    if (t > 0) by_handler[h.handler] = { total: t, success: s, error: e };
  }
  // The mean duration of the latest 1000 finished runs: the original's window, and one read.
  const recent = await engine.listRuns({ status: ['succeeded', ...ERROR_STATUSES], limit: 1000 });
  const durations = recent.items.filter((r) => r.started_at !== null && r.finished_at !== null).map((r) => r.finished_at! - r.started_at!);
  return {
    total_executions: total,
    lifetime_executions: total,
    success_count: success,
    error_count: error,
    success_rate: total > 0 ? (success / total) * 100 : 0,
    avg_duration_ms: durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
    by_handler,
  };
}

/** Delete every finished run (with its attempts); queued and running runs stay. */
export async function clearExecutions(engine: Engine): Promise<number> {
  const { runs } = await engine.store.pruneHistory({ finished_before: Date.now() + 1, keep_per_schedule: null, workers_before: null });
  return runs;
}
