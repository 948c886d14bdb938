import type { RunRow, RunStatus, ScheduleRow } from '../../../domain/types.js';
import type { HandlerView } from '../../../engine/types.js';
import type { RunTimelineBucket } from '../../../store/store.js';
import type { MicrositeContext } from '../../plugin.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const FAILED_STATUSES: RunStatus[] = ['failed', 'timed_out', 'lost'];

/** How many running runs, due schedules and failures the panels list. */
export const LIST_LIMIT = 8;

/** The window of the charts and 24-hour figures: 24 one-hour buckets, the last one the current hour. */
export interface Window {
  since: number;
  until: number;
}

export function dayWindow(now: number): Window {
  const until = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { since: until - DAY_MS, until };
}

/**
 * The timeline scans a day of runs, so the live stream refetches it at the charts' pace and
 * panels rendered in between reuse the last one. Pages and new connections always fetch it.
 */
export class TimelineCache {
  private value: { window: Window; buckets: RunTimelineBucket[]; at: number } | null = null;

  constructor(private readonly maxAgeMs: number) {}

  async get(ctx: MicrositeContext, now: number, fresh: boolean): Promise<RunTimelineBucket[]> {
    const window = dayWindow(now);
    const cached = this.value;
    if (!fresh && cached && cached.window.until === window.until && now - cached.at < this.maxAgeMs) return cached.buckets;
    const buckets = await ctx.api.runs.timeline({ since: window.since, until: window.until, bucket_ms: HOUR_MS });
    this.value = { window, buckets, at: now };
    return buckets;
  }
}

export interface DashLinks {
  /** The page of a schedule, when the schedules microsite is mounted. */
  schedule(id: string): string | null;
  schedules: string | null;
  handlers: string | null;
}

export function dashLinks(ctx: MicrositeContext): DashLinks {
  const mounted = (id: string) => ctx.mounted().find((m) => m.microsite.id === id) ?? null;
  const schedules = mounted('sz_schedules');
  const handlers = mounted('sz_handlers');
  return {
    schedule: (id) => (schedules ? schedules.ctx.url(`/${encodeURIComponent(id)}`) : null),
    schedules: schedules ? schedules.ctx.url('/') : null,
    handlers: handlers ? handlers.ctx.url('/') : null,
  };
}

export interface RunningNow {
  runs: RunRow[];
  /** Running runs in all (held by online workers), which may be more than listed. */
  total: number;
}

export interface ScheduleRef {
  id: string;
  name: string | null;
}

/**
 * The data of one render pass. Panels rendered together (a page, a snapshot, one flush of the
 * live stream) share it, so each query runs once per pass however many panels need it.
 */
export class DashSource {
  readonly links: DashLinks;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly names = new Map<string, Promise<ScheduleRef | null>>();

  constructor(
    readonly ctx: MicrositeContext,
    readonly now: number,
    private readonly timelines: TimelineCache,
    private readonly freshTimeline: boolean,
  ) {
    this.links = dashLinks(ctx);
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = load();
      this.memo.set(key, value);
    }
    return value;
  }

  handlers(): Promise<HandlerView[]> {
    return this.once('handlers', () => this.ctx.api.handlers.list());
  }

  scheduleCount(): Promise<number> {
    return this.once('scheduleCount', () => this.ctx.api.schedules.count());
  }

  timeline(): Promise<RunTimelineBucket[]> {
    return this.once('timeline', () => this.timelines.get(this.ctx, this.now, this.freshTimeline));
  }

  running(): Promise<RunningNow> {
    return this.once('running', async () => {
      // The handlers' running counts come from an index; listing running runs filters the run
      // history newest first, so it is skipped when nothing runs and narrowed to recent runs
      // when those hold every running one.
      const total = (await this.handlers()).reduce((sum, h) => sum + h.running, 0);
      if (total === 0) return { runs: [], total: 0 };
      const want = Math.min(total, LIST_LIMIT);
      let runs: RunRow[] = [];
      for (const since of [this.now - HOUR_MS, this.now - DAY_MS, undefined]) {
        runs = (await this.ctx.api.runs.list({ status: ['running'], limit: LIST_LIMIT, ...(since === undefined ? {} : { since }) })).items;
        if (runs.length >= want) break;
      }
      return { runs, total: Math.max(total, runs.length) };
    });
  }

  failures(): Promise<RunRow[]> {
    return this.once('failures', async () => {
      const page = await this.ctx.api.runs.list({ status: FAILED_STATUSES, since: this.now - DAY_MS, limit: LIST_LIMIT });
      return page.items;
    });
  }

  nextDue(): Promise<ScheduleRow[]> {
    return this.once('nextDue', () => this.ctx.api.schedules.nextDue(LIST_LIMIT));
  }

  /** A schedule as runs refer to it; null when it was deleted. */
  schedule(id: string): Promise<ScheduleRef | null> {
    let ref = this.names.get(id);
    if (ref === undefined) {
      ref = this.ctx.api.schedules.get(id).then(
        (s) => ({ id: s.id, name: s.name }),
        () => null,
      );
      this.names.set(id, ref);
    }
    return ref;
  }

  /** The schedules of some runs, by id (deleted ones absent). */
  async schedulesOf(runs: readonly RunRow[]): Promise<Map<string, ScheduleRef>> {
    const ids = [...new Set(runs.map((r) => r.schedule_id).filter((id): id is string => id !== null))];
    const refs = await Promise.all(ids.map((id) => this.schedule(id)));
    return new Map(refs.filter((r): r is ScheduleRef => r !== null).map((r) => [r.id, r]));
  }
}
