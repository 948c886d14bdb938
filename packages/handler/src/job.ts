import { Backoff, sleep } from './backoff.js';
import type { ProtocolClient } from './client.js';
import type { Completer } from './completer.js';
import { createContext, type JobContext } from './context.js';
import {
  ApiError,
  JobAbortedError,
  RequestAbortedError,
  describeError,
  isApiError,
  isTransient,
  type AbortKind,
} from './errors.js';
import { toJson, type JsonObject, type JsonValue } from './json.js';
import { formatLogLine, type LogFields, type Logger } from './logger.js';
import { LogShipper } from './logs.js';
import { LIMITS, type CompleteRequest, type HeartbeatRequest, type Job, type RunError } from './protocol.js';

/** A method: gets the run's params and a context, returns a JSON-serializable result (or nothing). */
export type Method = (params: JsonObject, ctx: JobContext) => unknown;

export interface JobRunDeps {
  client: ProtocolClient;
  /** Sends completions (batched when several are waiting). */
  completer: Completer;
  workerId: string;
  heartbeatMs: number;
  logger: Logger;
  /** undefined: this worker has no such method (the server should never send one). */
  method: Method | undefined;
  /** Fires when completions must no longer be retried (the worker is stopping and out of time). */
  giveUp: AbortSignal;
  /** A 401: the token is missing or wrong. */
  onUnauthorized(err: ApiError): void;
}

type Outcome = { status: 'succeeded'; result: JsonValue } | { status: 'failed'; error: RunError };

/** The server's body limit is 1 MiB; a result must leave room for the rest of the body. */
const MAX_RESULT_BYTES = 1_000_000;
/** Progress reports sent in quick succession are coalesced; at most one heartbeat per gap. */
const HEARTBEAT_GAP_MS = 100;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** At the end of a job, its last log lines get this long to reach the server before the outcome goes. */
const LOG_FLUSH_MS = 5_000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A thrown value as the protocol's error object. `retryable: false` on the error is kept. */
export function toRunError(err: unknown): RunError {
  if (typeof err === 'object' && err !== null) {
    const e = err as { message?: unknown; name?: unknown; retryable?: unknown };
    const name = typeof e.name === 'string' && e.name ? e.name : err instanceof Error ? 'Error' : 'object';
    const message = typeof e.message === 'string' && e.message ? e.message : name;
    const out: RunError = { message: truncate(message, LIMITS.errorMessage), type: truncate(name, LIMITS.errorType) };
    if (e.retryable === false) out.retryable = false;
    return out;
  }
  return { message: truncate(String(err), LIMITS.errorMessage), type: typeof err };
}

/**
 * One job, from the poll that handed it out to its completion: runs the method with its context,
 * heartbeats (with progress) every heartbeat interval, fires the signal on cancel / deadline /
 * lost ownership / shutdown, and reports the outcome, retrying while the server is unreachable.
 */
export class JobRun {
  /** Settles when the job is over and its outcome reported (or given up). Never rejects. */
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private readonly ctx: JobContext;
  private kind: AbortKind | null = null;
  private finished = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private heartbeatFailures = 0;
  private readonly state: { progress?: number; message?: string } = {};
  private abandonWith: ((outcome: Outcome) => void) | undefined;
  private readonly abandoned: Promise<Outcome>;
  /** Made on the first ctx.log: most jobs never log. */
  private logs: LogShipper | null = null;

  constructor(
    readonly job: Job,
    private readonly deps: JobRunDeps,
  ) {
    this.abandoned = new Promise((resolve) => {
      this.abandonWith = resolve;
    });
    this.ctx = createContext(job, {
      workerId: deps.workerId,
      signal: this.controller.signal,
      logger: deps.logger,
      progress: (percent, message) => this.progress(percent, message),
      log: (message, fields) => this.log(message, fields),
    });
    this.done = this.run();
  }

  /** Why the signal fired, if it did. */
  get abortKind(): AbortKind | null {
    return this.kind;
  }

  /** Fire the job's signal (first reason wins). */
  abort(kind: AbortKind, message: string): void {
    if (this.controller.signal.aborted) return;
    this.kind = kind;
    if (!this.finished) this.deps.logger.info(`stopping job: ${message}`, { run_id: this.job.run_id, reason: kind });
    this.controller.abort(new JobAbortedError(kind, message));
  }

  /** Stop waiting for a method that ignores its signal: report the attempt failed now. */
  abandon(): void {
    this.abandonWith?.({
      status: 'failed',
      error: { message: 'the worker stopped before the job finished', type: 'WorkerShutdown' },
    });
  }

  private async run(): Promise<void> {
    const { job, deps } = this;
    deps.logger.debug?.(`job started: ${job.method} (attempt ${job.attempt})`, { run_id: job.run_id });
    this.armDeadline();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), deps.heartbeatMs);
    let outcome: Outcome;
    try {
      outcome = await Promise.race([this.execute(), this.abandoned]);
    } finally {
      this.finished = true;
      clearInterval(this.heartbeatTimer);
      clearTimeout(this.deadlineTimer);
    }
    // The server has ended the run (or given it to another worker): nothing to report.
    // The server times the attempt out itself; a failure caused by the deadline is not news.
    // Either way the run's log is closed to this worker.
    if (this.kind === 'cancelled' || this.kind === 'lost' || (this.kind === 'timeout' && outcome.status === 'failed')) {
      this.logs?.discard();
      return;
    }
    // The log first: once the outcome is in, the server takes no more lines for the run.
    await this.logs?.close(LOG_FLUSH_MS);
    await this.report(outcome);
  }

  private async execute(): Promise<Outcome> {
    const { method } = this.deps;
    if (!method) {
      return {
        status: 'failed',
        error: { message: `this worker has no method "${this.job.method}"`, type: 'UnknownMethod', retryable: false },
      };
    }
    let value: unknown;
    try {
      value = await method(this.job.params, this.ctx);
    } catch (err) {
      return { status: 'failed', error: toRunError(err) };
    }
    try {
      const { value: result, bytes } = toJson(value);
      if (bytes > MAX_RESULT_BYTES) {
        return {
          status: 'failed',
          error: { message: `the result is too large (${bytes} bytes as JSON)`, type: 'ResultTooLarge', retryable: false },
        };
      }
      return { status: 'succeeded', result };
    } catch (err) {
      return {
        status: 'failed',
        error: { message: `the result is not JSON: ${describeError(err)}`, type: 'InvalidResult', retryable: false },
      };
    }
  }

  private armDeadline(): void {
    if (this.ctx.deadline === null) return;
    const ms = this.ctx.deadline.getTime() - Date.now();
    this.deadlineTimer = setTimeout(
      () => this.abort('timeout', `the deadline ${this.job.deadline} has passed`),
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
  }

  /** ctx.log: never throws into the job, whatever the logger or the fields do. */
  private log(message: string, fields: LogFields | undefined): void {
    const { deps, job } = this;
    try {
      deps.logger.info(message, { run_id: job.run_id, method: job.method, ...fields });
    } catch {
      // A logger that throws must not fail the job.
    }
    if (this.finished) return;
    try {
      this.logs ??= new LogShipper({ client: deps.client, runId: job.run_id, workerId: deps.workerId, attempt: job.attempt, logger: deps.logger });
      this.logs.add(formatLogLine(String(message), fields));
    } catch {
      // Fields that cannot even be listed (a throwing getter): the line is lost, the job goes on.
    }
  }

  private progress(percent: number | null | undefined, message: string | undefined): Promise<void> {
    if (typeof percent === 'number' && Number.isFinite(percent)) this.state.progress = Math.min(100, Math.max(0, percent));
    if (typeof message === 'string') this.state.message = truncate(message, LIMITS.progressMessage);
    return this.heartbeat();
  }

  /** Send a heartbeat now, or right after the one in flight. Never rejects. */
  private heartbeat(): Promise<void> {
    if (this.finished) return Promise.resolve();
    if (this.queued) return this.queued;
    if (this.inFlight) {
      this.queued = this.inFlight
        .then(() => sleep(HEARTBEAT_GAP_MS))
        .then(() => {
          this.queued = null;
          return this.heartbeat();
        });
      return this.queued;
    }
    const sending = this.sendHeartbeat().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = sending;
    return sending;
  }

  private async sendHeartbeat(): Promise<void> {
    const body: HeartbeatRequest = { worker_id: this.deps.workerId, attempt: this.job.attempt, ...this.state };
    const timeoutMs = Math.min(30_000, Math.max(2_000, this.deps.heartbeatMs * 2));
    try {
      const answer = await this.deps.client.heartbeat(this.job.run_id, body, { timeoutMs });
      if (this.heartbeatFailures > 0) this.deps.logger.info('heartbeats get through again', { run_id: this.job.run_id });
      this.heartbeatFailures = 0;
      if (answer.cancel_requested) this.abort('cancelled', 'the run was cancelled or timed out on the server');
    } catch (err) {
      if (this.finished) return;
      if (isApiError(err, 404)) this.abort('lost', 'the server does not know this run');
      else if (isApiError(err, 409)) this.abort('lost', 'the run is no longer assigned to this worker');
      else if (isApiError(err, 401)) this.deps.onUnauthorized(err);
      else if (this.heartbeatFailures++ === 0) {
        this.deps.logger.warn(`heartbeat failed, will retry: ${describeError(err)}`, { run_id: this.job.run_id });
      }
    }
  }

  private async report(outcome: Outcome): Promise<void> {
    const { client, completer, giveUp, logger, workerId } = this.deps;
    const runId = this.job.run_id;
    const attempt = this.job.attempt;
    let body: CompleteRequest =
      outcome.status === 'succeeded'
        ? { worker_id: workerId, attempt, status: 'succeeded', result: outcome.result }
        : { worker_id: workerId, attempt, status: 'failed', error: outcome.error };
    const backoff = new Backoff(200, 5_000);
    let failures = 0;
    for (;;) {
      try {
        const answer = await (failures === 0 ? completer.complete(runId, body) : client.complete(runId, body, { signal: giveUp }));
        if (failures > 0) logger.info('completion delivered', { run_id: runId });
        const retry = answer.retry_at ? `, retry at ${answer.retry_at}` : '';
        logger.debug?.(`job ${body.status}; the run is now ${answer.status}${retry}`, { run_id: runId });
        return;
      } catch (err) {
        if (err instanceof RequestAbortedError) {
          logger.error('gave up reporting the job: the worker is stopping and the server cannot be reached', { run_id: runId });
          return;
        }
        if (isTransient(err)) {
          if (failures++ === 0) logger.warn(`cannot report the job yet, retrying: ${describeError(err)}`, { run_id: runId });
          await sleep(backoff.next(), giveUp);
          continue;
        }
        if (isApiError(err, 409) && failures > 0) {
          // The first try may have arrived although its answer was lost.
          logger.info(`the server has the run's outcome already: ${describeError(err)}`, { run_id: runId });
          return;
        }
        if (isApiError(err, 404) || isApiError(err, 409)) {
          logger.warn(`the server did not take the job's outcome: ${describeError(err)}`, { run_id: runId });
          return;
        }
        if (isApiError(err, 401)) {
          this.deps.onUnauthorized(err);
          return;
        }
        if (err instanceof ApiError && body.status === 'succeeded') {
          // 400 or 413: the result was refused. Report that, so that the run does not hang.
          body = {
            worker_id: workerId,
            attempt,
            status: 'failed',
            error: { message: truncate(`the server refused the result: ${err.message}`, LIMITS.errorMessage), type: 'InvalidResult', retryable: false },
          };
          continue;
        }
        logger.error(`the server refused the job's outcome: ${describeError(err)}`, { run_id: runId });
        return;
      }
    }
  }
}
