import type { JsonObject, JsonValue, RunError, RunRow } from '../domain/types.js';
import type { Logger } from '../domain/logger.js';
import type { AttemptEnd, CompleteResult, LogStream, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { newId } from '../domain/ids.js';

/** What an in-process method receives besides its params. */
export interface LocalJobContext {
  run_id: string;
  schedule_id: string | null;
  method: string;
  attempt: number;
  scheduled_at: Date;
  deadline: Date | null;
  /** Aborted when the run is cancelled, times out, or the server shuts down. */
  signal: AbortSignal;
  progress(progress?: number | null, message?: string | null): Promise<void>;
  /** Add a line to the run's log (stored with the run, size-capped, followed live). */
  log(message: string, stream?: LogStream): void;
}


export type LocalMethod = (params: JsonObject, ctx: LocalJobContext) => unknown;

export interface LocalHandlerOptions {
  /** Runs of this handler executed at once in this process. Default 16. */
  concurrency?: number;
}

/**
 * One in-process run being executed. Its AbortController is made only when the handler looks at
 * ctx.signal (most never do, and one per run is measurable at 20,000 runs/s); an abort before
 * that is remembered and applied then.
 */
class Execution {
  timer: NodeJS.Timeout | undefined;
  timedOut = false;
  private controller: AbortController | undefined;
  private reason: Error | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): Error | undefined {
    return this.reason;
  }

  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

export interface LocalWorkerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Records the end of an attempt (the engine's group-committing completer). */
  complete(run_id: string, worker_id: string, end: AttemptEnd): Promise<CompleteResult>;
  /** Called with each finished or retried run. */
  onSettled(run: RunRow): void;
  /** Called with the runs this worker claimed. */
  onStarted(runs: RunRow[]): void;
  /** Stores log lines of a running attempt (see LocalJobContext.log). */
  log?(run_id: string, attempt: number, stream: LogStream, message: string): void;
}

/** An error thrown with `retryable: false` (as the SDKs' NonRetryableError does) is not retried. */
function toError(err: unknown): RunError {
  if (err instanceof Error) {
    const retryable = (err as { retryable?: unknown }).retryable;
    return { message: err.message || err.name, type: err.name, ...(typeof retryable === 'boolean' ? { retryable } : {}) };
  }
  return { message: String(err), type: 'Error' };
}

/** A result must be JSON: anything else (undefined, functions, cycles) is stored as null or text. */
function toJson(value: unknown): JsonValue | null {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return String(value);
  }
}

/**
 * In-process handlers: functions registered inside the server process (for embedding). They
 * get work through the same store claims as remote workers, under a worker row of kind `local`,
 * so history, retries, timeouts and crash recovery behave exactly alike.
 */
export class LocalWorker {
  readonly id = `local-${newId()}`;
  readonly concurrency: number;
  private readonly running = new Map<string, Execution>();
  /** Runs that ended here and whose end is being written. */
  private readonly settling = new Set<string>();
  /** Slots promised to runs being inserted already claimed by this worker (see reserve()). */
  private reserved = 0;
  private filling = false;
  private refill = false;
  private refillScheduled = false;
  private starting: (() => void)[] = [];
  private stopped = false;

  constructor(
    readonly handler: string,
    private readonly methods: Map<string, LocalMethod>,
    options: LocalHandlerOptions,
    private readonly deps: LocalWorkerDeps,
  ) {
    this.concurrency = options.concurrency ?? 16;
  }

  get methodNames(): string[] {
    return [...this.methods.keys()];
  }

  get runningCount(): number {
    return this.running.size;
  }

  has(method: string): boolean {
    return this.methods.has(method);
  }

  /**
   * Promise a slot to a run that is about to be inserted already claimed by this worker (one
   * write instead of insert-then-claim). False when no slot is free. Every reservation is
   * settled by adopt() or release().
   */
  reserve(): boolean {
    if (this.stopped || this.concurrency - this.running.size - this.reserved <= 0) return false;
    this.reserved++;
    return true;
  }

  release(count: number): void {
    this.reserved -= count;
  }

  /**
   * Settle `count` reservations with the inserted runs: those the store really handed to this
   * worker start now (the others were inserted queued and go the usual way).
   */
  adopt(count: number, runs: RunRow[]): void {
    this.reserved -= count;
    const mine = runs.filter((run) => run.status === 'running' && run.worker_id === this.id);
    for (const run of mine) this.execute(run);
    if (mine.length > 0) this.deps.onStarted(mine);
    if (mine.length < count) this.scheduleRefill();
  }

  /** Claim as many runs as there are free slots and start them. */
  async fill(): Promise<RunRow[]> {
    if (this.filling) {
      this.refill = true;
      return [];
    }
    this.filling = true;
    const started: RunRow[] = [];
    try {
      do {
        this.refill = false;
        const free = this.concurrency - this.running.size - this.reserved;
        if (free <= 0 || this.stopped) break;
        const runs = await this.deps.store.claimRuns({
          worker_id: this.id,
          handler: this.handler,
          methods: this.methodNames,
          limit: free,
          now: this.deps.clock.now(),
        });
        for (const run of runs) this.execute(run);
        started.push(...runs);
        if (runs.length === free) this.refill = true;
      } while (this.refill);
    } finally {
      this.filling = false;
    }
    if (started.length > 0) this.deps.onStarted(started);
    return started;
  }

  /**
   * Slots freed during this turn of the event loop are refilled with one claim on the next, not
   * one claim per finished run.
   */
  private scheduleRefill(): void {
    if (this.refillScheduled || this.stopped) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      this.fill().catch((err: unknown) => this.deps.logger.error({ err, handler: this.handler }, 'claiming in-process work failed'));
    });
  }

  /** Abort a run this worker is executing (cancel, timeout noticed elsewhere, shutdown). */
  abort(runId: string, reason: string): boolean {
    const execution = this.running.get(runId);
    if (!execution) return false;
    execution.abort(new Error(reason));
    return true;
  }

  /** Whether this worker is running the run or writing its end. */
  holds(runId: string): boolean {
    return this.running.has(runId) || this.settling.has(runId);
  }

  /** Abort every run this worker is executing (its lease was lost: they run elsewhere now). */
  abortAll(reason: string): void {
    for (const id of this.running.keys()) this.abort(id, reason);
  }

  /** Stop taking work; resolves when running jobs have finished or `graceMs` has passed. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    const deadline = this.deps.clock.now() + graceMs;
    while (this.running.size > 0 && this.deps.clock.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const id of this.running.keys()) this.abort(id, 'server shutting down');
  }

  private execute(run: RunRow): void {
    const fn = this.methods.get(run.method);
    const execution = new Execution();
    const timeoutMessage = `timed out after ${run.timeout_seconds} s`;
    if (run.deadline !== null) {
      execution.timer = setTimeout(() => {
        execution.timedOut = true;
        execution.abort(new Error(timeoutMessage));
      }, Math.max(0, run.deadline - this.deps.clock.now()));
    }
    this.running.set(run.id, execution);

    const store = this.deps.store;
    const workerId = this.id;
    const clock = this.deps.clock;
    const ctx: LocalJobContext = {
      run_id: run.id,
      schedule_id: run.schedule_id,
      method: run.method,
      attempt: run.attempt,
      scheduled_at: new Date(run.scheduled_at),
      deadline: run.deadline === null ? null : new Date(run.deadline),
      get signal() {
        return execution.signal;
      },
      progress: async (progress, message) => {
        await store.heartbeatRun(run.id, workerId, clock.now(), progress ?? null, message ?? null);
      },
      log: (message, stream = 'log') => this.deps.log?.(run.id, run.attempt, stream, message),
    };

    const settle = async (end: AttemptEnd) => {
      clearTimeout(execution.timer);
      this.settling.add(run.id);
      this.running.delete(run.id);
      try {
        // The database may be away (restart, failover): keep the end until it is recorded,
        // or the run stays running under a worker that is alive and keeps its lease.
        let result: CompleteResult | undefined;
        for (let delay = 100; !result; delay = Math.min(delay * 2, 5_000)) {
          try {
            result = await this.deps.complete(run.id, this.id, end);
          } catch (err) {
            if (this.stopped) throw err;
            await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
          }
        }
        // A refusal means the run was cancelled or reaped meanwhile; that outcome stands.
        if (result.ok) this.deps.onSettled(result.run);
      } catch (err) {
        this.deps.logger.error({ err, run_id: run.id }, 'could not record the end of an in-process run');
      } finally {
        this.settling.delete(run.id);
        // Only now: the store counts this worker's running runs against its concurrency, and
        // the run is running there until its completion is written (completions are batched).
        this.scheduleRefill();
      }
    };
    const timedOut = (): AttemptEnd => ({ status: 'timed_out', error: { message: timeoutMessage, type: 'timeout' } });

    this.startSoon(() => {
      Promise.resolve()
        .then(() => {
          // Cancelled or timed out before it began: the store has recorded that already.
          if (execution.aborted) throw execution.aborted;
          if (!fn) throw Object.assign(new Error(`method "${run.method}" is not registered`), { name: 'UnknownMethod' });
          return fn(run.params, ctx);
        })
        .then(
          (value) => settle(execution.timedOut ? timedOut() : { status: 'succeeded', result: toJson(value) }),
          (err: unknown) => settle(execution.timedOut ? timedOut() : { status: 'failed', error: toError(err) }),
        );
    });
  }

  /**
   * Handlers start on the next turn of the event loop, so that a synchronous handler cannot
   * block the claim that started it; all runs claimed in one turn start in one callback.
   */
  private startSoon(start: () => void): void {
    this.starting.push(start);
    if (this.starting.length > 1) return;
    setImmediate(() => {
      const batch = this.starting;
      this.starting = [];
      for (const begin of batch) begin();
    });
  }
}
