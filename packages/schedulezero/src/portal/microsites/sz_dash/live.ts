import type { RunRow } from '../../../domain/types.js';
import type { MicrositeContext } from '../../plugin.js';
import type { SafeHtml } from '../../html.js';
import { dashboardPanels, TIMELINE_PANELS, type Panel, type PanelId } from './panels/index.js';
import { DashSource, FAILED_STATUSES, type TimelineCache } from './source.js';
import type { SseClient } from './sse.js';

export interface LiveOptions {
  /** A panel is drawn this long after the first change that makes it stale (trailing edge). */
  coalesceMs?: number;
  /** Comment lines this often keep idle streams open through proxies. */
  pingMs?: number;
}

/** Panels whose batch deadline falls this close are drawn in the same pass. */
const BATCH_SLACK_MS = 50;

interface PanelState {
  /** When the panel went stale (null: up to date). */
  dirtySince: number | null;
  /** When the live stream last drew it. */
  drawnAt: number;
}

/**
 * The live dashboard's event streams. Engine events mark panels stale; stale panels are drawn
 * once per pass, for every open stream together, at most once per panel's `everyMs`, so a burst
 * of a thousand events is a handful of renders. Engine listeners exist only while a stream is
 * open. Each stream gets the whole dashboard when it connects (so a reconnect catches up), then
 * only panels whose markup changed.
 */
export class LiveDashboard {
  private readonly clients = new Set<SseClient>();
  private readonly state = new Map<PanelId, PanelState>();
  private unsubscribe: (() => void)[] = [];
  private ping: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private drawing = false;
  /** Fixed once the first stream opens (every microsite is mounted by then). */
  private panels: Panel[] | null = null;
  private readonly coalesceMs: number;
  private readonly pingMs: number;

  constructor(
    private readonly ctx: MicrositeContext,
    private readonly timelines: TimelineCache,
    options: LiveOptions = {},
  ) {
    this.coalesceMs = options.coalesceMs ?? 250;
    this.pingMs = options.pingMs ?? 15_000;
  }

  /** Start streaming to a client: the snapshot first, then live changes. */
  async connect(client: SseClient): Promise<void> {
    this.clients.add(client);
    if (this.clients.size === 1) this.start();
    const panels = this.livePanels();
    const source = new DashSource(this.ctx, this.ctx.api.now(), this.timelines, true);
    const drawn = await Promise.all(panels.map((panel) => this.draw(panel, source)));
    if (!this.clients.has(client)) return;
    panels.forEach((panel, i) => {
      const body = drawn[i];
      if (body) client.send(panel.event, body);
    });
    client.ready = true;
    // What the stream drew while the snapshot was rendered may be newer than the snapshot.
    if (client.missed.size > 0) this.mark(panels.filter((p) => client.missed.has(p.event)).map((p) => p.id));
  }

  disconnect(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    client.end();
    if (this.clients.size === 0) this.stop();
  }

  /** End every stream (the server is closing). */
  close(): void {
    for (const client of [...this.clients]) this.disconnect(client);
  }

  private livePanels(): Panel[] {
    return (this.panels ??= dashboardPanels(this.ctx));
  }

  private start(): void {
    const { api } = this.ctx;
    const runsChanged = (runs: readonly RunRow[]) => {
      const ids: PanelId[] = ['tiles', 'outcomes', 'outcomes-hours', 'cards'];
      if (runs.some((r) => r.status === 'running')) ids.push('running', 'handlers', 'lateness', 'lateness-hours');
      // A fired schedule has moved on to its next occurrence.
      if (runs.some((r) => r.origin === 'scheduled')) ids.push('next');
      if (runs.some((r) => FAILED_STATUSES.includes(r.status))) ids.push('failures');
      this.mark(ids);
    };
    this.unsubscribe = [
      api.on('runs.created', runsChanged),
      api.on('runs.started', () => this.mark(['running', 'handlers', 'tiles', 'lateness', 'lateness-hours', 'cards'])),
      api.on('run.updated', (run) => {
        runsChanged([run]);
        this.mark(['running', 'handlers']);
      }),
      api.on('schedule.changed', () => this.mark(['next', 'tiles', 'cards'])),
      api.on('occurrences.skipped', () => this.mark(['next'])),
      api.on('worker.changed', () => this.mark(['handlers', 'running', 'tiles', 'cards'])),
    ];
    this.ping = setInterval(() => {
      for (const client of this.clients) client.ping();
    }, this.pingMs);
    this.ping.unref();
  }

  private stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    clearInterval(this.ping);
    clearTimeout(this.timer);
    this.ping = undefined;
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.state.clear();
  }

  private panelState(id: PanelId): PanelState {
    let state = this.state.get(id);
    if (state === undefined) {
      state = { dirtySince: null, drawnAt: 0 };
      this.state.set(id, state);
    }
    return state;
  }

  /** Called for every engine event: cheap unless a panel goes stale that was not already. */
  private mark(ids: readonly PanelId[]): void {
    if (this.clients.size === 0) return;
    let fresh = false;
    for (const id of ids) {
      const state = this.panelState(id);
      if (state.dirtySince === null) {
        state.dirtySince = Date.now();
        fresh = true;
      }
    }
    if (fresh) this.schedule();
  }

  private dueAt(panel: Panel): number | null {
    const state = this.state.get(panel.id);
    if (!state || state.dirtySince === null) return null;
    return Math.max(state.dirtySince + this.coalesceMs, state.drawnAt + panel.everyMs);
  }

  private schedule(): void {
    if (this.drawing || this.clients.size === 0) return;
    const dues = this.livePanels()
      .map((p) => this.dueAt(p))
      .filter((t): t is number => t !== null);
    if (dues.length === 0) return;
    const next = Math.min(...dues);
    if (this.timer !== undefined && this.timerAt <= next) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.flush();
    }, Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.drawing = true;
    try {
      const now = Date.now();
      const panels = this.livePanels();
      const batch = panels.filter((p) => {
        const due = this.dueAt(p);
        return due !== null && due <= now + BATCH_SLACK_MS;
      });
      // Charts fetch a fresh timeline; the tiles' 24-hour figures come from it too.
      const fresh = batch.some((p) => TIMELINE_PANELS.has(p.id));
      if (fresh && !batch.some((p) => p.id === 'tiles')) batch.push(...panels.filter((p) => p.id === 'tiles'));
      for (const panel of batch) {
        const state = this.panelState(panel.id);
        state.dirtySince = null;
        state.drawnAt = now;
      }
      if (batch.length === 0) return;
      const source = new DashSource(this.ctx, now, this.timelines, fresh);
      const drawn = await Promise.all(batch.map((panel) => this.draw(panel, source)));
      for (const client of this.clients) {
        batch.forEach((panel, i) => {
          const body = drawn[i];
          if (!body) return;
          if (client.ready) client.send(panel.event, body);
          else client.missed.add(panel.event);
        });
      }
    } finally {
      this.drawing = false;
      this.schedule();
    }
  }

  /** A panel that fails to render keeps what the client shows; the error goes to the log. */
  private async draw(panel: Panel, source: DashSource): Promise<SafeHtml | null> {
    try {
      return await panel.render(source);
    } catch (err) {
      this.ctx.log.error({ err, panel: panel.id }, 'dashboard panel failed to render');
      return null;
    }
  }
}
