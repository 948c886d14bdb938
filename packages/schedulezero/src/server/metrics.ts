import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isTerminal } from '../domain/types.js';
import type { Engine } from '../engine/engine.js';

/**
 * Prometheus metrics. Counters follow engine events; gauges are read from the store when
 * scraped (indexed counts), so they are right even with several processes on one database.
 */
export function createMetrics(engine: Engine): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'schedulezero_process_' });

  const runsFinished = new Counter({
    name: 'schedulezero_runs_finished_total',
    help: 'Runs that reached a terminal state, by status.',
    labelNames: ['status', 'handler'] as const,
    registers: [registry],
  });
  const runsCreated = new Counter({
    name: 'schedulezero_runs_created_total',
    help: 'Runs created, by origin (scheduled, manual, one_off).',
    labelNames: ['origin'] as const,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'schedulezero_run_lateness_seconds',
    help: 'Start of a first attempt minus its scheduled time.',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'schedulezero_occurrences_skipped_total',
    help: 'Times occurrences were skipped by a catch_up policy or the per-pass limit.',
    registers: [registry],
  });

  // Relayed events (remote) are other nodes' work: their own metrics count it.
  engine.events.on('runs.created', (runs, remote) => {
    if (remote) return;
    for (const run of runs) {
      runsCreated.inc({ origin: run.origin });
      if (isTerminal(run.status)) runsFinished.inc({ status: run.status, handler: run.handler });
    }
  });
  engine.events.on('runs.started', (runs, remote) => {
    if (remote) return;
    for (const run of runs) {
      if (run.attempt === 1 && run.started_at !== null) lateness.observe(Math.max(0, run.started_at - run.scheduled_at) / 1000);
    }
  });
  engine.events.on('run.updated', (run, remote) => {
    if (remote) return;
    if (isTerminal(run.status)) runsFinished.inc({ status: run.status, handler: run.handler });
  });
  engine.events.on('occurrences.skipped', () => skipped.inc());

  new Gauge({
    name: 'schedulezero_runs_current',
    help: 'Runs queued or running now.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await engine.store.countRunsByStatus(['queued', 'running']);
      this.set({ status: 'queued' }, counts.queued ?? 0);
      this.set({ status: 'running' }, counts.running ?? 0);
    },
  });
  new Gauge({
    name: 'schedulezero_due_queue_depth',
    help: 'Queued runs that are due now and wait for a worker.',
    registers: [registry],
    async collect() {
      this.set(await engine.store.countDueQueued(Date.now()));
    },
  });
  new Gauge({
    name: 'schedulezero_workers_online',
    help: 'Workers online, by kind (remote, local).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const workers = await engine.store.listWorkers({ status: ['online'] });
      this.set({ kind: 'remote' }, workers.filter((w) => w.kind === 'remote').length);
      this.set({ kind: 'local' }, workers.filter((w) => w.kind === 'local').length);
    },
  });

  return registry;
}
