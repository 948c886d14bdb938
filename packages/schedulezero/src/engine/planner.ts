import type { NewRun, RunError, ScheduleRow } from '../domain/types.js';
import type { FirePlan, FirePlanner } from '../store/store.js';
import type { Trigger } from '../triggers/index.js';
import { newId } from '../domain/ids.js';

/**
 * Decides which runs a due schedule produces. Pure apart from ids and jitter, so that it can run
 * inside the store's firing transaction.
 *
 * Two kinds of due occurrences:
 * - live: due while a scheduler was running. Each gets a run, unless the schedule already has
 *   max_instances runs queued or running: then the occurrence is recorded as `missed`
 *   (type `overlap`), so that history shows every occurrence exactly once.
 * - downtime: due before this engine started, by more than the misfire grace. `catch_up`
 *   decides: `skip` runs none, `once` runs one (keyed by the first missed occurrence),
 *   `all` runs the first `catch_up_limit` of them. Catch-up runs are exempt from
 *   max_instances (they are the backlog the user asked for), but count against it for the
 *   live occurrences that follow.
 */
export interface PlannerOptions {
  /** When this engine started: occurrences before it (less the grace) fell due in downtime. */
  startedAt: number;
  now: number;
  compile: (schedule: ScheduleRow) => Trigger;
  /** Most live occurrences one schedule may produce in one pass (a guard for tiny intervals). */
  maxLivePerPass?: number;
  random?: () => number;
  /** A claim for a run an in-process worker can take at once (see Reservations). */
  claim?: (run: NewRun) => NewRun['claimed'];
  onSkipped?: (schedule: ScheduleRow, from: number, to: number) => void;
}

const DEFAULT_MAX_LIVE_PER_PASS = 1000;

export function createPlanner(options: PlannerOptions): FirePlanner {
  const random = options.random ?? Math.random;
  const maxLive = options.maxLivePerPass ?? DEFAULT_MAX_LIVE_PER_PASS;
  const { now } = options;

  return (schedule, activeRuns): FirePlan => {
    const trigger = options.compile(schedule);
    const runs: NewRun[] = [];
    const graceMs = schedule.misfire_grace_seconds === null ? null : schedule.misfire_grace_seconds * 1000;
    const downtimeCut = options.startedAt - (graceMs ?? 0);
    let active = activeRuns;
    let t = schedule.next_run_at;

    const makeRun = (scheduledAt: number, overlap: boolean): NewRun => {
      const jitter = schedule.max_jitter_seconds > 0 ? Math.floor(random() * schedule.max_jitter_seconds * 1000) : 0;
      const error: RunError | null = overlap
        ? { type: 'overlap', message: `skipped: max_instances (${schedule.max_instances}) runs already queued or running` }
        : null;
      const run: NewRun = {
        id: newId(),
        schedule_id: schedule.id,
        origin: 'scheduled',
        handler: schedule.handler,
        method: schedule.method,
        params: schedule.params,
        status: overlap ? 'missed' : 'queued',
        retry: schedule.retry,
        timeout_seconds: schedule.timeout_seconds,
        scheduled_at: scheduledAt,
        available_at: Math.max(scheduledAt, now) + jitter,
        // Grace counts from the due time, or for catch-up runs from when the engine came back.
        start_by: graceMs === null ? null : Math.max(scheduledAt, now) + graceMs,
        error,
        created_at: now,
      };
      const claimed = overlap ? undefined : options.claim?.(run);
      if (claimed) run.claimed = claimed;
      return run;
    };

    // Downtime occurrences.
    if (t !== null && t < downtimeCut) {
      const firstMissed = t;
      if (schedule.catch_up === 'once') {
        runs.push(makeRun(t, false));
        active++;
        t = trigger.next(t);
      } else if (schedule.catch_up === 'all') {
        let n = 0;
        while (t !== null && t < downtimeCut && n < schedule.catch_up_limit) {
          runs.push(makeRun(t, false));
          active++;
          n++;
          t = trigger.next(t);
        }
      }
      if (t !== null && t < downtimeCut) {
        options.onSkipped?.(schedule, t, downtimeCut);
        t = trigger.next(Math.max(firstMissed, downtimeCut - 1));
      }
    }

    // Live occurrences.
    let live = 0;
    while (t !== null && t <= now) {
      if (live >= maxLive) {
        options.onSkipped?.(schedule, t, now);
        t = trigger.next(now);
        break;
      }
      const overlap = active >= schedule.max_instances;
      runs.push(makeRun(t, overlap));
      if (!overlap) active++;
      live++;
      t = trigger.next(t);
    }

    return { runs, next_run_at: t };
  };
}
