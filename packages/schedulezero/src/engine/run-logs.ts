import type { Logger } from '../domain/logger.js';
import { fitLine } from '../store/log-lines.js';
import type { AppendRunLogsResult, LogStream, NewRunLogLine, RunLogCaps } from '../store/store.js';

/** How much log one run keeps: 1 MiB or 10,000 lines, whichever comes first; a line is cut at 8 KiB. */
export const DEFAULT_RUN_LOG_CAPS: RunLogCaps = {
  max_bytes: 1024 * 1024,
  max_lines: 10_000,
  max_line_bytes: 8 * 1024,
};

interface Pending {
  lines: NewRunLogLine[];
  /** UTF-16 units queued: never more than the UTF-8 bytes, so a cap on it is a cap on those. */
  units: number;
}

/** Runs whose log is known to be full; bounded, since it only saves work. */
const MAX_KNOWN_FULL = 10_000;

export interface LocalLogBatcherDeps {
  caps: RunLogCaps;
  now(): number;
  logger: Logger;
  /** Stores one run's lines and announces them; null when the run does not exist. */
  append(run_id: string, lines: NewRunLogLine[]): Promise<AppendRunLogsResult | null>;
}

/**
 * Log lines of in-process handlers (ctx.log): the call only queues the line, and everything
 * queued during one turn of the event loop is stored on the next, one transaction per run. So a
 * handler never waits for its log, and one that logs in a tight loop costs a write per turn, not
 * per line. A run's queue stops growing once it holds more than the run can store (the store
 * then writes the truncation marker): a flood is dropped before it fills memory.
 */
export class LocalLogBatcher {
  private pending = new Map<string, Pending>();
  private scheduled = false;
  /** Flushes run one after another, so that a run's lines are stored in the order written. */
  private flushing: Promise<void> = Promise.resolve();
  private readonly full = new Set<string>();

  constructor(private readonly deps: LocalLogBatcherDeps) {}

  add(run_id: string, attempt: number, stream: LogStream, message: unknown): void {
    if (this.full.has(run_id)) return;
    let pending = this.pending.get(run_id);
    if (pending === undefined) {
      pending = { lines: [], units: 0 };
      this.pending.set(run_id, pending);
    }
    const { caps } = this.deps;
    if (pending.lines.length > caps.max_lines || pending.units > caps.max_bytes) return;
    const text = fitLine(typeof message === 'string' ? message : String(message), caps.max_line_bytes);
    pending.lines.push({ at: this.deps.now(), stream, message: text, attempt });
    pending.units += text.length;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.flushing = this.flushing.then(() => this.flush());
    });
  }

  /** Resolves when everything queued so far is stored (for shutdown). */
  async drain(): Promise<void> {
    while (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.flushing;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    for (const [run_id, { lines }] of batch) {
      try {
        const result = await this.deps.append(run_id, lines);
        if (result === null || result.truncated) this.remember(run_id);
      } catch (err) {
        // A log line is never worth failing a job for.
        this.deps.logger.warn({ err, run_id, lines: lines.length }, 'could not store log lines of an in-process run');
      }
    }
  }

  private remember(run_id: string): void {
    if (this.full.size >= MAX_KNOWN_FULL) this.full.clear();
    this.full.add(run_id);
  }
}
