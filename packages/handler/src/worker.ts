import { hostname } from 'node:os';
import { Backoff, settlesWithin, sleep } from './backoff.js';
import { Completer } from './completer.js';
import { ProtocolClient } from './client.js';
import { ApiError, RequestAbortedError, describeError, isApiError, isTransient } from './errors.js';
import { JobRun, type Method } from './job.js';
import { consoleLogger, type Logger } from './logger.js';
import { LIMITS, type Job, type MethodInfo, type Registration } from './protocol.js';

export interface WorkerOptions {
  /** Base URL of the ScheduleZero server, e.g. `http://127.0.0.1:8888`. */
  server: string;
  /** API token, sent as `Authorization: Bearer <token>`, when the server has tokens configured. */
  token?: string;
  /** The handler name schedules target. */
  handler: string;
  /** The methods this worker runs, by name. */
  methods: Record<string, Method>;
  /**
   * Per method: a description and the JSON Schema of its params, sent when the worker registers.
   * The server then refuses schedules and runs whose params break the schema (400 naming the field).
   */
  methodInfo?: Record<string, MethodInfo>;
  /** Jobs run at once. Default 1. */
  concurrency?: number;
  /** Shown in the portal next to the worker. Default: the host name and pid. */
  name?: string;
  version?: string;
  /** How long one poll waits for work (0 to 60). Default 30. */
  pollWaitSeconds?: number;
  /** stop() lets running jobs finish this long before it aborts them. Default 30,000. */
  shutdownGraceMs?: number;
  /** Default: one line per event on stderr. */
  logger?: Logger;
  /** Send requests with this fetch (e.g. one that goes through a proxy). Default: node:http with keep-alive. */
  fetch?: typeof fetch;
  /** Requests (but polls) that take longer count as failed to connect. Default 30,000. */
  requestTimeoutMs?: number;
  /** Back-off between attempts to reach an unreachable server. Default 200 ms growing to 5,000. */
  retryDelayMs?: { initial?: number; max?: number };
}

export type WorkerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Methods that ignore their signal get this long after the abort before they are abandoned. */
const ABANDON_AFTER_MS = 5_000;
/** After that, completions that cannot be delivered are retried this long. */
const REPORT_AFTER_MS = 10_000;
const LEAVE_TIMEOUT_MS = 5_000;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/;

function checkName(kind: string, name: string): void {
  if (name.length === 0 || name.length > 128 || !NAME_PATTERN.test(name)) {
    throw new TypeError(
      `${kind} "${name}" is not a valid name: 1 to 128 letters, digits and . _ : @ / -, starting with a letter or digit`,
    );
  }
}

/**
 * A ScheduleZero worker: registers the handler's methods, long-polls for as many jobs as it has
 * free slots, runs each with heartbeats, and reports the outcome. It rides out an unreachable
 * or restarting server (back-off and retry), registers again when the server forgot it, and
 * stops gracefully. See docs/protocol.md.
 */
export class Worker {
  readonly handler: string;
  readonly concurrency: number;
  private readonly methods: ReadonlyMap<string, Method>;
  private readonly client: ProtocolClient;
  private readonly completer: Completer;
  private readonly logger: Logger;
  private readonly pollWaitSeconds: number;
  private readonly shutdownGraceMs: number;
  private readonly retryDelay: { initial: number; max: number };
  private readonly jobs = new Set<JobRun>();
  /** Aborts waits, polls and registration attempts when stop() begins. */
  private readonly stopping = new AbortController();
  /** Ends retries of completions that cannot be delivered, late in a stop. */
  private readonly giveUp = new AbortController();
  private registration: Registration | null = null;
  private status: WorkerState = 'idle';
  private startPromise: Promise<void> | null = null;
  private loopPromise: Promise<void> = Promise.resolve();
  private stopPromise: Promise<void> | null = null;
  private slotWaiters: Array<() => void> = [];
  private resolveStopped!: () => void;
  private error: Error | null = null;

  /** Resolves when the worker has stopped: by stop(), a signal, or a fatal error (401). */
  readonly stopped: Promise<void>;

  constructor(private readonly options: WorkerOptions) {
    checkName('handler', options.handler);
    const names = Object.keys(options.methods);
    if (names.length === 0) throw new TypeError('a worker needs at least one method');
    for (const name of names) {
      checkName('method', name);
      if (typeof options.methods[name] !== 'function') throw new TypeError(`method "${name}" is not a function`);
    }
    for (const name of Object.keys(options.methodInfo ?? {})) {
      if (!(name in options.methods)) throw new TypeError(`methodInfo names "${name}", which is not one of the methods`);
    }
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > LIMITS.maxJobs) {
      throw new TypeError(`concurrency must be an integer from 1 to ${LIMITS.maxJobs}`);
    }
    const wait = options.pollWaitSeconds ?? 30;
    if (!(wait >= 0 && wait <= LIMITS.maxWaitSeconds)) throw new TypeError('pollWaitSeconds must be from 0 to 60');

    this.handler = options.handler;
    this.concurrency = concurrency;
    this.methods = new Map(Object.entries(options.methods));
    this.pollWaitSeconds = wait;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 30_000;
    this.logger = options.logger ?? consoleLogger;
    this.retryDelay = { initial: options.retryDelayMs?.initial ?? 200, max: options.retryDelayMs?.max ?? 5_000 };
    this.client = new ProtocolClient({
      server: options.server,
      ...(options.token ? { token: options.token } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    this.completer = new Completer(this.client);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** The id the server gave this worker (it changes when the worker registers again). */
  get id(): string | null {
    return this.registration?.worker_id ?? null;
  }

  get state(): WorkerState {
    return this.status;
  }

  /** Jobs running now (including those whose outcome is being reported). */
  get running(): number {
    return this.jobs.size;
  }

  /** The error that stopped the worker on its own (a 401), if any. */
  get fatalError(): Error | null {
    return this.error;
  }

  /**
   * Register and start polling. Resolves once registered; while the server cannot be reached
   * it keeps trying. Rejects when the server refuses the registration (a wrong token, an
   * invalid name). Resolves without starting when stop() is called meanwhile.
   */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    if (this.status !== 'idle') return Promise.reject(new Error(`the worker cannot start: it is ${this.status}`));
    this.status = 'starting';
    this.startPromise = (async () => {
      try {
        await this.register();
      } catch (err) {
        if (err instanceof RequestAbortedError) return; // stopped while starting
        this.status = 'stopped';
        this.client.close();
        this.resolveStopped();
        if (isApiError(err, 401)) throw new Error(this.unauthorizedMessage(err), { cause: err });
        throw err;
      }
      if (this.stopping.signal.aborted) return;
      this.status = 'running';
      this.loopPromise = this.loop();
    })();
    return this.startPromise;
  }

  /**
   * Stop gracefully: stop polling, let running jobs finish (abort them after shutdownGraceMs and
   * report them failed), then leave (`DELETE /workers/{id}`). Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /**
   * SIGTERM and SIGINT stop the worker gracefully; a second signal exits at once (code 130).
   * Returns a function that removes the handlers (they are removed after the stop, too).
   */
  installSignalHandlers(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const uninstall = () => {
      for (const s of signals) process.off(s, onSignal);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopPromise) {
        this.logger.warn(`${signal} again: exiting without waiting for running jobs`);
        process.exit(130);
      }
      this.logger.info(`${signal}: stopping (finishing ${this.jobs.size} running job(s); send it again to exit at once)`);
      void this.stop().finally(uninstall);
    };
    for (const s of signals) process.on(s, onSignal);
    return uninstall;
  }

  // --- internals -----------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    if (this.status === 'idle' || this.status === 'stopped') {
      this.status = 'stopped';
      this.resolveStopped();
      return;
    }
    this.status = 'stopping';
    this.stopping.abort();
    this.wakeSlotWaiters();
    await this.startPromise?.catch(() => {});
    await this.loopPromise;

    const all = () => Promise.all([...this.jobs].map((j) => j.done));
    if (this.jobs.size > 0 && !(await settlesWithin(all(), this.shutdownGraceMs))) {
      this.logger.warn(`grace period over: aborting ${this.jobs.size} running job(s)`);
      for (const job of this.jobs) job.abort('shutdown', 'the worker is stopping');
      if (!(await settlesWithin(all(), ABANDON_AFTER_MS))) {
        for (const job of this.jobs) job.abandon();
      }
    }
    if (this.jobs.size > 0 && !(await settlesWithin(all(), REPORT_AFTER_MS))) this.giveUp.abort();
    await all();

    const id = this.id;
    if (id) {
      try {
        await this.client.leave(id, { timeoutMs: LEAVE_TIMEOUT_MS });
        this.logger.info('left the server', { worker_id: id });
      } catch (err) {
        if (!isApiError(err, 404)) this.logger.warn(`could not leave the server: ${describeError(err)}`, { worker_id: id });
      }
    }
    this.client.close();
    this.status = 'stopped';
    this.resolveStopped();
  }

  /** Register; retries while the server cannot be reached. Throws ApiError (4xx) or RequestAbortedError. */
  private async register(): Promise<void> {
    const backoff = new Backoff(this.retryDelay.initial, this.retryDelay.max);
    let failures = 0;
    for (;;) {
      if (this.stopping.signal.aborted) throw new RequestAbortedError();
      try {
        this.registration = await this.client.register(
          {
            handler: this.handler,
            methods: [...this.methods.keys()],
            concurrency: this.concurrency,
            name: (this.options.name ?? defaultName()).slice(0, 200),
            ...(this.options.version ? { version: this.options.version.slice(0, 100) } : {}),
            ...(this.options.methodInfo ? { method_info: this.options.methodInfo } : {}),
          },
          { signal: this.stopping.signal },
        );
        this.logger.info('registered', {
          worker_id: this.registration.worker_id,
          handler: this.handler,
          methods: [...this.methods.keys()],
          concurrency: this.concurrency,
        });
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        if (failures++ === 0) this.logger.warn(`cannot register yet, retrying: ${describeError(err)}`);
        await sleep(backoff.next(), this.stopping.signal);
      }
    }
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff(this.retryDelay.initial, this.retryDelay.max);
    let failures = 0;
    while (this.status === 'running') {
      const free = this.concurrency - this.jobs.size;
      if (free <= 0) {
        await this.slotFreed();
        continue;
      }
      const registration = this.registration!;
      try {
        const { jobs } = await this.client.poll(
          registration.worker_id,
          { max_jobs: free, wait_seconds: this.pollWaitSeconds },
          { signal: this.stopping.signal },
        );
        if (failures > 0) this.logger.info('connected again');
        failures = 0;
        backoff.reset();
        if (jobs.length > free) this.logger.warn(`the server sent ${jobs.length} jobs for ${free} free slot(s)`);
        for (const job of jobs) this.startJob(job, registration);
      } catch (err) {
        if (this.status !== 'running') return;
        if (isApiError(err, 404, 'worker_not_found')) {
          this.logger.warn('the server does not know this worker (lost, or the database was reset): registering again', {
            worker_id: registration.worker_id,
          });
          if (!(await this.reRegister())) return;
          continue;
        }
        if (isApiError(err, 401)) {
          this.onUnauthorized(err);
          return;
        }
        if (failures++ === 0) {
          const retrying = isTransient(err) ? 'retrying' : 'retrying (this looks like a bug)';
          this.logger.warn(`poll failed, ${retrying}: ${describeError(err)}`);
        }
        await sleep(backoff.next(), this.stopping.signal);
      }
    }
  }

  /** false when the worker stops instead. */
  private async reRegister(): Promise<boolean> {
    try {
      await this.register();
      return true;
    } catch (err) {
      if (err instanceof RequestAbortedError) return false;
      if (isApiError(err, 401)) this.onUnauthorized(err);
      else {
        this.error = err instanceof Error ? err : new Error(String(err));
        this.logger.error(`registering again failed, stopping: ${describeError(err)}`);
        void this.stop();
      }
      return false;
    }
  }

  private startJob(job: Job, registration: Registration): void {
    const run = new JobRun(job, {
      client: this.client,
      completer: this.completer,
      workerId: registration.worker_id,
      heartbeatMs: registration.heartbeat_seconds * 1000,
      logger: this.logger,
      method: this.methods.get(job.method),
      giveUp: this.giveUp.signal,
      onUnauthorized: (err) => this.onUnauthorized(err),
    });
    this.jobs.add(run);
    void run.done.finally(() => {
      this.jobs.delete(run);
      this.wakeSlotWaiters();
    });
  }

  private slotFreed(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private wakeSlotWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }

  private unauthorizedMessage(err: ApiError): string {
    return this.options.token
      ? `the server refused the API token (401 ${err.code}): check the token (SCHEDULEZERO_TOKEN)`
      : `the server requires an API token (401 ${err.code}): pass one (token option / SCHEDULEZERO_TOKEN)`;
  }

  private onUnauthorized(err: ApiError): void {
    if (this.error) return;
    this.error = new Error(this.unauthorizedMessage(err), { cause: err });
    this.logger.error(`${this.error.message}; stopping the worker`);
    void this.stop();
  }
}

function defaultName(): string {
  return `${hostname()}:${process.pid}`;
}
