import type { Logger } from '../domain/logger.js';
import type { RunRow } from '../domain/types.js';
import type { LogActivity, Store } from '../store/store.js';
import type { EngineEmitter } from './events.js';

/** Activity is sent at most this often: live views may lag by it, the database is spared a notification per run. */
const FLUSH_MS = 100;

/**
 * Live views across nodes. A dashboard or a log stream is served by one node, but the work it
 * shows may happen on any: each node tells the others which runs changed and which log lines it
 * stored (one notification per 100 ms at most), and a node with someone watching reads those
 * runs and lines and emits them as its own events, marked remote (metrics count local work only).
 */
export class Relay {
  private readonly runs = new Set<string>();
  private logs: LogActivity[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly off: (() => void)[] = [];
  /** Live views open on this node (server-sent event streams). */
  private watchers = 0;

  constructor(
    private readonly store: Store,
    private readonly events: EngineEmitter,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const note = (runs: readonly RunRow[], remote?: boolean) => {
      if (remote) return;
      for (const run of runs) this.runs.add(run.id);
      this.schedule();
    };
    const created = (runs: RunRow[], remote?: boolean) => note(runs, remote);
    const started = (runs: RunRow[], remote?: boolean) => note(runs, remote);
    const updated = (run: RunRow, remote?: boolean) => note([run], remote);
    const logs = (run_id: string, lines: { seq: number }[], truncated: boolean, remote?: boolean) => {
      if (remote || lines.length === 0) return;
      this.logs.push({ run_id, from: lines[0]!.seq, to: lines[lines.length - 1]!.seq, truncated });
      this.schedule();
    };
    this.events.on('runs.created', created);
    this.events.on('runs.started', started);
    this.events.on('run.updated', updated);
    this.events.on('run.logs', logs);
    this.off.push(
      () => this.events.off('runs.created', created),
      () => this.events.off('runs.started', started),
      () => this.events.off('run.updated', updated),
      () => this.events.off('run.logs', logs),
    );
  }

  stop(): void {
    for (const off of this.off.splice(0)) off();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** A live view opened; the returned function closes it. Only watched nodes read others' activity. */
  watch(): () => void {
    this.watchers++;
    let open = true;
    return () => {
      if (open) this.watchers--;
      open = false;
    };
  }

  /** Another node's activity: read what it names and emit it here, if anyone watches. */
  async receive(runIds: readonly string[], logs: readonly LogActivity[]): Promise<void> {
    if (this.watchers === 0 || !this.store.getRunsByIds) return;
    try {
      if (runIds.length > 0) {
        const runs = await this.store.getRunsByIds(runIds);
        const started = runs.filter((r) => r.status === 'running');
        if (started.length > 0) this.events.emit('runs.started', started, true);
        for (const run of runs) if (run.status !== 'running') this.events.emit('run.updated', run, true);
      }
      for (const log of logs) {
        const page = await this.store.listRunLogs(log.run_id, { after_seq: log.from - 1, limit: log.to - log.from + 1 });
        if (page.lines.length > 0) this.events.emit('run.logs', log.run_id, page.lines, log.truncated, true);
      }
    } catch (err) {
      this.logger.debug({ err }, "could not read another node's activity for live views");
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  private flush(): void {
    if (this.runs.size === 0 && this.logs.length === 0) return;
    this.store.announce?.({ kind: 'activity', runs: [...this.runs], logs: this.logs });
    this.runs.clear();
    this.logs = [];
  }
}
