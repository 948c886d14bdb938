import type { JsonObject } from './json.js';
import type { LogFields, Logger } from './logger.js';
import type { Job } from './protocol.js';

/** What a method gets besides its params: who it runs for, when to stop, and how to report. */
export interface JobContext {
  readonly run_id: string;
  /** null for one-off runs. */
  readonly schedule_id: string | null;
  readonly method: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The occurrence time (scheduled runs) or when the run was requested. */
  readonly scheduled_at: Date;
  /** When the server times this attempt out (the signal fires then); null: no timeout. */
  readonly deadline: Date | null;
  readonly params: JsonObject;
  /** The worker id this job was handed to. */
  readonly worker_id: string;
  /**
   * Fires when the job should stop: the run was cancelled, the deadline passed, the server gave
   * the run to another worker, or the worker is stopping and its grace period is over.
   * `signal.reason` is a JobAbortedError whose `kind` says which.
   */
  readonly signal: AbortSignal;
  /**
   * Report progress (0 to 100) and/or a short message, shown on the run in the portal and API.
   * Sent with a heartbeat right away (coalesced when called often); never rejects.
   */
  progress(percent?: number | null, message?: string): Promise<void>;
  /**
   * Add a line to the run's log on the server (`message key=value ...`; shown in the portal, the
   * API and `schedulezero runs logs`), and log it through the worker's logger, tagged with the
   * run id. Lines are sent in batches, in the background; a line is never worth failing the job
   * for, so this never throws and never waits.
   */
  log(message: string, fields?: LogFields): void;
}

export interface ContextHooks {
  workerId: string;
  signal: AbortSignal;
  logger: Logger;
  progress(percent: number | null | undefined, message: string | undefined): Promise<void>;
  log(message: string, fields: LogFields | undefined): void;
}

export function createContext(job: Job, hooks: ContextHooks): JobContext {
  const deadline = job.deadline === null ? null : new Date(job.deadline);
  return Object.freeze({
    run_id: job.run_id,
    schedule_id: job.schedule_id,
    method: job.method,
    attempt: job.attempt,
    scheduled_at: new Date(job.scheduled_at),
    deadline: deadline && !Number.isNaN(deadline.getTime()) ? deadline : null,
    params: job.params,
    worker_id: hooks.workerId,
    signal: hooks.signal,
    progress: (percent?: number | null, message?: string) => hooks.progress(percent, message),
    log: (message: string, fields?: LogFields) => hooks.log(message, fields),
  });
}
