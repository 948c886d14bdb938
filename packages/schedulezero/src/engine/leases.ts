import type { WorkerRow } from '../domain/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

/**
 * Worker leases as last written by this process. Every poll, heartbeat and completion shows a
 * worker alive, but writing the lease each time would put a write on every request; the write is
 * skipped while the lease last written still covers all but half a lease of what is wanted.
 */
export class Leases {
  private readonly known = new Map<string, WorkerRow>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly leaseMs: number,
  ) {}

  /**
   * A worker showed a sign of life: its lease must cover `extraMs` (a long poll's wait) plus
   * the lease. Null when the worker is unknown or no longer online.
   */
  async seen(workerId: string, extraMs = 0): Promise<WorkerRow | null> {
    const now = this.clock.now();
    const wanted = now + extraMs + this.leaseMs;
    const cached = this.known.get(workerId);
    if (cached && cached.expires_at >= wanted - this.leaseMs / 2) return cached;
    const worker = await this.store.touchWorker(workerId, now, wanted);
    if (worker) this.known.set(workerId, worker);
    else this.known.delete(workerId);
    return worker;
  }

  forget(workerId: string): void {
    this.known.delete(workerId);
  }
}
