/**
 * The domain model shared by the engine, the stores and the API.
 *
 * Times are milliseconds since the Unix epoch (UTC) everywhere inside the server; the API layer
 * converts them to ISO-8601 strings at the edge. Field names are snake_case so that rows, JSON
 * bodies and SQL columns read the same.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Lifecycle of a run: `queued` -> `running` -> one of the terminal states. */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'lost'
  | 'missed';

export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'lost',
  'missed',
];

/** A run in one of these states never changes again. */
export const TERMINAL_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'lost',
  'missed',
];

export function isTerminal(status: RunStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

/** How one attempt of a run ended (or `running` while it runs). */
export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lost';

/** Where a run came from. Only `scheduled` runs hold an occurrence key (schedule_id, scheduled_at). */
export type RunOrigin = 'scheduled' | 'manual' | 'one_off';

export interface RunError {
  message: string;
  type?: string;
  retryable?: boolean;
}

export interface RetryPolicy {
  /** Total attempts including the first; 1 means no retry. */
  max_attempts: number;
  initial_delay_seconds: number;
  backoff_factor: number;
  max_delay_seconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  max_attempts: 1,
  initial_delay_seconds: 1,
  backoff_factor: 2,
  max_delay_seconds: 300,
};

export type CatchUpPolicy = 'skip' | 'once' | 'all';

// ---------------------------------------------------------------------------------------------
// Triggers, as accepted by the API and stored with the schedule (the normalized form).
// ---------------------------------------------------------------------------------------------

/** A time given as ISO-8601 text or a Unix epoch number in seconds (UTC). */
export type TimeInput = string | number;

export interface CronFieldForm {
  year?: string | number;
  month?: string | number;
  day?: string | number;
  week?: string | number;
  day_of_week?: string | number;
  hour?: string | number;
  minute?: string | number;
  second?: string | number;
}

export interface CronTriggerSpec extends CronFieldForm {
  type: 'cron';
  /** A crontab string of 5 or 6 fields (seconds first when 6). Either this or the field form. */
  expression?: string;
  /** IANA time zone the expression is read in; default UTC. */
  timezone?: string;
  start_time?: TimeInput;
  end_time?: TimeInput;
}

export interface IntervalTriggerSpec {
  type: 'interval';
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  /** Anchor of the interval; default: when the schedule is created. */
  start_time?: TimeInput;
  end_time?: TimeInput;
  timezone?: string;
}

export interface DateTriggerSpec {
  type: 'date';
  run_date: TimeInput;
  timezone?: string;
}

export type TriggerSpec = CronTriggerSpec | IntervalTriggerSpec | DateTriggerSpec;

// ---------------------------------------------------------------------------------------------
// Stored rows
// ---------------------------------------------------------------------------------------------

export interface ScheduleRow {
  id: string;
  name: string | null;
  handler: string;
  method: string;
  params: JsonObject;
  trigger: TriggerSpec;
  /** A run not started within this many seconds of its due time is `missed`; null: however late. */
  misfire_grace_seconds: number | null;
  /** What to do with occurrences that fell due while no scheduler was running. */
  catch_up: CatchUpPolicy;
  /** With catch_up `all`: at most this many of the newest missed occurrences are run. */
  catch_up_limit: number;
  /** At most this many runs of the schedule are queued or running at once. */
  max_instances: number;
  max_jitter_seconds: number;
  retry: RetryPolicy;
  timeout_seconds: number | null;
  paused: boolean;
  /** Next occurrence; null when paused or when the trigger has no further occurrence. */
  next_run_at: number | null;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
  /** Bumped on every change; lets writers detect a concurrent edit. */
  version: number;
}

export type NewSchedule = Omit<ScheduleRow, 'version' | 'last_run_at'>;

export interface RunRow {
  id: string;
  schedule_id: string | null;
  origin: RunOrigin;
  handler: string;
  method: string;
  params: JsonObject;
  status: RunStatus;
  /** Number of attempts started so far (0 until first handed out). */
  attempt: number;
  retry: RetryPolicy;
  timeout_seconds: number | null;
  /** The occurrence time (scheduled runs) or the time it was requested (manual, one-off). */
  scheduled_at: number;
  /** Not handed out before this time (jitter, retry back-off). */
  available_at: number;
  /** A first attempt not started by this time becomes `missed`; null: no limit. */
  start_by: number | null;
  /** Worker running the current attempt. */
  worker_id: string | null;
  /** Start of the current (or last) attempt. */
  started_at: number | null;
  /** The current attempt times out at this time. */
  deadline: number | null;
  finished_at: number | null;
  cancel_requested: boolean;
  progress: number | null;
  message: string | null;
  result: JsonValue | null;
  error: RunError | null;
  created_at: number;
  updated_at: number;
}

/** What a caller supplies to create a run; the store fills in the bookkeeping columns. */
export interface NewRun {
  id: string;
  schedule_id: string | null;
  origin: RunOrigin;
  handler: string;
  method: string;
  params: JsonObject;
  /** `queued` normally; `missed` to record an occurrence that will not run (overlap limit). */
  status: 'queued' | 'missed';
  retry: RetryPolicy;
  timeout_seconds: number | null;
  scheduled_at: number;
  available_at: number;
  start_by: number | null;
  error?: RunError | null;
  created_at: number;
  /**
   * Insert the run already handed to a worker, as if it were inserted and then claimed by
   * `worker_id` at `started_at` in the same step: `running`, attempt 1, that worker_id and
   * started_at, deadline = started_at + timeout. Saves the queued stage (and its writes) when
   * the caller has a worker ready for the run, e.g. an in-process worker with a free slot.
   *
   * Only with status `queued` (the run would be queued otherwise); the store throws an Error
   * for any other status. The claim follows the rules of `claimRuns` at `started_at`: when the
   * worker is not online, or the run is not available yet (available_at > started_at) or past
   * its start_by (start_by <= started_at), the run is inserted plain `queued` instead. The
   * returned RunRow says which happened.
   */
  claimed?: { worker_id: string; started_at: number };
}

export interface AttemptRow {
  run_id: string;
  attempt: number;
  status: AttemptStatus;
  worker_id: string | null;
  started_at: number;
  finished_at: number | null;
  result: JsonValue | null;
  error: RunError | null;
}

export type WorkerKind = 'remote' | 'local';
export type WorkerStatus = 'online' | 'left' | 'lost';

export interface WorkerRow {
  id: string;
  kind: WorkerKind;
  handler: string;
  methods: string[];
  concurrency: number;
  name: string | null;
  version: string | null;
  status: WorkerStatus;
  registered_at: number;
  last_seen_at: number;
  /** The lease: unseen past this time, the worker is lost. */
  expires_at: number;
}

export interface TokenRow {
  id: string;
  name: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}
