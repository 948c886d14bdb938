import { AppError, ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { AttemptRow, JsonObject, JsonValue, NewRun, NewSchedule, RetryPolicy, RunRow, ScheduleRow, WorkerRow } from '../domain/types.js';
import { isTerminal } from '../domain/types.js';
import type {
  AppendRunLogsResult,
  LogStream,
  NewRunLogLine,
  Page,
  RunLogCaps,
  RunQuery,
  RunStats,
  RunStatsQuery,
  RunTimelineBucket,
  RunTimelineQuery,
  ScheduleQuery,
  Store,
  StoreEvent,
} from '../store/store.js';
import { compileTrigger, parseTrigger, type Trigger } from '../triggers/index.js';
import { systemClock, type Clock } from './clock.js';
import { CompletionBatcher } from './completions.js';
import { Dispatcher } from './dispatcher.js';
import { EngineEmitter } from './events.js';
import { summarizeHandlers } from './handlers.js';
import { DatabaseClock } from './database-clock.js';
import { Leases } from './leases.js';
import { LocalLeases } from './local-leases.js';
import { Relay } from './relay.js';
import { LocalWorker, type LocalHandlerOptions, type LocalMethod } from './local-worker.js';
import { Reaper } from './reaper.js';
import { Reservations } from './reservations.js';
import { retryDecider } from './retry.js';
import type { RunLogRead } from './run-log-follower.js';
import { DEFAULT_RUN_LOG_CAPS, LocalLogBatcher } from './run-logs.js';
import { Timekeeper } from './timekeeper.js';
import { HandlerCatalog, type MethodInfo } from '../handlers/catalog.js';
import { EMPTY_REGISTRY } from '../handlers/registry.js';
import {
  DEFAULT_SCHEDULE_SETTINGS,
  type CompleteManyResult,
  type CompleteOutcome,
  type CompletionReport,
  type EngineOptions,
  type HandlerView,
  type OneOffRunInput,
  type RegisterWorkerInput,
  type ScheduleDefaults,
  type ScheduleInput,
  type SchedulePatchInput,
} from './types.js';

export * from './types.js';

/** On a shared database: the longest a missed notification delays firing or dispatching. */
const SHARED_RECHECK_MS = 1_000;

/** The meta key of the method info that workers of a handler declared (shared databases). */
function methodInfoKey(handler: string): string {
  return `method_info:${handler}`;
}

/** How often a node measures its clock's offset from the database's again (clocks drift slowly). */
const DATABASE_CLOCK_SYNC_MS = 30_000;

/**
 * On a shared database: the lease of in-process workers, renewed every second. A node that dies
 * holds its runs at most this long plus one housekeeping pass of another node: under 5 seconds.
 */
const SHARED_LOCAL_LEASE_SECONDS = 3;

/** Log lines for engine.appendRunLogs; `at` defaults to now, `stream` to `log`. */
export interface RunLogAppendInput {
  /** The remote worker sending them (it must hold the running run). */
  worker_id?: string;
  attempt?: number;
  lines: { message: string; stream?: LogStream; at?: number }[];
}

/**
 * The scheduling engine: the one API that the REST routes, the worker protocol, the CLI's
 * server and (later) the portal's microsites use. It owns the timekeeper (fires schedules), the
 * dispatcher (hands runs to workers) and the reaper (timeouts, lost workers, retention), and
 * touches state only through the Store.
 */
export class Engine {
  readonly events = new EngineEmitter();
  readonly store: Store;
  readonly heartbeatSeconds: number;
  readonly leaseSeconds: number;
  /** The lease of in-process workers (see EngineOptions.localLeaseSeconds). */
  readonly localLeaseSeconds: number;
  private readonly clock: Clock;
  /** On a shared database, the clock every part of the engine reads: the database's. */
  private readonly databaseClock: DatabaseClock | null;
  private readonly logger: Logger;
  private readonly defaults: ScheduleDefaults;
  /** What is known of handlers' methods (registry file and workers' declarations). */
  readonly catalog: HandlerCatalog;
  private readonly decide;
  private readonly dispatcher: Dispatcher;
  private readonly completions: CompletionBatcher;
  private readonly leases: Leases;
  private timekeeper: Timekeeper | null = null;
  private reaper: Reaper | null = null;
  private localLeases: LocalLeases | null = null;
  /** On a shared database: other nodes' runs and log lines for this node's live views. */
  private relay: Relay | null = null;
  private readonly pendingLocals: LocalWorker[] = [];
  /** How much log each run keeps. */
  readonly logCaps: RunLogCaps = DEFAULT_RUN_LOG_CAPS;
  /** ctx.log lines of in-process handlers, stored once per turn of the event loop. */
  private readonly localLogs: LocalLogBatcher;
  private started = false;
  private stopping = false;
  /**
   * Other scheduler nodes may share the database: their in-process workers are not ours to
   * expire, their inserts reach us only as notifications, and we look again every second.
   */
  private readonly shared: boolean;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    const base = options.clock ?? systemClock;
    const readDatabaseTime = this.store.databaseTime?.bind(this.store);
    this.databaseClock = readDatabaseTime && options.databaseClock !== false ? new DatabaseClock(readDatabaseTime, base, this.logger) : null;
    this.clock = this.databaseClock ?? base;
    this.heartbeatSeconds = options.heartbeatSeconds ?? 10;
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.defaults = { ...DEFAULT_SCHEDULE_SETTINGS, ...options.defaults };
    this.catalog = options.catalog ?? new HandlerCatalog(EMPTY_REGISTRY);
    this.decide = retryDecider(() => this.clock.now());
    this.shared = this.store.kind === 'postgres';
    this.localLeaseSeconds = options.localLeaseSeconds ?? (this.shared ? SHARED_LOCAL_LEASE_SECONDS : this.leaseSeconds);
    this.completions = new CompletionBatcher(this.store, this.clock, this.decide);
    this.leases = new Leases(this.store, this.clock, this.leaseSeconds * 1000);
    this.events.on('worker.changed', (worker) => {
      if (worker.status !== 'online') this.leases.forget(worker.id);
    });
    this.localLogs = new LocalLogBatcher({
      caps: this.logCaps,
      now: () => this.clock.now(),
      logger: this.logger,
      append: (runId, lines) => this.storeLogs(runId, lines),
    });
    this.dispatcher = new Dispatcher({
      store: this.store,
      clock: this.clock,
      events: this.events,
      logger: this.logger,
    });
  }

  get isRunning(): boolean {
    return this.started && !this.stopping;
  }

  /**
   * Start firing and dispatching. With an embedded database, in-process workers of a previous
   * process are declared lost first (their runs are retried per policy): nothing else can be
   * running them. On a shared database they may be other nodes' live workers: a dead node's
   * in-process workers expire by lease like remote ones (each live node renews its own).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.databaseClock) {
      await this.databaseClock.sync().catch((err: unknown) => this.logger.warn({ err }, 'could not read the database clock; measuring again shortly'));
      this.databaseClock.start(DATABASE_CLOCK_SYNC_MS);
    }
    const now = this.clock.now();
    if (!this.shared) {
      const recovered = await this.store.expireWorkers(now, this.decide, 'local');
      if (recovered.runs.length > 0) {
        this.logger.warn({ runs: recovered.runs.length }, 'in-process runs interrupted by the last shutdown: retried or marked lost');
        for (const run of recovered.runs) this.events.emit('run.updated', run);
      }
    }
    for (const local of this.pendingLocals.splice(0)) await this.attachLocal(local);

    this.timekeeper = new Timekeeper({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      dispatcher: this.dispatcher,
      compile: (s) => compileTrigger(s.trigger),
      batchSize: this.options.fireBatchSize ?? 500,
      startedAt: now,
      ...(this.shared ? { maxSleepMs: SHARED_RECHECK_MS } : {}),
      announce: (runs) => this.announceRuns(runs),
    });
    this.reaper = new Reaper({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      dispatcher: this.dispatcher,
      decide: this.decide,
      leaseMs: this.leaseSeconds * 1000,
      holdAfterOutageMs: this.localLeaseSeconds * 1000,
      // Workers heartbeat each running job every heartbeat_seconds; a lease's worth on top of that.
      silenceMs: (this.heartbeatSeconds + this.leaseSeconds) * 1000,
      intervalMs: this.options.reapIntervalMs ?? 1000,
      retention: this.options.retention ?? { days: 30, runs_per_schedule: 1000 },
      pruneIntervalMs: 3600_000,
      announce: (runs) => this.announceRuns(runs),
    });
    this.localLeases = new LocalLeases({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      dispatcher: this.dispatcher,
      leaseMs: this.localLeaseSeconds * 1000,
      decide: this.decide,
      reattach: (local) => this.reattachLocal(local),
      ended: (runs) => {
        for (const run of runs) this.events.emit('run.updated', run);
        this.dispatcher.notifyRuns(runs);
        this.announceRuns(runs);
      },
    });
    if (this.shared) {
      this.relay = new Relay(this.store, this.events, this.logger);
      this.relay.start();
      // Method schemas that workers declared through other nodes (before this one started).
      const handlers = new Set((await this.store.listWorkers({ status: ['online'] })).filter((w) => w.kind === 'remote').map((w) => w.handler));
      for (const handler of handlers) await this.loadMethodInfo(handler);
    }
    this.unsubscribe = this.store.subscribe?.((event) => this.onStoreEvent(event));
    this.timekeeper.start();
    this.reaper.start();
    this.localLeases.start();
    if (this.shared) this.dispatcher.startSlowPoll(SHARED_RECHECK_MS);
    // Work that was queued before the start (or retries now due) is handed out at once.
    this.dispatcher.notify(this.dispatcher.localWorkers().map((l) => l.handler));
    void this.dispatcher.armAvailabilityTimer();
    this.logger.info({ store: this.store.kind }, 'engine started');
  }

  /**
   * Stop: no new occurrences are fired and no work handed out; waiting polls return empty.
   * In-process runs get `graceMs` to finish, then are aborted (and retried after the next start).
   * Remote workers keep their runs and report them when the server is back.
   */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.relay?.stop();
    this.dispatcher.stop();
    await this.timekeeper?.stop();
    await Promise.all(this.dispatcher.localWorkers().map((l) => l.stop(graceMs)));
    await this.localLogs.drain();
    await this.reaper?.stop();
    await this.localLeases?.stop();
    if (this.shared) await this.releaseLocals();
    this.databaseClock?.stop();
    this.logger.info({}, 'engine stopped');
  }

  /**
   * On a shared database, the other nodes take over this node's unfinished in-process runs now
   * rather than after the lease: the workers leave (runs retried per policy) and the others
   * are told.
   */
  private async releaseLocals(): Promise<void> {
    const released: RunRow[] = [];
    for (const local of this.dispatcher.localWorkers()) {
      try {
        const { worker, runs } = await this.store.removeWorker(local.id, this.clock.now(), this.decide);
        if (worker) this.events.emit('worker.changed', worker);
        for (const run of runs) this.events.emit('run.updated', run);
        released.push(...runs);
      } catch (err) {
        this.logger.warn({ err, worker_id: local.id }, 'could not release an in-process worker; its lease will expire');
      }
    }
    this.announceRuns(released);
  }

  /** What workers registered through other nodes declared about a handler's methods. */
  private async loadMethodInfo(handler: string): Promise<void> {
    try {
      const text = await this.store.getMeta(methodInfoKey(handler));
      if (text) this.catalog.learn(handler, JSON.parse(text) as Record<string, MethodInfo>);
    } catch (err) {
      this.logger.warn({ err, handler }, "could not read a handler's method info declared through another node");
    }
  }

  /**
   * A live view (a server-sent event stream) opened on this node: until the returned function is
   * called, the work of the other nodes sharing the database is relayed to this node's events.
   */
  watchLive(): () => void {
    return this.relay?.watch() ?? (() => undefined);
  }

  /** Another node inserted runs or changed schedules. */
  private onStoreEvent(event: StoreEvent): void {
    if (this.stopping) return;
    if (event.kind === 'runs') this.dispatcher.notify(event.handlers);
    else if (event.kind === 'schedules') this.timekeeper?.wake();
    else if (event.kind === 'activity') {
      void this.relay?.receive(event.runs, event.logs);
      for (const handler of event.methodInfo ?? []) void this.loadMethodInfo(handler);
    }
    else {
      // Notifications were lost while the connection was down: look at everything again.
      this.timekeeper?.wake();
      this.dispatcher.notify(this.dispatcher.handlers());
      void this.dispatcher.armAvailabilityTimer();
    }
  }

  /** Tell the other nodes (shared database only) about runs that can be claimed now. */
  private announceRuns(runs: RunRow[]): void {
    if (!this.store.announce || runs.length === 0) return;
    const now = this.clock.now();
    const handlers = new Set<string>();
    for (const run of runs) if (run.status === 'queued' && run.available_at <= now) handlers.add(run.handler);
    // Runs available later are found by the other nodes' slow poll.
    if (handlers.size > 0) this.store.announce({ kind: 'runs', handlers: [...handlers] });
  }

  // --- in-process handlers -----------------------------------------------------------------

  /** Register functions that run inside this process as handler `handler`. */
  async registerLocalHandler(
    handler: string,
    methods: Record<string, LocalMethod>,
    options: LocalHandlerOptions = {},
  ): Promise<void> {
    if (this.dispatcher.localFor(handler) || this.pendingLocals.some((l) => l.handler === handler)) throw new ConflictError('handler_exists', `in-process handler "${handler}" is already registered`);
    const local = new LocalWorker(handler, new Map(Object.entries(methods)), options, {
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      complete: (runId, workerId, end) => this.completions.submit(runId, workerId, end),
      onSettled: (run) => this.afterRunChange(run),
      onStarted: (runs) => this.events.emit('runs.started', runs),
      log: (runId, attempt, stream, message) => this.localLogs.add(runId, attempt, stream, message),
    });
    if (this.started) await this.attachLocal(local);
    else this.pendingLocals.push(local);
  }

  /**
   * Take an in-process handler away (a ZeroMQ handler that left, a handler re-registering):
   * running jobs get `graceMs`, then its worker leaves and unfinished runs are retried or failed
   * by their policy.
   */
  async unregisterLocalHandler(handler: string, graceMs = 0): Promise<void> {
    const pending = this.pendingLocals.findIndex((l) => l.handler === handler);
    if (pending >= 0) {
      this.pendingLocals.splice(pending, 1);
      return;
    }
    const local = this.dispatcher.localFor(handler);
    if (!local) throw new NotFoundError('handler_not_found', `no in-process handler "${handler}" is registered`);
    await local.stop(graceMs);
    this.dispatcher.removeLocal(handler);
    const { worker, runs } = await this.store.removeWorker(local.id, this.clock.now(), this.decide);
    if (worker) this.events.emit('worker.changed', worker);
    for (const run of runs) this.afterRunChange(run);
  }

  /**
   * An in-process worker whose lease other nodes expired (this node was frozen or cut off from
   * the database longer than the lease): its runs were retried elsewhere. Runs it still has
   * here are stopped (their results would be refused), and it registers again.
   */
  private async reattachLocal(local: LocalWorker): Promise<void> {
    this.logger.warn({ worker_id: local.id, handler: local.handler }, 'in-process worker lost its lease; its runs were taken over by other nodes; registering again');
    local.abortAll('the lease was lost: the run was handed to another node');
    await this.attachLocal(local);
  }

  private async attachLocal(local: LocalWorker): Promise<void> {
    const now = this.clock.now();
    const worker = await this.store.registerWorker({
      id: local.id,
      kind: 'local',
      handler: local.handler,
      methods: local.methodNames,
      concurrency: local.concurrency,
      name: 'in-process',
      version: null,
      registered_at: now,
      expires_at: now + this.localLeaseSeconds * 1000,
    });
    this.dispatcher.addLocal(local);
    this.events.emit('worker.changed', worker);
    if (this.started) this.dispatcher.notify([local.handler]);
  }

  // --- schedules -----------------------------------------------------------------------------

  async createSchedule(input: ScheduleInput): Promise<ScheduleRow> {
    const now = this.clock.now();
    const trigger = parseTrigger(input.trigger, { now });
    const compiled = compileTrigger(trigger);
    const paused = input.paused ?? false;
    const params = (input.params ?? {}) as JsonObject;
    const policy = this.methodPolicy(input.handler, input.method, params, input.retry, input.timeout_seconds);
    const row: NewSchedule = {
      id: input.id ?? newId(),
      name: input.name ?? null,
      handler: input.handler,
      method: input.method,
      params,
      trigger,
      misfire_grace_seconds: input.misfire_grace_seconds === undefined ? this.defaults.misfire_grace_seconds : input.misfire_grace_seconds,
      catch_up: input.catch_up ?? this.defaults.catch_up,
      catch_up_limit: input.catch_up_limit ?? this.defaults.catch_up_limit,
      max_instances: input.max_instances ?? this.defaults.max_instances,
      max_jitter_seconds: input.max_jitter_seconds ?? this.defaults.max_jitter_seconds,
      retry: policy.retry,
      timeout_seconds: policy.timeout_seconds,
      paused,
      next_run_at: paused ? null : compiled.first(now),
      created_at: now,
      updated_at: now,
    };
    const saved = await this.store.createSchedule(row);
    this.scheduleChanged(saved);
    return saved;
  }

  async getSchedule(id: string): Promise<ScheduleRow> {
    const schedule = await this.store.getSchedule(id);
    if (!schedule) throw new NotFoundError('schedule_not_found', `schedule "${id}" does not exist`);
    return schedule;
  }

  listSchedules(query: ScheduleQuery): Promise<Page<ScheduleRow>> {
    return this.store.listSchedules(query);
  }

  /**
   * Change a schedule. A new trigger, or a change of pause state, recomputes next_run_at from
   * now; other edits keep the pending occurrence.
   */
  async updateSchedule(id: string, patch: SchedulePatchInput): Promise<ScheduleRow> {
    // Optimistic concurrency: re-read and retry if someone else (or the timekeeper) wrote between.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getSchedule(id);
      if (patch.params !== undefined || patch.handler !== undefined || patch.method !== undefined) {
        const params = patch.params === undefined ? current.params : (patch.params as JsonObject);
        this.catalog.check(patch.handler ?? current.handler, patch.method ?? current.method, params);
      }
      const now = this.clock.now();
      const trigger = patch.trigger === undefined ? current.trigger : parseTrigger(patch.trigger, { now });
      const paused = patch.paused ?? current.paused;
      let nextRunAt = current.next_run_at;
      if (patch.trigger !== undefined || paused !== current.paused) {
        nextRunAt = paused ? null : this.firstOccurrence(compileTrigger(trigger), current, now);
      }
      const updated = await this.store.updateSchedule(
        {
          id,
          name: patch.name === undefined ? current.name : patch.name,
          handler: patch.handler ?? current.handler,
          method: patch.method ?? current.method,
          params: patch.params === undefined ? current.params : (patch.params as JsonObject),
          trigger,
          misfire_grace_seconds: patch.misfire_grace_seconds === undefined ? current.misfire_grace_seconds : patch.misfire_grace_seconds,
          catch_up: patch.catch_up ?? current.catch_up,
          catch_up_limit: patch.catch_up_limit ?? current.catch_up_limit,
          max_instances: patch.max_instances ?? current.max_instances,
          max_jitter_seconds: patch.max_jitter_seconds ?? current.max_jitter_seconds,
          retry: patch.retry === undefined ? current.retry : { ...current.retry, ...this.clean(patch.retry) },
          timeout_seconds: patch.timeout_seconds === undefined ? current.timeout_seconds : patch.timeout_seconds,
          paused,
          next_run_at: nextRunAt,
          updated_at: now,
        },
        current.version,
      );
      if (updated) {
        this.scheduleChanged(updated);
        return updated;
      }
    }
    throw new ConflictError('concurrent_update', `schedule "${id}" changed while being updated; try again`);
  }

  pauseSchedule(id: string): Promise<ScheduleRow> {
    return this.updateSchedule(id, { paused: true });
  }

  resumeSchedule(id: string): Promise<ScheduleRow> {
    return this.updateSchedule(id, { paused: false });
  }

  async deleteSchedule(id: string): Promise<void> {
    const { deleted, runs } = await this.store.deleteSchedule(id, this.clock.now());
    if (!deleted) throw new NotFoundError('schedule_not_found', `schedule "${id}" does not exist`);
    for (const run of runs) {
      this.dispatcher.localFor(run.handler)?.abort(run.id, 'schedule deleted');
      this.events.emit('run.updated', run);
    }
    this.events.emit('schedule.changed', null, id);
  }

  /** Run a schedule's job now, outside its trigger (not counted against max_instances). */
  async runScheduleNow(id: string): Promise<RunRow> {
    const schedule = await this.getSchedule(id);
    const now = this.clock.now();
    const [run] = await this.insertRuns([
      {
        id: newId(),
        schedule_id: schedule.id,
        origin: 'manual',
        handler: schedule.handler,
        method: schedule.method,
        params: schedule.params,
        status: 'queued',
        retry: schedule.retry,
        timeout_seconds: schedule.timeout_seconds,
        scheduled_at: now,
        available_at: now,
        start_by: null,
        created_at: now,
      },
    ]);
    return run!;
  }

  /** The next `count` occurrences (from next_run_at; for a paused schedule, as if resumed now). */
  async upcoming(id: string, count: number): Promise<{ schedule: ScheduleRow; times: number[]; description: string }> {
    const schedule = await this.getSchedule(id);
    const trigger = compileTrigger(schedule.trigger);
    const times: number[] = [];
    let t = schedule.paused ? this.firstOccurrence(trigger, schedule, this.clock.now()) : schedule.next_run_at;
    while (t !== null && times.length < count) {
      times.push(t);
      t = trigger.next(t);
    }
    return { schedule, times, description: trigger.describe() };
  }

  /** The unpaused schedules that fire next, soonest first. */
  nextDue(limit: number): Promise<ScheduleRow[]> {
    return this.store.listNextDue(Math.max(1, Math.min(limit, 500)));
  }

  describeTrigger(schedule: ScheduleRow): string {
    return compileTrigger(schedule.trigger).describe();
  }

  // --- runs ----------------------------------------------------------------------------------

  async createRun(input: OneOffRunInput): Promise<RunRow> {
    const [run] = await this.createRuns([input]);
    return run!;
  }

  /** One-off runs (no schedule), in one transaction. */
  async createRuns(inputs: OneOffRunInput[]): Promise<RunRow[]> {
    const now = this.clock.now();
    return this.insertRuns(
      inputs.map((input) => {
        const params = (input.params ?? {}) as JsonObject;
        const policy = this.methodPolicy(input.handler, input.method, params, input.retry, input.timeout_seconds);
        return {
          id: newId(),
          schedule_id: null,
          origin: 'one_off' as const,
          handler: input.handler,
          method: input.method,
          params,
          status: 'queued' as const,
          retry: policy.retry,
          timeout_seconds: policy.timeout_seconds,
          scheduled_at: now,
          available_at: now,
          start_by: null,
          created_at: now,
        };
      }),
    );
  }

  async getRun(id: string): Promise<{ run: RunRow; attempts: AttemptRow[] }> {
    const run = await this.store.getRun(id);
    if (!run) throw new NotFoundError('run_not_found', `run "${id}" does not exist`);
    return { run, attempts: await this.store.getAttempts(id) };
  }

  listRuns(query: RunQuery): Promise<Page<RunRow>> {
    return this.store.listRuns(query);
  }

  runStats(query: RunStatsQuery): Promise<RunStats> {
    return this.store.runStats(query);
  }

  runTimeline(query: RunTimelineQuery): Promise<RunTimelineBucket[]> {
    return this.store.runTimeline(query);
  }

  /**
   * Run a finished run's job again as a new run: a schedule's run through runScheduleNow (the
   * schedule's current params), a one-off with the same handler, method, params and policies.
   */
  async retryRun(id: string): Promise<RunRow> {
    const { run } = await this.getRun(id);
    if (!isTerminal(run.status)) throw new ConflictError('run_not_finished', `run "${id}" is ${run.status}; only a finished run can be run again`);
    if (run.schedule_id !== null && (await this.store.getSchedule(run.schedule_id))) return this.runScheduleNow(run.schedule_id);
    return this.createRun({ handler: run.handler, method: run.method, params: run.params, retry: run.retry, timeout_seconds: run.timeout_seconds });
  }

  async cancelRun(id: string, message = 'cancelled by request'): Promise<RunRow> {
    const result = await this.store.cancelRun(id, this.clock.now(), message);
    if (!result.ok) {
      if (result.reason === 'run_not_found') throw new NotFoundError('run_not_found', `run "${id}" does not exist`);
      throw new ConflictError('run_finished', `run "${id}" has already finished (${result.run?.status})`);
    }
    this.dispatcher.localFor(result.run.handler)?.abort(id, message);
    this.events.emit('run.updated', result.run);
    return result.run;
  }

  // --- run logs ------------------------------------------------------------------------------

  /**
   * Add log lines to a run. With `worker_id` (a remote worker) only the worker running the run
   * (and, with `attempt`, that attempt) may: else 409, as for heartbeats. Without it (the
   * server's own handlers) the lines belong to `attempt`, or to the run's current attempt.
   * Lines past the run's caps are dropped (see RunLogCaps); the stored ones are announced as
   * `run.logs`. The owner is checked just before the write, not inside it: lines that race their
   * run's completion still belong to it.
   */
  async appendRunLogs(runId: string, input: RunLogAppendInput): Promise<{ accepted: number; dropped: number; truncated: boolean }> {
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFoundError('run_not_found', `run "${runId}" does not exist`);
    let attempt: number | null;
    if (input.worker_id !== undefined) {
      await this.leases.seen(input.worker_id);
      if (run.status !== 'running') {
        throw new ConflictError('run_not_running', `run "${runId}" is not running (status ${run.status}); its log is closed`);
      }
      if (run.worker_id !== input.worker_id || (input.attempt !== undefined && input.attempt !== run.attempt)) {
        throw new ConflictError('not_owner', `run "${runId}" is not assigned to worker "${input.worker_id}"${input.attempt !== undefined ? ` (attempt ${input.attempt})` : ''}`);
      }
      attempt = run.attempt;
    } else {
      attempt = input.attempt ?? (run.attempt > 0 ? run.attempt : null);
    }
    const now = this.clock.now();
    const result = await this.storeLogs(
      runId,
      input.lines.map((line) => ({ at: line.at ?? now, stream: line.stream ?? 'log', message: line.message, attempt })),
    );
    if (!result) throw new NotFoundError('run_not_found', `run "${runId}" does not exist`);
    return { accepted: result.accepted, dropped: result.dropped, truncated: result.truncated };
  }

  /** A run's log lines after seq `after`, oldest first, with the run's status (read first). */
  async listRunLogs(runId: string, query: { after?: number; limit: number }): Promise<RunLogRead> {
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFoundError('run_not_found', `run "${runId}" does not exist`);
    const page = await this.store.listRunLogs(runId, { after_seq: query.after ?? 0, limit: query.limit });
    return { ...page, run_status: run.status };
  }

  private async storeLogs(runId: string, lines: NewRunLogLine[]): Promise<AppendRunLogsResult | null> {
    const result = await this.store.appendRunLogs(runId, lines, this.logCaps);
    if (result && result.lines.length > 0) this.events.emit('run.logs', runId, result.lines, result.truncated);
    return result;
  }

  // --- the worker protocol ------------------------------------------------------------------

  async registerWorker(input: RegisterWorkerInput): Promise<WorkerRow> {
    this.assertAccepting();
    if (input.method_info) {
      this.catalog.learn(input.handler, input.method_info);
      // The other nodes validate params by the same schemas: through the database, and a word.
      if (this.shared) {
        await this.store.setMeta(methodInfoKey(input.handler), JSON.stringify(this.catalog.declared(input.handler)));
        this.store.announce?.({ kind: 'activity', runs: [], logs: [], methodInfo: [input.handler] });
      }
    }
    const now = this.clock.now();
    const worker = await this.store.registerWorker({
      id: `w-${newId()}`,
      kind: 'remote',
      handler: input.handler,
      methods: input.methods,
      concurrency: input.concurrency ?? 1,
      name: input.name ?? null,
      version: input.version ?? null,
      registered_at: now,
      expires_at: now + this.leaseSeconds * 1000,
    });
    this.logger.info({ worker_id: worker.id, handler: worker.handler, methods: worker.methods }, 'worker registered');
    this.events.emit('worker.changed', worker);
    return worker;
  }

  /** A long poll. Also renews the worker's lease for the time it waits. */
  async poll(workerId: string, maxJobs: number, waitMs: number, signal: AbortSignal): Promise<RunRow[]> {
    const worker = await this.leases.seen(workerId, waitMs);
    if (!worker || worker.kind !== 'remote') throw this.unknownWorker(workerId);
    if (this.stopping) return [];
    return this.dispatcher.poll(worker, maxJobs, waitMs, signal);
  }

  async heartbeat(runId: string, workerId: string, progress?: number, message?: string, attempt?: number): Promise<boolean> {
    await this.leases.seen(workerId);
    const result = await this.store.heartbeatRun(runId, workerId, this.clock.now(), progress, message, attempt);
    if (!result.ok && result.reason === 'run_not_found') throw new NotFoundError('run_not_found', `run "${runId}" does not exist`);
    if (!result.ok) throw new ConflictError('not_owner', `run "${runId}" is not assigned to worker "${workerId}"`);
    return result.cancel_requested;
  }

  /** The owning worker reports the end of the running attempt (one HTTP completion). */
  async complete(runId: string, workerId: string, report: CompletionReport): Promise<CompleteOutcome> {
    await this.leases.seen(workerId);
    return this.record(runId, workerId, report);
  }

  private async record(runId: string, workerId: string, report: CompletionReport): Promise<CompleteOutcome> {
    const result = (report.result ?? null) as JsonValue | null;
    const outcome = await this.completions.submit(
      runId,
      workerId,
      report.status === 'succeeded'
        ? { status: 'succeeded', result }
        : { status: 'failed', error: report.error ?? { message: 'failed (no error given)' }, result },
      report.attempt,
    );
    if (!outcome.ok) {
      if (outcome.reason === 'run_not_found') throw new NotFoundError('run_not_found', `run "${runId}" does not exist`);
      if (outcome.reason === 'not_owner') throw new ConflictError('not_owner', `run "${runId}" is not assigned to worker "${workerId}"`);
      throw new ConflictError('run_not_running', `run "${runId}" is not running (status ${outcome.run?.status}); the result was not recorded`);
    }
    this.afterRunChange(outcome.run);
    return { run: outcome.run, retry_at: outcome.run.status === 'queued' ? outcome.run.available_at : null };
  }

  /**
   * Several completions from one worker (the protocol's batch form). Each is accepted or refused
   * on its own; they are written together by the group-committing completer.
   */
  async completeMany(workerId: string, reports: (CompletionReport & { run_id: string })[]): Promise<CompleteManyResult[]> {
    await this.leases.seen(workerId);
    return Promise.all(
      reports.map(async ({ run_id, ...report }): Promise<CompleteManyResult> => {
        try {
          return { run_id, outcome: await this.record(run_id, workerId, report) };
        } catch (err) {
          if (err instanceof AppError) return { run_id, error: err };
          throw err;
        }
      }),
    );
  }

  async leave(workerId: string): Promise<void> {
    const { worker, runs } = await this.store.removeWorker(workerId, this.clock.now(), this.decide);
    if (!worker || worker.kind !== 'remote') throw this.unknownWorker(workerId);
    this.dispatcher.dropWorker(workerId);
    this.leases.forget(workerId);
    this.events.emit('worker.changed', worker);
    for (const run of runs) this.afterRunChange(run);
  }

  async listHandlers(): Promise<HandlerView[]> {
    const workers = await this.store.listWorkers();
    const running = await this.store.runningCounts(workers.filter((w) => w.status === 'online').map((w) => w.id));
    return summarizeHandlers(workers, running, this.clock.now());
  }

  // --- internals -----------------------------------------------------------------------------

  private async insertRuns(runs: NewRun[]): Promise<RunRow[]> {
    this.assertAccepting();
    const reservations = new Reservations(this.dispatcher, this.clock.now());
    for (const run of runs) {
      const claimed = reservations.claimFor(run);
      if (claimed) run.claimed = claimed;
    }
    let saved: RunRow[];
    try {
      saved = await this.store.insertRuns(runs);
    } catch (err) {
      reservations.release();
      throw err;
    }
    this.events.emit('runs.created', saved);
    reservations.settle(saved);
    this.dispatcher.notifyRuns(saved);
    this.announceRuns(saved);
    return saved;
  }

  private afterRunChange(run: RunRow): void {
    this.events.emit('run.updated', run);
    if (run.status === 'queued') {
      this.dispatcher.notifyRuns([run]);
      this.announceRuns([run]);
    }
  }

  private scheduleChanged(schedule: ScheduleRow): void {
    this.events.emit('schedule.changed', schedule, schedule.id);
    this.timekeeper?.wake();
    this.store.announce?.({ kind: 'schedules' });
  }

  /** A date trigger that already fired has no further occurrence, even when resumed. */
  private firstOccurrence(trigger: Trigger, schedule: ScheduleRow, now: number): number | null {
    if (schedule.trigger.type === 'date' && schedule.last_run_at !== null) return null;
    return trigger.first(now);
  }

  /**
   * Check params against the method's schema, and fill timeout and retry: what the input says,
   * else the method's defaults (registry), else the engine's.
   */
  private methodPolicy(
    handler: string,
    method: string,
    params: JsonObject,
    retry: Partial<RetryPolicy> | undefined,
    timeout: number | null | undefined,
  ): { retry: RetryPolicy; timeout_seconds: number | null } {
    this.catalog.check(handler, method, params);
    const spec = this.catalog.method(handler, method);
    return {
      retry: this.retryPolicy({ ...this.clean(spec?.retry), ...this.clean(retry) }),
      timeout_seconds: timeout !== undefined ? timeout : spec?.timeout_seconds !== undefined ? spec.timeout_seconds : this.defaults.timeout_seconds,
    };
  }

  private retryPolicy(input: Partial<RetryPolicy> | undefined): RetryPolicy {
    const policy = { ...this.defaults.retry, ...this.clean(input) };
    if (policy.max_delay_seconds < policy.initial_delay_seconds) {
      throw new ValidationError('retry.max_delay_seconds must be at least retry.initial_delay_seconds', 'retry.max_delay_seconds');
    }
    return policy;
  }

  private clean<T extends object>(value: T | undefined): Partial<T> {
    if (!value) return {};
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
  }

  private assertAccepting(): void {
    if (this.stopping) throw new AppError(503, 'shutting_down', 'the server is shutting down; try again shortly');
  }

  private unknownWorker(workerId: string): NotFoundError {
    return new NotFoundError('worker_not_found', `worker "${workerId}" is not registered (or its lease expired): register again`);
  }
}
