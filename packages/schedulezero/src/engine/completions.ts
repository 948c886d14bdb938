import type { AttemptEnd, CompleteResult, RetryDecider, Store } from '../store/store.js';
import type { Clock } from './clock.js';

interface Pending {
  run_id: string;
  worker_id: string;
  end: AttemptEnd;
  attempt: number | undefined;
  resolve(result: CompleteResult): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 1000;

/**
 * Group commit for attempt completions. Completions that arrive in the same turn of the event
 * loop (many workers reporting at once, or in-process handlers finishing together) are written in
 * one transaction instead of one each; each caller still gets its own result. Under light load a
 * batch is a single completion and costs one setImmediate of latency.
 */
export class CompletionBatcher {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly decide: RetryDecider,
  ) {}

  submit(run_id: string, worker_id: string, end: AttemptEnd, attempt?: number): Promise<CompleteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run_id, worker_id, end, attempt, resolve, reject });
      if (this.queue.length >= MAX_BATCH) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      const results = await this.store.completeAttempts(
        batch.map(({ run_id, worker_id, end, attempt }) => (attempt === undefined ? { run_id, worker_id, end } : { run_id, worker_id, end, attempt })),
        this.clock.now(),
        this.decide,
      );
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
