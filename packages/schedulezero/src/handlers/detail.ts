import { NotFoundError } from '../domain/errors.js';
import type { RunStats } from '../store/store.js';
import type { Engine } from '../engine/engine.js';
import type { HandlerView } from '../engine/types.js';
import type { GovernedState } from '../governor/index.js';

export type HandlerType = 'worker' | 'http' | 'command' | 'in_process';
export type Health = 'healthy' | 'degraded' | 'failing' | 'offline';

export interface MethodDetailView {
  name: string;
  description: string | null;
  params_schema: Record<string, unknown> | null;
  timeout_seconds: number | null;
  retry: Record<string, number> | null;
  source: 'registry' | 'worker' | 'observed';
  online_workers: number;
  stats: { runs: number; succeeded: number; failed: number; success_rate: number | null; duration_ms_p50: number | null; duration_ms_p95: number | null };
}

export interface HandlerDetailView {
  handler: string;
  type: HandlerType;
  description: string | null;
  declared: boolean;
  view: HandlerView | null;
  health: Health;
  methods: MethodDetailView[];
  window: { since: number; until: number };
  governor: GovernedState | null;
  docs_url: string | null;
}

const WINDOW_MS = 24 * 3600_000;

function statsOf(stats: RunStats) {
  const failed = (stats.counts.failed ?? 0) + (stats.counts.timed_out ?? 0) + (stats.counts.lost ?? 0);
  return {
    runs: stats.total,
    succeeded: stats.counts.succeeded ?? 0,
    failed,
    success_rate: stats.success_rate,
    duration_ms_p50: stats.duration_ms_p50,
    duration_ms_p95: stats.duration_ms_p95,
  };
}

/**
 * One handler as the API and the portal show it: its type and description from the registry,
 * its workers, each method with its schema, defaults and the last 24 hours' success rate and
 * durations, a health verdict, and the governor's state of its process.
 */
export async function handlerDetail(engine: Engine, id: string, governor: GovernedState | null, now = Date.now()): Promise<HandlerDetailView> {
  const view = (await engine.listHandlers()).find((h) => h.handler === id) ?? null;
  const spec = engine.catalog.handler(id);
  const since = now - WINDOW_MS;
  const overall = await engine.runStats({ handler: id, since, until: now });
  if (!view && !spec && overall.total === 0 && !governor) throw new NotFoundError('handler_not_found', `handler "${id}" is not known: no registry entry, worker or run has it`);

  const online = view?.workers.filter((w) => w.status === 'online') ?? [];
  const names = new Set<string>([...engine.catalog.methods(id).map((m) => m.name), ...(view?.methods ?? [])]);
  const methods: MethodDetailView[] = [];
  for (const name of [...names].sort()) {
    const known = engine.catalog.method(id, name);
    const stats = await engine.runStats({ handler: id, method: name, since, until: now });
    methods.push({
      name,
      description: known?.description ?? null,
      params_schema: known?.params_schema ?? null,
      timeout_seconds: known?.timeout_seconds ?? null,
      retry: known?.retry ? (Object.fromEntries(Object.entries(known.retry).filter(([, v]) => v !== undefined)) as Record<string, number>) : null,
      source: known?.source ?? 'observed',
      online_workers: online.filter((w) => w.methods.includes(name)).length,
      stats: statsOf(stats),
    });
  }

  const rate = overall.success_rate;
  const health: Health = online.length === 0 ? 'offline' : rate !== null && rate < 0.5 ? 'failing' : rate !== null && rate < 0.9 ? 'degraded' : 'healthy';
  const type: HandlerType = spec ? spec.type : view && view.workers.length > 0 && view.workers.every((w) => w.kind === 'local') ? 'in_process' : 'worker';
  return {
    handler: id,
    type,
    description: spec?.description ?? null,
    declared: spec !== undefined,
    view,
    health,
    methods,
    window: { since, until: now },
    governor,
    docs_url: spec?.docs_url ?? null,
  };
}
