import type { Logger } from '../domain/logger.js';
import type { RunRow, ScheduleRow } from '../domain/types.js';
import type { Store } from '../store/store.js';
import type { Trigger } from '../triggers/index.js';
import { sleepUntil, type Clock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineEmitter } from './events.js';
import { createPlanner } from './planner.js';
import { Reservations } from './reservations.js';

export interface TimekeeperDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  events: EngineEmitter;
  dispatcher: Dispatcher;
  compile(schedule: ScheduleRow): Trigger;
  /** Schedules handled per transaction. */
  batchSize: number;
  /** When this engine started (occurrences before it fell due in downtime). */
  startedAt: number;
  /**
   * Longest sleep (default 60 s). Short on a shared database: other nodes' schedule changes
   * arrive as notifications, which may be lost.
   */
  maxSleepMs?: number;
  /** Tell other nodes about the runs fired (shared database). */
  announce?(runs: RunRow[]): void;
}

/** Longest sleep with nothing due (default): a safety net in case a wake-up is ever missed. */
const IDLE_SLEEP_MS = 60_000;
const ERROR_BACKOFF_MS = 1_000;

/**
 * Fires due schedules. It reads only schedules whose next_run_at has come (an indexed read),
 * turns each into runs in one transaction, then sleeps until the earliest next_run_at or until
 * woken because a schedule changed. It never scans all schedules.
 */
export class Timekeeper {
  private wakeController = new AbortController();
  private stopped = true;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly deps: TimekeeperDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  /** Something changed (a schedule was created, edited or resumed): look again now. */
  wake(): void {
    this.wakeController.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loopDone;
  }

  /** One firing pass; returns how many schedules were due. Exposed for tests. */
  async fireOnce(): Promise<number> {
    const { store, clock, events, dispatcher } = this.deps;
    const now = clock.now();
    const reservations = new Reservations(dispatcher, now);
    const planner = createPlanner({
      now,
      startedAt: this.deps.startedAt,
      compile: this.deps.compile,
      claim: (run) => reservations.claimFor(run),
      onSkipped: (schedule, from, to) => {
        this.deps.logger.info(
          { schedule_id: schedule.id, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
          'occurrences skipped (catch_up policy or per-pass limit)',
        );
        events.emit('occurrences.skipped', schedule, from, to);
      },
    });
    let result;
    try {
      result = await store.fireDueSchedules(now, this.deps.batchSize, planner);
    } catch (err) {
      reservations.release();
      throw err;
    }
    if (result.runs.length > 0) events.emit('runs.created', result.runs);
    reservations.settle(result.runs);
    dispatcher.notifyRuns(result.runs);
    this.deps.announce?.(result.runs);
    return result.schedules;
  }

  private async loop(): Promise<void> {
    const { store, clock, logger } = this.deps;
    while (!this.stopped) {
      // A fresh controller per sleep: wake() during firing must still cut the next sleep short.
      const wake = new AbortController();
      this.wakeController = wake;
      try {
        const due = await this.fireOnce();
        if (due >= this.deps.batchSize) {
          // More is due: go on, but let I/O (polls, completions) through between batches.
          await new Promise((r) => setImmediate(r));
          continue;
        }
        const next = await store.nextDueAt();
        const now = clock.now();
        await sleepUntil(clock, Math.min(next ?? Infinity, now + (this.deps.maxSleepMs ?? IDLE_SLEEP_MS)), wake.signal);
      } catch (err) {
        logger.error({ err }, 'firing due schedules failed; retrying');
        await sleepUntil(clock, clock.now() + ERROR_BACKOFF_MS, wake.signal);
      }
    }
  }
}
