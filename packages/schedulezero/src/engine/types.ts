import { DEFAULT_RETRY, type CatchUpPolicy, type RetryPolicy, type RunError, type RunRow, type WorkerRow } from '../domain/types.js';
import type { AppError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { RunCreate } from '../schemas/run.js';
import type { ScheduleCreate, SchedulePatch } from '../schemas/schedule.js';
import type { WorkerRegister } from '../schemas/worker.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { RetentionPolicy } from './reaper.js';
import type { HandlerCatalog } from '../handlers/catalog.js';

/** The engine's options, inputs and views: what its callers (API, CLI, embedders) exchange with it. */

export interface ScheduleDefaults {
  misfire_grace_seconds: number | null;
  catch_up: CatchUpPolicy;
  catch_up_limit: number;
  max_instances: number;
  max_jitter_seconds: number;
  retry: RetryPolicy;
  timeout_seconds: number | null;
}

export const DEFAULT_SCHEDULE_SETTINGS: ScheduleDefaults = {
  misfire_grace_seconds: null,
  catch_up: 'once',
  catch_up_limit: 100,
  max_instances: 1,
  max_jitter_seconds: 0,
  retry: DEFAULT_RETRY,
  timeout_seconds: null,
};

export interface EngineOptions {
  store: Store;
  logger?: Logger;
  /** This node's clock. On a database that nodes share it is corrected to the database's clock. */
  clock?: Clock;
  /** false: use `clock` as it is, even on a shared database (tests). Default true. */
  databaseClock?: boolean;
  /** Workers poll or heartbeat at least this often. Default 10. */
  heartbeatSeconds?: number;
  /** A worker unseen this long is lost. Default 30. */
  leaseSeconds?: number;
  /**
   * The lease of this node's in-process workers, renewed every housekeeping pass. On a shared
   * (PostgreSQL) database it is short, so other nodes take over the runs of a node that died
   * within seconds. Default 3 on a shared database, else leaseSeconds.
   */
  localLeaseSeconds?: number;
  /** Schedules fired per transaction. Default 500. */
  fireBatchSize?: number;
  /** Housekeeping interval. Default 1000 ms. */
  reapIntervalMs?: number;
  retention?: RetentionPolicy;
  defaults?: Partial<ScheduleDefaults>;
  /** Handlers' methods: parameter schemas checked at schedule time, default timeout and retry. */
  catalog?: HandlerCatalog;
}

/**
 * What the engine accepts is what the API validates: the types come from the same schemas
 * (src/schemas), so a field added there is a field here.
 */
export type ScheduleInput = ScheduleCreate;
export type SchedulePatchInput = SchedulePatch;
export type OneOffRunInput = RunCreate;
export type RegisterWorkerInput = WorkerRegister;

export interface WorkerView extends WorkerRow {
  running: number;
}

export interface HandlerView {
  handler: string;
  status: 'online' | 'offline';
  methods: string[];
  running: number;
  last_seen_at: number | null;
  workers: WorkerView[];
}

export type CompleteOutcome = { run: RunRow; retry_at: number | null };

/** What a worker reports at the end of an attempt. */
export interface CompletionReport {
  status: 'succeeded' | 'failed';
  result?: unknown;
  error?: RunError;
  /** The attempt being reported; a report on an attempt the run has left behind is refused. */
  attempt?: number;
}

/** One entry of completeMany: the outcome, or the error the single form would have thrown. */
export type CompleteManyResult = { run_id: string; outcome: CompleteOutcome } | { run_id: string; error: AppError };
