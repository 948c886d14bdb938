import type { Logger } from '../domain/logger.js';
import type { Clock } from './clock.js';

/** Round trips per measurement; the fastest one gives the offset (the least network noise). */
const SAMPLES = 3;

/** A node whose clock is off by more than this is told so in the log. */
const WARN_OFFSET_MS = 1_000;

/**
 * The database's clock, read through this node's: nodes sharing a database fire schedules,
 * write leases and judge them by one clock, whatever their own clocks say. The offset to the
 * database is measured at start and again every `intervalMs` (clocks drift); between
 * measurements time comes from the local clock, so reading it costs nothing.
 */
export class DatabaseClock implements Clock {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private synced = false;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly base: Clock,
    private readonly logger: Logger,
  ) {}

  now(): number {
    return this.base.now() + this.offset;
  }

  /** The last measured difference: database time minus this node's time, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  /**
   * Measure the offset: the database's time against the middle of each round trip. A failed
   * measurement (the database is away) keeps the last offset.
   */
  async sync(): Promise<void> {
    let best: { rtt: number; offset: number } | null = null;
    for (let i = 0; i < SAMPLES; i++) {
      const sent = this.base.now();
      const db = await this.read();
      const received = this.base.now();
      const rtt = received - sent;
      // Whole milliseconds: times are stored as integers.
      if (best === null || rtt < best.rtt) best = { rtt, offset: Math.round(db - (sent + received) / 2) };
    }
    const previous = this.offset;
    this.offset = best!.offset;
    if (Math.abs(this.offset) > WARN_OFFSET_MS && (!this.synced || Math.abs(this.offset - previous) > WARN_OFFSET_MS)) {
      this.logger.warn({ offset_ms: Math.round(this.offset) }, "this node's clock differs from the database's; timing follows the database (keep clocks in sync with NTP)");
    }
    this.synced = true;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sync().catch((err: unknown) => this.logger.debug({ err }, 'database clock not measured; keeping the last offset'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
