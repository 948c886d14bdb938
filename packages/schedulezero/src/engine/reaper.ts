import type { Logger } from '../domain/logger.js';
import type { RunRow } from '../domain/types.js';
import type { RetryDecider, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineEmitter } from './events.js';

export interface RetentionPolicy {
  /** Finished runs older than this many days are deleted; null keeps them. */
  days: number | null;
  /** At most this many finished runs are kept per schedule; null: no limit. */
  runs_per_schedule: number | null;
}

export interface ReaperDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  events: EngineEmitter;
  dispatcher: Dispatcher;
  decide: RetryDecider;
  leaseMs: number;
  /** A running run of a remote worker with no heartbeat or completion for this long is lost. */
  silenceMs: number;
  /** After a failed pass (the database away), leases are not judged for this long. */
  holdAfterOutageMs: number;
  intervalMs: number;
  retention: RetentionPolicy;
  pruneIntervalMs: number;
  /** Tell other nodes about runs made claimable again (shared database). */
  announce?(runs: RunRow[]): void;
}

const BATCH = 500;

/**
 * The housekeeper: ends attempts that outlived their deadline, runs that could not start within
 * their misfire grace, and the runs of workers whose lease expired; prunes history. Runs once
 * per interval. (The in-process workers' leases are renewed by LocalLeases, on a timer of their
 * own: a slow housekeeping pass must not let them run out.)
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private running: Promise<void> | null = null;
  /** A pass failed (the database was away): leases are not judged until `holdUntil`. */
  private failed = false;
  private holdUntil = 0;

  constructor(private readonly deps: ReaperDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One housekeeping pass (exposed for tests). Overlapping calls share the pass in progress. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { store, clock, decide, dispatcher, events, logger } = this.deps;
    try {
      const now = clock.now();
      const changed: RunRow[] = [];

      const timedOut = await store.timeoutRuns(now, BATCH, decide);
      for (const run of timedOut) {
        // The in-process worker running it (if any) must stop too.
        if (run.worker_id) dispatcher.localFor(run.handler)?.abort(run.id, 'timed out');
      }
      changed.push(...timedOut);

      changed.push(...(await store.missOverdueRuns(now, BATCH)));

      if (this.failed) {
        // The database is back after an outage no node could renew a lease in: give every live
        // node a lease's time to renew before judging anyone's.
        this.failed = false;
        this.holdUntil = now + this.deps.holdAfterOutageMs;
      }
      const holding = now < this.holdUntil;
      const expired = holding ? { workers: [], runs: [] } : await store.expireWorkers(now, decide);
      for (const worker of expired.workers) {
        dispatcher.dropWorker(worker.id);
        logger.warn({ worker_id: worker.id, handler: worker.handler }, 'worker lost: lease expired');
        events.emit('worker.changed', worker);
      }
      changed.push(...expired.runs);
      // Runs handed out whose worker never reported on them: the answer of the poll that
      // carried them was lost (its node died), or the worker stopped heartbeating them.
      if (!holding) changed.push(...(await store.expireSilentRuns(now - this.deps.silenceMs, now, BATCH, decide)));

      for (const run of changed) events.emit('run.updated', run);
      if (changed.length > 0) {
        dispatcher.notifyRuns(changed);
        this.deps.announce?.(changed);
      }

      if (now - this.lastPrune >= this.deps.pruneIntervalMs) {
        this.lastPrune = now;
        await this.prune(now);
      }
    } catch (err) {
      this.failed = true;
      logger.error({ err }, 'housekeeping pass failed; retrying next interval');
    }
  }

  private async prune(now: number): Promise<void> {
    const { retention } = this.deps;
    const day = 86_400_000;
    const result = await this.deps.store.pruneHistory({
      finished_before: retention.days === null ? null : now - retention.days * day,
      keep_per_schedule: retention.runs_per_schedule,
      workers_before: now - 7 * day,
    });
    if (result.runs > 0 || result.workers > 0) this.deps.logger.info(result, 'history pruned');
  }
}
