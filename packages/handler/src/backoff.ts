/** Exponential back-off with jitter, for retrying requests that failed to connect. */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs = 200,
    private readonly maxMs = 5_000,
    private readonly factor = 2,
  ) {
    this.current = initialMs;
  }

  /** The next delay: between 50% and 100% of the current step, which then grows. */
  next(): number {
    const delay = this.current * (0.5 + Math.random() * 0.5);
    this.current = Math.min(this.maxMs, this.current * this.factor);
    return Math.round(delay);
  }

  reset(): void {
    this.current = this.initialMs;
  }
}

/** Wait `ms`, or less when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** True when `promise` settles within `ms`; false on timeout. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
