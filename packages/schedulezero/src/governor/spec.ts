import type { HandlerRegistry, RegisteredHandler } from '../handlers/registry.js';
import type { BackoffPolicy } from './backoff.js';

/** What one supervisor needs, with the registry's defaults applied and durations in ms. */
export interface ProcessSpec {
  handler: string;
  /** The argv to execute: a string command of the registry becomes /bin/sh -c. */
  command: string[];
  cwd: string;
  /** Configured variables, added to the governor's own environment. */
  env: Record<string, string>;
  logFile: string;
  maxRestarts: number;
  backoff: BackoffPolicy;
  stableMs: number;
  stopGraceMs: number;
}

export const DEFAULTS = {
  max_restarts: 10,
  backoff_initial_seconds: 1,
  backoff_max_seconds: 60,
  stable_seconds: 30,
  stop_grace_seconds: 10,
} as const;

type GovernedHandler = Extract<RegisteredHandler, { type: 'worker' }> & { run: NonNullable<Extract<RegisteredHandler, { type: 'worker' }>['run']> };

function isGoverned(h: RegisteredHandler): h is GovernedHandler {
  return h.type === 'worker' && h.run !== undefined;
}

const ms = (seconds: number) => Math.round(seconds * 1000);

/** The registry's worker handlers that have a `run` section, as process specs. */
export function governedSpecs(registry: HandlerRegistry): ProcessSpec[] {
  return registry.handlers.filter(isGoverned).map(({ id, run }) => {
    const initial = run.backoff_initial_seconds ?? DEFAULTS.backoff_initial_seconds;
    return {
      handler: id,
      command: typeof run.command === 'string' ? ['/bin/sh', '-c', run.command] : [...run.command],
      cwd: run.cwd,
      env: { ...(run.env ?? {}) },
      logFile: run.log_file,
      maxRestarts: run.max_restarts ?? DEFAULTS.max_restarts,
      // A maximum below the initial delay would make the first wait the longest: the cap wins.
      backoff: { initialMs: ms(initial), maxMs: ms(run.backoff_max_seconds ?? Math.max(initial, DEFAULTS.backoff_max_seconds)) },
      stableMs: ms(run.stable_seconds ?? DEFAULTS.stable_seconds),
      stopGraceMs: ms(run.stop_grace_seconds ?? DEFAULTS.stop_grace_seconds),
    };
  });
}
