import type { TriggerSpec } from '../domain/types.js';

export interface Trigger {
  /** The normalized spec. */
  readonly spec: TriggerSpec;
  /** First occurrence strictly after `after` (epoch ms), within start_time/end_time; null when there is none. */
  next(after: number): number | null;
  /**
   * The initial next_run_at for a schedule created or resumed at `now`: next(now - 1) for cron and
   * interval; for a date trigger its run_date even when it lies in the past (it then fires at once,
   * late). null when none.
   */
  first(now: number): number | null;
  /** A readable description, e.g. "At 02:30 AM, Monday through Friday (Europe/Berlin)". */
  describe(): string;
}
