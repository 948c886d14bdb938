import type { AttemptRow, RunRow, ScheduleRow, WorkerRow } from '../domain/types.js';
import type { CompleteOutcome, HandlerView, WorkerView } from '../engine/engine.js';
import type { GovernedState } from '../governor/index.js';
import type { HandlerDetailView } from '../handlers/detail.js';

/** Rows keep epoch milliseconds; the API speaks ISO-8601 UTC. These are the only converters. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function scheduleOut(s: ScheduleRow, triggerDescription: string) {
  return {
    id: s.id,
    name: s.name,
    handler: s.handler,
    method: s.method,
    params: s.params,
    trigger: s.trigger as unknown as Record<string, unknown> & { type: 'cron' | 'interval' | 'date' },
    trigger_description: triggerDescription,
    misfire_grace_seconds: s.misfire_grace_seconds,
    catch_up: s.catch_up,
    catch_up_limit: s.catch_up_limit,
    max_instances: s.max_instances,
    max_jitter_seconds: s.max_jitter_seconds,
    retry: s.retry,
    timeout_seconds: s.timeout_seconds,
    paused: s.paused,
    next_run_at: isoOrNull(s.next_run_at),
    last_run_at: isoOrNull(s.last_run_at),
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    version: s.version,
  };
}

function durationOf(started: number | null, finished: number | null): number | null {
  return started === null || finished === null ? null : finished - started;
}

export function runOut(r: RunRow) {
  return {
    id: r.id,
    schedule_id: r.schedule_id,
    origin: r.origin,
    handler: r.handler,
    method: r.method,
    params: r.params,
    status: r.status,
    attempt: r.attempt,
    retry: r.retry,
    timeout_seconds: r.timeout_seconds,
    scheduled_at: iso(r.scheduled_at),
    available_at: iso(r.available_at),
    started_at: isoOrNull(r.started_at),
    finished_at: isoOrNull(r.finished_at),
    deadline: isoOrNull(r.deadline),
    worker_id: r.worker_id,
    cancel_requested: r.cancel_requested,
    progress: r.progress,
    message: r.message,
    result: r.result,
    error: r.error,
    duration_ms: durationOf(r.started_at, r.finished_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function attemptOut(a: AttemptRow) {
  return {
    attempt: a.attempt,
    status: a.status,
    worker_id: a.worker_id,
    started_at: iso(a.started_at),
    finished_at: isoOrNull(a.finished_at),
    duration_ms: durationOf(a.started_at, a.finished_at),
    result: a.result,
    error: a.error,
  };
}

/** A job as a worker receives it from a poll. */
export function jobOut(r: RunRow) {
  return {
    run_id: r.id,
    schedule_id: r.schedule_id,
    method: r.method,
    params: r.params,
    attempt: r.attempt,
    scheduled_at: iso(r.scheduled_at),
    deadline: isoOrNull(r.deadline),
  };
}

/** The answer to a completion: the run's status now, and when its retry comes if one does. */
export function completionOut({ run, retry_at }: CompleteOutcome) {
  return { status: run.status, attempt: run.attempt, retry_at: isoOrNull(retry_at) };
}

export function workerOut(w: WorkerRow | WorkerView) {
  return {
    id: w.id,
    kind: w.kind,
    handler: w.handler,
    methods: w.methods,
    concurrency: w.concurrency,
    name: w.name,
    version: w.version,
    status: w.status,
    running: 'running' in w ? w.running : 0,
    registered_at: iso(w.registered_at),
    last_seen_at: iso(w.last_seen_at),
  };
}

export function handlerOut(h: HandlerView) {
  return {
    handler: h.handler,
    status: h.status,
    methods: h.methods,
    running: h.running,
    last_seen_at: isoOrNull(h.last_seen_at),
    workers: h.workers.map(workerOut),
  };
}

/** A supervised process as GET /api/v1/governor and GET /api/v1/handlers/{handler} show it. */
export function governedStateOut(g: GovernedState) {
  return {
    handler: g.handler,
    state: g.state,
    pid: g.pid,
    restarts: g.restarts,
    consecutive_crashes: g.consecutive_crashes,
    max_restarts: g.max_restarts,
    last_exit: g.last_exit ? { code: g.last_exit.code, signal: g.last_exit.signal, at: iso(g.last_exit.at) } : null,
    last_error: g.last_error,
    started_at: isoOrNull(g.started_at),
    next_restart_at: isoOrNull(g.next_restart_at),
    since: iso(g.since),
    log_file: g.log_file,
    command: g.command,
  };
}

export function handlerDetailOut(d: HandlerDetailView) {
  return {
    handler: d.handler,
    type: d.type,
    description: d.description,
    declared: d.declared,
    status: d.view?.status ?? ('offline' as const),
    health: d.health,
    running: d.view?.running ?? 0,
    last_seen_at: isoOrNull(d.view?.last_seen_at ?? null),
    workers: (d.view?.workers ?? []).map(workerOut),
    methods: d.methods,
    window: { since: iso(d.window.since), until: iso(d.window.until) },
    governor: d.governor ? governedStateOut(d.governor) : null,
    docs_url: d.docs_url,
  };
}
