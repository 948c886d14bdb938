import type { Logger } from '../domain/logger.js';
import type { RunRow, WorkerRow } from '../domain/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { EngineEmitter } from './events.js';
import type { LocalWorker } from './local-worker.js';

/** A worker's long poll waiting for work. */
interface Waiter {
  worker: WorkerRow;
  max: number;
  settle(runs: RunRow[]): void;
}

export interface DispatcherDeps {
  store: Store;
  clock: Clock;
  events: EngineEmitter;
  logger: Logger;
}

/**
 * Hands queued runs to whoever can take them: in-process workers at once, remote workers through
 * their waiting long polls. It is woken by the runs it is told about (new, retried) and by a timer
 * for the earliest run that becomes available later (jitter, retry back-off); it never polls the
 * database in a loop.
 */
export class Dispatcher {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly locals = new Map<string, LocalWorker>();
  private readonly pending = new Set<string>();
  private draining = false;
  private availabilityTimer: NodeJS.Timeout | undefined;
  private availabilityAt: number | null = null;
  private slowPoll: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {}

  addLocal(worker: LocalWorker): void {
    this.locals.set(worker.handler, worker);
  }

  removeLocal(handler: string): void {
    this.locals.delete(handler);
  }

  localFor(handler: string): LocalWorker | undefined {
    return this.locals.get(handler);
  }

  localWorkers(): LocalWorker[] {
    return [...this.locals.values()];
  }

  /**
   * A worker's poll: hand out what is available now, else wait up to `waitMs` for work. The
   * store's claim never gives a worker more running jobs than its concurrency.
   */
  async poll(worker: WorkerRow, maxJobs: number, waitMs: number, signal: AbortSignal): Promise<RunRow[]> {
    // A worker that hung up gets nothing: what is claimed for it would never reach it.
    if (this.stopped || signal.aborted) return [];
    const max = Math.min(maxJobs, worker.concurrency);
    const runs = await this.claim(worker, max);
    if (runs.length > 0 || waitMs <= 0) return runs;
    return new Promise<RunRow[]>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        worker,
        max,
        settle: (runs) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.removeWaiter(waiter);
          resolve(runs);
        },
      };
      const onAbort = () => waiter.settle([]);
      timer = setTimeout(() => waiter.settle([]), waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      const list = this.waiters.get(worker.handler) ?? [];
      list.push(waiter);
      this.waiters.set(worker.handler, list);
    });
  }

  /** Runs of these handlers may be available: try to hand them out. */
  notify(handlers: Iterable<string>): void {
    for (const h of handlers) this.pending.add(h);
    if (!this.draining) void this.drain();
  }

  notifyRuns(runs: RunRow[]): void {
    if (runs.length === 0) return;
    const now = this.deps.clock.now();
    const handlers = new Set<string>();
    let later = false;
    for (const run of runs) {
      if (run.status !== 'queued') continue;
      if (run.available_at <= now) handlers.add(run.handler);
      else later = true;
    }
    if (handlers.size > 0) this.notify(handlers);
    if (later) void this.armAvailabilityTimer();
  }

  /** Look up when the next not-yet-available run becomes available and wake up then. */
  async armAvailabilityTimer(): Promise<void> {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    let at: number | null;
    try {
      at = await this.deps.store.nextAvailableAt(now);
    } catch (err) {
      // The database is away: look again shortly (the slow poll covers shared databases too).
      this.deps.logger.warn({ err }, 'could not read when queued runs become available; trying again in a second');
      const retry = setTimeout(() => void this.armAvailabilityTimer(), 1_000);
      retry.unref();
      return;
    }
    if (at === null) return;
    if (this.availabilityAt !== null && this.availabilityAt <= at && this.availabilityAt > now) return;
    clearTimeout(this.availabilityTimer);
    this.availabilityAt = at;
    const fire = () => {
      // Timers may fire a millisecond early; a claim made then would not see the run yet, and
      // the re-arm after it would not find it either (it is no longer in the future).
      const left = at - this.deps.clock.now();
      if (left > 0) {
        this.availabilityTimer = setTimeout(fire, left);
        this.availabilityTimer.unref();
        return;
      }
      this.availabilityAt = null;
      this.notify(this.allHandlers());
      void this.armAvailabilityTimer();
    };
    this.availabilityTimer = setTimeout(fire, Math.max(0, at - now));
    this.availabilityTimer.unref();
  }

  /**
   * On a shared database, other nodes' runs arrive as notifications, which may be lost (or be
   * for runs that became available later): look again for everyone every `intervalMs`.
   */
  startSlowPoll(intervalMs: number): void {
    if (this.stopped || this.slowPoll) return;
    this.slowPoll = setInterval(() => this.notify(this.allHandlers()), intervalMs);
    this.slowPoll.unref();
  }

  /** A worker left or was lost: its waiting polls answer empty and take nothing more. */
  dropWorker(workerId: string): void {
    for (const list of this.waiters.values()) {
      for (const w of [...list]) if (w.worker.id === workerId) w.settle([]);
    }
  }

  /** Stop handing out work: waiting polls return empty at once. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.availabilityTimer);
    clearInterval(this.slowPoll);
    for (const list of this.waiters.values()) for (const w of [...list]) w.settle([]);
  }

  /** Every handler with an in-process worker or a waiting poll here. */
  handlers(): string[] {
    return this.allHandlers();
  }

  private allHandlers(): string[] {
    return [...new Set([...this.waiters.keys(), ...this.locals.keys()])];
  }

  private removeWaiter(waiter: Waiter): void {
    const list = this.waiters.get(waiter.worker.handler);
    if (!list) return;
    const i = list.indexOf(waiter);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.waiters.delete(waiter.worker.handler);
  }

  private async claim(worker: WorkerRow, max: number): Promise<RunRow[]> {
    const runs = await this.deps.store.claimRuns({
      worker_id: worker.id,
      handler: worker.handler,
      methods: worker.methods,
      limit: max,
      now: this.deps.clock.now(),
    });
    if (runs.length > 0) this.deps.events.emit('runs.started', runs);
    return runs;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const [handler] = this.pending;
        this.pending.delete(handler!);
        await this.drainHandler(handler!);
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'dispatching runs failed; retrying on the next wake-up');
    } finally {
      this.draining = false;
    }
  }

  private async drainHandler(handler: string): Promise<void> {
    await this.locals.get(handler)?.fill();
    const list = this.waiters.get(handler);
    if (!list) return;
    for (const waiter of [...list]) {
      const runs = await this.claim(waiter.worker, waiter.max);
      if (runs.length > 0) waiter.settle(runs);
    }
  }
}
