import type { Logger } from '../domain/logger.js';
import type { HandlerRegistry } from '../handlers/registry.js';

/** One supervised process's state, as the API, the CLI and the portal show it. */
export interface GovernedState {
  handler: string;
  state: 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';
  pid: number | null;
  restarts: number;
  last_exit: { code: number | null; signal: string | null; at: number } | null;
  started_at: number | null;
  next_restart_at: number | null;
  log_file: string;
  command: string[];
}

export interface GovernorOptions {
  logger: Logger;
  /** Given to the processes as SCHEDULEZERO_SERVER. */
  serverUrl: string;
}

export interface Governor {
  states(): GovernedState[];
  state(handler: string): GovernedState | null;
  /** Stop every process gracefully (SIGTERM, then SIGKILL after its grace). */
  stop(): Promise<void>;
}

/** Start supervising the registry's worker handlers that have a `run` section. */
export async function startGovernor(registry: HandlerRegistry, options: GovernorOptions): Promise<Governor> {
  void registry;
  void options;
  return { states: () => [], state: () => null, stop: async () => undefined };
}
