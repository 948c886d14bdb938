import type { Logger } from '../domain/logger.js';
import type { RunRow } from '../domain/types.js';
import type { RetryDecider, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import type { LocalWorker } from './local-worker.js';

export interface LocalLeasesDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  dispatcher: Dispatcher;
  leaseMs: number;
  decide: RetryDecider;
  /** An in-process worker found no longer online (another node expired it): register it again. */
  reattach(local: LocalWorker): Promise<void>;
  /** Runs ended here because their worker did not hold them (see the orphan check). */
  ended(runs: RunRow[]): void;
}


/**
 * Keeps this node's in-process workers' leases fresh: renewed three times per lease, on a timer
 * of their own, so that a slow housekeeping pass or a slow database answer does not let a live
 * node's lease run out. A node that dies stops renewing, and the others take its runs over when
 * the lease ends.
 */
export class LocalLeases {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private lastOrphanCheck = 0;
  /** Runs seen running for a worker that does not hold them, at the last check. */
  private suspects = new Set<string>();

  constructor(private readonly deps: LocalLeasesDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.deps.leaseMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One renewal of every in-process worker (overlapping calls share the one in progress). */
  renew(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { store, clock, dispatcher, logger } = this.deps;
    for (const local of dispatcher.localWorkers()) {
      try {
        const now = clock.now();
        const alive = await store.touchWorker(local.id, now, now + this.deps.leaseMs);
        if (alive === null) await this.deps.reattach(local);
      } catch (err) {
        logger.warn({ err, worker_id: local.id }, 'could not renew an in-process worker lease; trying again shortly');
      }
    }
    // The database's view of each in-process worker's runs against the worker's, once a lease.
    if (clock.now() - this.lastOrphanCheck >= Math.max(1_000, this.deps.leaseMs)) {
      this.lastOrphanCheck = clock.now();
      await this.endOrphans().catch((err: unknown) => logger.warn({ err }, 'could not check the in-process runs; trying again shortly'));
    }
  }

  /**
   * A claim whose answer was lost (the connection died during its COMMIT) leaves a run running,
   * in the database, under an in-process worker that never got it; its lease is renewed, so no
   * one would ever end it. A run seen so at two checks in a row (never a claim still on its way)
   * ends `lost` and is retried per its policy.
   */
  private async endOrphans(): Promise<void> {
    const { store, clock, dispatcher, logger } = this.deps;
    const suspects = new Set<string>();
    const ended: RunRow[] = [];
    for (const local of dispatcher.localWorkers()) {
      for (const id of await store.runningRunIds(local.id)) {
        if (local.holds(id)) continue;
        if (!this.suspects.has(id)) {
          suspects.add(id);
          continue;
        }
        const result = await store.completeAttempt(
          id,
          local.id,
          { status: 'lost', error: { message: 'the in-process worker never got this run (its claim was answered to no one)', type: 'worker_lost' } },
          clock.now(),
          this.deps.decide,
        );
        if (result.ok) {
          logger.warn({ run_id: id, worker_id: local.id }, 'in-process run held by no one: ended lost and retried per its policy');
          ended.push(result.run);
        }
      }
    }
    this.suspects = suspects;
    if (ended.length > 0) this.deps.ended(ended);
  }
}
