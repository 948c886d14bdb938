/** How long a crashed process waits before its next start. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Jitter takes up to this share off a delay, so that processes crashing together spread out. */
const JITTER = 0.1;

/**
 * The wait before restart number `crashes` of a row (1 for the first crash): the initial delay
 * doubled per crash, capped at the maximum, minus up to 10 % jitter. Taking the jitter off (not
 * adding it) keeps the cap a true maximum, and the waits still grow strictly until the cap, since
 * 0.9 × 2d > d.
 */
export function restartDelayMs(crashes: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.max(1, Math.floor(crashes));
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (step - 1));
  return Math.round(base * (1 - JITTER * random()));
}
