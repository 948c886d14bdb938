import { NotFoundError } from '../../../domain/errors.js';
import type { RunRow } from '../../../domain/types.js';
import type { HandlerView } from '../../../engine/types.js';
import type { HandlerRunStats, RunStats } from '../../../store/store.js';
import type { MicrositeContext } from '../../plugin.js';
import type { HandlerDetailView } from '../../../handlers/detail.js';

/** What the handler pages show, gathered through ctx.api only. */

export const STATS_WINDOW_MS = 24 * 3600_000;
const RECENT_RUNS = 20;

/** Where the pages link to: this microsite, and the core microsites beside it when mounted. */
export interface Links {
  home: string;
  handler(name: string): string;
  /** A run's page in sz_schedules; null when sz_schedules is not mounted. */
  run: ((id: string) => string) | null;
  /** The docs microsite's home; null when sz_docs is not mounted. */
  docs: string | null;
}

export function links(ctx: MicrositeContext): Links {
  const mounted = (id: string) => ctx.mounted().find((m) => m.microsite.id === id)?.microsite.path ?? null;
  const schedules = mounted('sz_schedules');
  const docs = mounted('sz_docs');
  return {
    home: ctx.url('/'),
    handler: (name) => ctx.url(`/${encodeURIComponent(name)}`),
    run: schedules === null ? null : (id) => `${schedules}/runs/${encodeURIComponent(id)}`,
    docs: docs === null ? null : `${docs}/`,
  };
}

export interface HandlerListItem {
  view: HandlerView;
  /** Runs of the last 24 hours; null when it had none. */
  stats: HandlerRunStats | null;
}

export interface ListData {
  handlers: HandlerListItem[];
  /** Handlers that have queued runs in the window but no worker that ever connected (or not for a day). */
  waiting: HandlerRunStats[];
  totals: RunStats;
}

export async function loadList(ctx: MicrositeContext): Promise<ListData> {
  const now = ctx.api.now();
  const [views, totals] = await Promise.all([ctx.api.handlers.list(), ctx.api.runs.stats({ since: now - STATS_WINDOW_MS })]);
  const byHandler = new Map(totals.by_handler.map((s) => [s.handler, s]));
  const known = new Set(views.map((v) => v.handler));
  return {
    handlers: views.map((view) => ({ view, stats: byHandler.get(view.handler) ?? null })),
    waiting: totals.by_handler.filter((s) => !known.has(s.handler) && (s.counts.queued ?? 0) > 0),
    totals,
  };
}

export interface MethodItem {
  method: string;
  /** Online workers that offer it right now. */
  offered_by: number;
  stats: RunStats;
  description: string | null;
  params_schema: Record<string, unknown> | null;
}

export interface DetailData {
  name: string;
  /** null: no worker of this handler was seen in the last day, but it has runs. */
  view: HandlerView | null;
  stats: RunStats;
  methods: MethodItem[];
  runs: RunRow[];
  now: number;
  /** From the registry and the server: type, description, health, governor state. */
  detail: HandlerDetailView;
}

export async function loadDetail(ctx: MicrositeContext, name: string): Promise<DetailData> {
  const now = ctx.api.now();
  const since = now - STATS_WINDOW_MS;
  const detail = await ctx.api.handlers.get(name).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw new NotFoundError('handler_not_found', `There is no handler "${name}". A handler shows up here once one of its workers connects, or once handler_registry.yaml declares it.`);
    throw err;
  });
  const [stats, recent] = await Promise.all([ctx.api.runs.stats({ since, handler: name }), ctx.api.runs.list({ handler: name, limit: RECENT_RUNS })]);
  const view = detail.view;

  // Methods a worker offers or offered, and methods runs asked for (a typo in a schedule shows up here).
  const online = view?.workers.filter((w) => w.status === 'online') ?? [];
  const names = new Set<string>([...(view?.workers.flatMap((w) => w.methods) ?? []), ...recent.items.map((r) => r.method), ...detail.methods.map((m) => m.name)]);
  const methods = await Promise.all(
    [...names].sort().map(async (method) => {
      const known = detail.methods.find((m) => m.name === method);
      return {
        method,
        offered_by: online.filter((w) => w.methods.includes(method)).length,
        stats: await ctx.api.runs.stats({ since, handler: name, method }),
        description: known?.description ?? null,
        params_schema: known?.params_schema ?? null,
      };
    }),
  );
  return { name, view, stats, methods, runs: recent.items, now, detail };
}
