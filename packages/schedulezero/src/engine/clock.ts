/** The engine's only source of time, so that tests and a database-clock store can replace it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Resolves at `at` (epoch ms) or when `signal` aborts, whichever is first. setTimeout alone
 * wakes up to a millisecond or more late; the last stretch is covered with setImmediate so that
 * due runs start within a millisecond of their time.
 */
export function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    const spin = () => {
      if (signal.aborted) return;
      const left = at - clock.now();
      if (left <= 0) return done();
      // Timers can't be trusted to a millisecond; sleep until just before, then spin.
      if (left > 2) timer = setTimeout(spin, Math.min(left - 2, 2_147_000_000));
      else setImmediate(spin);
    };
    spin();
  });
}
