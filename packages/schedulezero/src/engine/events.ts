import { EventEmitter } from 'node:events';
import type { RunRow, ScheduleRow, WorkerRow } from '../domain/types.js';

/**
 * What the engine announces. Metrics, the live dashboard (server-sent events) and tests listen;
 * nothing in the engine depends on a listener being there.
 */
export interface EngineEvents {
  /** Runs created (scheduled, manual, one-off, and `missed` records). */
  'runs.created': [runs: RunRow[]];
  /** Runs handed to a worker. */
  'runs.started': [runs: RunRow[]];
  /** A run reached a terminal state, or went back to queued for a retry. */
  'run.updated': [run: RunRow];
  'schedule.changed': [schedule: ScheduleRow | null, id: string];
  'worker.changed': [worker: WorkerRow];
  /** Occurrences that catch-up or the per-pass guard skipped. */
  'occurrences.skipped': [schedule: ScheduleRow, from: number, to: number];
}

export class EngineEmitter extends EventEmitter<EngineEvents> {}
