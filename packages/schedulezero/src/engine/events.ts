import { EventEmitter } from 'node:events';
import type { RunRow, ScheduleRow, WorkerRow } from '../domain/types.js';
import type { RunLogLine } from '../store/store.js';

/**
 * What the engine announces. Metrics, the live dashboard (server-sent events) and tests listen;
 * nothing in the engine depends on a listener being there.
 */
export interface EngineEvents {
  /** Runs created (scheduled, manual, one-off, and `missed` records). */
  'runs.created': [runs: RunRow[], remote?: boolean];
  /**
   * Runs handed to a worker. `remote`: on another node sharing the database (relayed for live
   * views; counted by that node's metrics, not this one's).
   */
  'runs.started': [runs: RunRow[], remote?: boolean];
  /** A run reached a terminal state, or went back to queued for a retry (`remote`: see runs.started). */
  'run.updated': [run: RunRow, remote?: boolean];
  'schedule.changed': [schedule: ScheduleRow | null, id: string];
  'worker.changed': [worker: WorkerRow];
  /**
   * Log lines of a run were stored (in seq order, the truncation marker included). `truncated`:
   * the run's log has reached its cap.
   */
  'run.logs': [run_id: string, lines: RunLogLine[], truncated: boolean, remote?: boolean];
  /** Occurrences that catch-up or the per-pass guard skipped. */
  'occurrences.skipped': [schedule: ScheduleRow, from: number, to: number];
}

export class EngineEmitter extends EventEmitter<EngineEvents> {}
