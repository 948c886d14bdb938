import type { Logger } from '../domain/logger.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import type { LocalWorker } from './local-worker.js';

export interface LocalLeasesDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  dispatcher: Dispatcher;
  leaseMs: number;
  /** An in-process worker found no longer online (another node expired it): register it again. */
  reattach(local: LocalWorker): Promise<void>;
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
  }
}
