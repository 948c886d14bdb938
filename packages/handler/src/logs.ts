import { settlesWithin, sleep } from './backoff.js';
import type { ProtocolClient } from './client.js';
import { ApiError, describeError, isTransient } from './errors.js';
import type { Logger } from './logger.js';
import { LIMITS, type LogLineInput, type LogStream } from './protocol.js';

export interface LogShipperOptions {
  client: ProtocolClient;
  runId: string;
  workerId: string;
  attempt: number;
  logger: Logger;
  /** Lines wait at most this long before they are sent. Default 200 ms. */
  flushMs?: number;
  /** A batch goes out at once when this many lines wait. Default 100. */
  batchLines?: number;
}

/** Lines waiting to be sent; more are dropped (and counted) rather than filling memory. */
const MAX_PENDING = 10_000;
/** JSON text per request, well under the server's 1 MiB body limit. */
const MAX_BATCH_CHARS = 256 * 1024;
/** A batch that cannot be delivered is tried this many times, then dropped. */
const SEND_ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 10_000;

const encoder = new TextEncoder();

/** Cut a line to LIMITS.logLineBytes of UTF-8, on a character boundary, as the server would. */
function cut(message: string): string {
  const max = LIMITS.logLineBytes;
  if (message.length * 3 <= max || Buffer.byteLength(message, 'utf8') <= max) return message;
  const { read } = encoder.encodeInto(message, new Uint8Array(max - 3));
  return `${message.slice(0, read)}…`;
}

/**
 * A job's log lines on their way to the server (`POST /runs/{id}/logs`): `add` only queues, and
 * the lines go out in batches, at most one request in flight per job, every `flushMs` or as soon
 * as `batchLines` wait. Nothing here ever throws into the job or fails it: a line that cannot be
 * delivered is dropped (and says so in the worker's log). Once the server answers that the run's
 * log is full, or that the run is no longer this worker's, nothing more is sent.
 */
export class LogShipper {
  private pending: LogLineInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | null = null;
  /** No more lines are taken: the job is over. */
  private closed = false;
  /** No more lines are sent: the server refused them for good. */
  private stopped = false;
  /** Lines dropped since the last delivered batch (a full queue, a failed batch). */
  private dropped = 0;
  private warned = false;
  private readonly flushMs: number;
  private readonly batchLines: number;

  constructor(private readonly options: LogShipperOptions) {
    this.flushMs = options.flushMs ?? 200;
    this.batchLines = Math.max(1, Math.min(LIMITS.logLinesPerRequest, options.batchLines ?? 100));
  }

  add(message: string, stream: LogStream = 'log'): void {
    if (this.closed || this.stopped) return;
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push({ message: cut(String(message)), stream, at: new Date().toISOString() });
    if (this.pending.length >= this.batchLines) this.flush();
    else if (this.timer === undefined && this.sending === null) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** The job is over: send what waits, within `ms`. Never rejects. */
  async close(ms: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + ms;
    this.flush();
    // A send that ends may start the next one (see flush): wait for each in turn.
    while (this.sending) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await settlesWithin(this.sending, left))) break;
    }
    this.stop();
  }

  /** The job is over and its run is not this worker's any more: drop what waits. */
  discard(): void {
    this.closed = true;
    this.stopped = true;
    this.pending = [];
    clearTimeout(this.timer);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.pending.length === 0 || this.stopped) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = null;
      // Lines that came while the last batch was on its way wait for the next tick of the timer.
      if (this.pending.length > 0 && !this.stopped) {
        if (this.closed || this.pending.length >= this.batchLines) this.flush();
        else {
          this.timer = setTimeout(() => this.flush(), this.flushMs);
          this.timer.unref();
        }
      }
    });
  }

  private async sendAll(): Promise<void> {
    while (this.pending.length > 0 && !this.stopped) {
      const batch = this.takeBatch();
      await this.send(batch);
      // Short of a full batch, the rest waits to be joined by more lines (unless the job is over).
      if (!this.closed && this.pending.length < this.batchLines) return;
    }
  }

  private takeBatch(): LogLineInput[] {
    const batch: LogLineInput[] = [];
    if (this.dropped > 0) {
      batch.push({ message: `[the worker dropped ${this.dropped} log line(s) it could not send]`, stream: 'log', at: new Date().toISOString() });
      this.dropped = 0;
    }
    let chars = 0;
    while (this.pending.length > 0 && batch.length < this.batchLines) {
      const line = this.pending[0]!;
      // JSON may escape a character into six; a line is at most 8 KiB, so this bounds the body.
      const size = line.message.length * 6 + 80;
      if (batch.length > 0 && chars + size > MAX_BATCH_CHARS) break;
      chars += size;
      batch.push(this.pending.shift()!);
    }
    return batch;
  }

  private async send(lines: LogLineInput[]): Promise<void> {
    const { client, runId, workerId, attempt, logger } = this.options;
    for (let tries = 1; ; tries++) {
      try {
        const answer = await client.appendLogs(runId, { worker_id: workerId, attempt, lines }, { timeoutMs: REQUEST_TIMEOUT_MS });
        if (answer.truncated) this.stop();
        return;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 401 || err.status === 403)) {
          // The run ended or is another worker's (the job learns it from its heartbeat).
          this.stop();
          return;
        }
        if (isTransient(err) && tries < SEND_ATTEMPTS && !this.stopped) {
          await sleep(250 * 2 ** tries);
          continue;
        }
        this.dropped += lines.length;
        if (!this.warned) {
          this.warned = true;
          logger.warn(`could not send log lines to the server, dropping them: ${describeError(err)}`, { run_id: runId });
        }
        return;
      }
    }
  }

  private stop(): void {
    this.stopped = true;
    this.pending = [];
    clearTimeout(this.timer);
  }
}
