/**
 * Throw this (or any error with `retryable = false`) from a method to fail the run without the
 * retries its policy would otherwise allow: bad input, a missing record, anything a retry
 * cannot fix.
 */
export class NonRetryableError extends Error {
  readonly retryable = false as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Why a job's `ctx.signal` fired. */
export type AbortKind =
  /** The run was cancelled (or ended) on the server: its result will not be accepted. */
  | 'cancelled'
  /** The attempt's deadline passed: the server times it out. */
  | 'timeout'
  /** The server no longer assigns the run to this worker (404 or 409 on a heartbeat). */
  | 'lost'
  /** The worker is stopping and the grace period is over. */
  | 'shutdown';

/** The `reason` of an aborted `ctx.signal`. */
export class JobAbortedError extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
    this.name = 'JobAbortedError';
  }
}

/** The server answered with an error status (`{"error": {"code", "message", "field"?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ApiError';
  }
}

/** The server could not be reached, the request timed out, or the answer was not understood. */
export class ConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

/** The request was aborted by its caller (the worker is stopping). */
export class RequestAbortedError extends Error {
  constructor() {
    super('request aborted');
    this.name = 'RequestAbortedError';
  }
}

/** Worth trying again later: connection problems, 5xx, 408 and 429. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof ApiError) return err.status >= 500 || err.status === 408 || err.status === 429;
  return false;
}

export function isApiError(err: unknown, status: number, code?: string): err is ApiError {
  return err instanceof ApiError && err.status === status && (code === undefined || err.code === code);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
