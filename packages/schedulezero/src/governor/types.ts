import type { Logger } from '../domain/logger.js';

export type GovernedStatus = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';

/** One supervised process's state, as the API, the CLI and the portal show it. Times are epoch ms. */
export interface GovernedState {
  handler: string;
  /**
   * starting: launched, not yet confirmed; running; backoff: crashed, waiting to restart;
   * stopping: asked to stop; stopped; failed: crashed too often in a row and given up.
   */
  state: GovernedStatus;
  pid: number | null;
  /** Restarts after a crash since the governor started (all of them, not only the current row). */
  restarts: number;
  last_exit: { code: number | null; signal: string | null; at: number } | null;
  started_at: number | null;
  next_restart_at: number | null;
  log_file: string;
  command: string[];
  /** When the current state began. */
  since: number;
  /** Crashes in a row; reset once a process stays up for stable_seconds. */
  consecutive_crashes: number;
  /** Restarts allowed in a row: the crash after that many gives up. */
  max_restarts: number;
  /** Why the last start failed (e.g. the program does not exist), or null. */
  last_error: string | null;
}

export interface GovernorOptions {
  logger: Logger;
  /** Given to the processes as SCHEDULEZERO_SERVER. */
  serverUrl: string;
  /** Called with a snapshot after every state change (the standalone CLI prints them). */
  onChange?: (state: GovernedState) => void;
}

export interface Governor {
  states(): GovernedState[];
  state(handler: string): GovernedState | null;
  /** Stop every process gracefully (SIGTERM, then SIGKILL after its grace). */
  stop(): Promise<void>;
}
