/** The chaos test's checks, as pure functions over what the database and the workers recorded. */

export interface RunFact {
  id: string;
  schedule_id: string;
  scheduled_at: number;
  status: string;
  attempt: number;
  error_type: string | null;
  created_at: number;
}

/** One call of the handler, as the worker saw it. */
export interface Execution {
  run_id: string;
  attempt: number;
  schedule_id: string | null;
  scheduled_at: number;
  worker: string;
  at: number;
}

export interface Gap {
  schedule_id: string;
  /** The occurrence before the gap and the one after it. */
  after: number;
  before: number;
}

/** Occurrences (schedule, scheduled time) recorded more than once. */
export function duplicateOccurrences(runs: readonly RunFact[]): Array<{ schedule_id: string; scheduled_at: number; n: number }> {
  const counts = new Map<string, { schedule_id: string; scheduled_at: number; n: number }>();
  for (const r of runs) {
    const key = `${r.schedule_id}\u0000${r.scheduled_at}`;
    const entry = counts.get(key) ?? { schedule_id: r.schedule_id, scheduled_at: r.scheduled_at, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  return [...counts.values()].filter((c) => c.n > 1);
}

/** Each schedule's occurrences, oldest first. */
export function bySchedule(runs: readonly RunFact[]): Map<string, RunFact[]> {
  const map = new Map<string, RunFact[]>();
  for (const r of runs) {
    const list = map.get(r.schedule_id) ?? [];
    list.push(r);
    map.set(r.schedule_id, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.scheduled_at - b.scheduled_at);
  return map;
}

/** Places where two consecutive recorded occurrences of a schedule are not one period apart. */
export function occurrenceGaps(schedules: Map<string, RunFact[]>, periodMs: number): Gap[] {
  const gaps: Gap[] = [];
  for (const [schedule_id, list] of schedules) {
    for (let i = 1; i < list.length; i++) {
      const after = list[i - 1]!.scheduled_at;
      const before = list[i]!.scheduled_at;
      if (before - after !== periodMs) gaps.push({ schedule_id, after, before });
    }
  }
  return gaps;
}

export interface ExecutionReport {
  /** Runs that ended `succeeded` but that no worker ran in their last attempt. */
  succeededNotExecuted: string[];
  /** The same attempt of a run handed to a worker twice (at-least-once is by attempt, never within one). */
  sameAttemptTwice: Array<{ run_id: string; attempt: number; workers: string[] }>;
  /** Executions whose run, schedule or occurrence time disagree with the database. */
  mismatched: Execution[];
  /** Runs executed more than once (each time under a higher attempt). */
  reExecuted: number;
}

export function checkExecutions(runs: readonly RunFact[], executions: readonly Execution[]): ExecutionReport {
  const byRun = new Map<string, Execution[]>();
  for (const e of executions) {
    const list = byRun.get(e.run_id) ?? [];
    list.push(e);
    byRun.set(e.run_id, list);
  }
  const runsById = new Map(runs.map((r) => [r.id, r]));
  const report: ExecutionReport = { succeededNotExecuted: [], sameAttemptTwice: [], mismatched: [], reExecuted: 0 };
  for (const r of runs) {
    const seen = byRun.get(r.id) ?? [];
    if (r.status === 'succeeded' && !seen.some((e) => e.attempt === r.attempt)) report.succeededNotExecuted.push(r.id);
  }
  for (const [run_id, list] of byRun) {
    const run = runsById.get(run_id);
    for (const e of list) {
      if (!run || e.schedule_id !== run.schedule_id || e.scheduled_at !== run.scheduled_at || e.attempt > run.attempt) report.mismatched.push(e);
    }
    const attempts = new Map<number, string[]>();
    for (const e of list) attempts.set(e.attempt, [...(attempts.get(e.attempt) ?? []), e.worker]);
    for (const [attempt, workers] of attempts) if (workers.length > 1) report.sameAttemptTwice.push({ run_id, attempt, workers });
    if (list.length > 1) report.reExecuted++;
  }
  return report;
}

/** The p-th percentile (0..100) of some numbers; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
