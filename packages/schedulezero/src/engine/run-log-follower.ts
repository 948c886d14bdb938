import { isTerminal, type RunRow, type RunStatus } from '../domain/types.js';
import type { RunLogLine, RunLogPage } from '../store/store.js';

/** A run's log lines after a seq, with the run's status read just before them. */
export type RunLogRead = RunLogPage & { run_status: RunStatus };

/** What a follower needs from the server: reads, and the engine's `run.logs` / `run.updated` events. */
export interface RunLogSource {
  read(run_id: string, after: number, limit: number): Promise<RunLogRead>;
  onLogs(listener: (run_id: string, lines: RunLogLine[], truncated: boolean) => void): () => void;
  onRunUpdated(listener: (run: RunRow) => void): () => void;
}

interface Subscriber {
  logs(lines: RunLogLine[], truncated: boolean): void;
  updated(run: RunRow): void;
}

/**
 * One pair of engine listeners for all the followers of one source, dispatching by run id: a
 * thousand open streams cost two listeners (no MaxListeners warning), and an event reaches only
 * the followers of its run. The listeners exist only while someone follows.
 */
export class RunLogHub {
  private readonly byRun = new Map<string, Set<Subscriber>>();
  private off: (() => void)[] = [];

  constructor(private readonly source: RunLogSource) {}

  subscribe(run_id: string, subscriber: Subscriber): () => void {
    if (this.byRun.size === 0) this.attach();
    let set = this.byRun.get(run_id);
    if (set === undefined) {
      set = new Set();
      this.byRun.set(run_id, set);
    }
    set.add(subscriber);
    return () => {
      const current = this.byRun.get(run_id);
      if (!current?.delete(subscriber)) return;
      if (current.size === 0) this.byRun.delete(run_id);
      if (this.byRun.size === 0) this.detach();
    };
  }

  private attach(): void {
    this.off = [
      this.source.onLogs((run_id, lines, truncated) => {
        for (const s of [...(this.byRun.get(run_id) ?? [])]) s.logs(lines, truncated);
      }),
      this.source.onRunUpdated((run) => {
        for (const s of [...(this.byRun.get(run.id) ?? [])]) s.updated(run);
      }),
    ];
  }

  private detach(): void {
    for (const off of this.off) off();
    this.off = [];
  }
}

/** Where a follower delivers. Calls never overlap and come in seq order. */
export interface RunLogSink {
  lines(lines: RunLogLine[], truncated: boolean): void;
  /** The run reached a terminal state and every line stored before that was delivered. */
  end(status: RunStatus): void;
  /** Reading failed (the run was pruned, the server is closing). */
  error(err: unknown): void;
}

const PAGE = 1000;

/**
 * Follows one run's log: the lines stored after `after` first, then new ones as they are stored,
 * then `end` once the run has finished. It listens before it reads, so nothing falls between the
 * two; lines that arrive in order are passed on from the event itself, and anything else (a
 * gap, lines during a read) sends it back to the store, which is the truth.
 */
export class RunLogFollower {
  private last: number;
  private reading = false;
  private again = false;
  private done = false;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly hub: RunLogHub,
    private readonly source: RunLogSource,
    private readonly run_id: string,
    after: number,
    private readonly sink: RunLogSink,
  ) {
    this.last = Math.max(0, Math.floor(after));
  }

  start(): void {
    this.unsubscribe = this.hub.subscribe(this.run_id, {
      logs: (lines, truncated) => {
        const first = lines[0];
        if (this.done || first === undefined) return;
        if (!this.reading && first.seq === this.last + 1) {
          this.last = lines.at(-1)!.seq;
          this.sink.lines(lines, truncated);
        } else if (lines.at(-1)!.seq > this.last) {
          void this.read();
        }
      },
      // The read that follows sees the terminal status, delivers what is left and ends.
      updated: (run) => {
        if (isTerminal(run.status)) void this.read();
      },
    });
    void this.read();
  }

  stop(): void {
    this.done = true;
    this.unsubscribe();
  }

  private async read(): Promise<void> {
    if (this.done) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    let status: RunStatus | null = null;
    try {
      do {
        this.again = false;
        for (;;) {
          const page = await this.source.read(this.run_id, this.last, PAGE);
          if (this.done) return;
          status = page.run_status;
          if (page.lines.length > 0) {
            this.last = page.next_seq;
            this.sink.lines(page.lines, page.truncated);
          }
          if (page.lines.length < PAGE) break;
        }
      } while (this.again && !this.done);
    } catch (err) {
      if (this.done) return;
      this.stop();
      this.sink.error(err);
      return;
    } finally {
      this.reading = false;
    }
    // The status is read before the lines: every line stored before the run ended was in them.
    if (status !== null && isTerminal(status) && !this.done) {
      this.stop();
      this.sink.end(status);
    }
  }
}
