import type { RetryPolicy } from '../domain/types.js';
import type { AttemptEnd, RetryDecider } from '../store/store.js';

/**
 * Delay before attempt `failedAttempt + 1`: initial * factor^(failedAttempt - 1), capped.
 * Deterministic on purpose: users (and tests) can predict when a retry happens; spreading
 * load is what the schedule's max_jitter_seconds is for.
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const seconds = policy.initial_delay_seconds * policy.backoff_factor ** exponent;
  return Math.round(Math.min(seconds, policy.max_delay_seconds) * 1000);
}

/** Whether an ended attempt may be retried at all, regardless of the attempts left. */
function retryableEnd(end: AttemptEnd): boolean {
  if (end.status === 'succeeded' || end.status === 'cancelled') return false;
  // A handler that says "this will never work" (bad params, say) is not retried.
  return end.error?.retryable !== false;
}

/** The retry decision the engine hands to the store, evaluated inside its transaction. */
export function retryDecider(now: () => number): RetryDecider {
  return (run, end) => {
    if (!retryableEnd(end)) return null;
    if (run.attempt >= run.retry.max_attempts) return null;
    return now() + backoffDelayMs(run.retry, run.attempt);
  };
}
