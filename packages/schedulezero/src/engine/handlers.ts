import type { WorkerRow } from '../domain/types.js';
import type { HandlerView } from './types.js';

/** Workers that left or were lost still show under their handler for this long. */
export const HANDLER_HISTORY_MS = 24 * 3600_000;

/**
 * Handlers are not stored on their own: a handler is the workers that registered under its name.
 * This groups workers (online ones, and those seen within HANDLER_HISTORY_MS) into handlers.
 */
export function summarizeHandlers(workers: WorkerRow[], running: Map<string, number>, now: number): HandlerView[] {
  const byHandler = new Map<string, HandlerView>();
  for (const w of workers) {
    if (w.status !== 'online' && now - w.last_seen_at >= HANDLER_HISTORY_MS) continue;
    const view: HandlerView = byHandler.get(w.handler) ?? {
      handler: w.handler,
      status: 'offline',
      methods: [],
      running: 0,
      last_seen_at: null,
      workers: [],
    };
    const count = running.get(w.id) ?? 0;
    view.workers.push({ ...w, running: count });
    view.running += count;
    view.last_seen_at = Math.max(view.last_seen_at ?? 0, w.last_seen_at);
    if (w.status === 'online') view.status = 'online';
    byHandler.set(w.handler, view);
  }
  for (const view of byHandler.values()) {
    // Methods of the online workers; an offline handler shows what it last offered.
    const source = view.workers.filter((w) => w.status === 'online');
    view.methods = [...new Set((source.length > 0 ? source : view.workers).flatMap((w) => w.methods))].sort();
  }
  return [...byHandler.values()].sort((a, b) => a.handler.localeCompare(b.handler));
}
