import type { JsonValue } from '../domain/types.js';
import type { Logger } from '../domain/logger.js';
import type { LocalJobContext, LocalMethod } from '../engine/local-worker.js';
import type { RegisteredHandler } from './registry.js';
import { ATTEMPT_HEADER, RUN_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from './signature.js';

export type HttpHandler = Extract<RegisteredHandler, { type: 'http' }>;

/** Per request, when the handler sets no timeout_seconds: a hung receiver must not hold a slot forever. */
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 30;
/** A response body is read up to this size; a bigger result belongs in the receiver's own storage. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** How much of an error answer's body is read (its start is quoted in the run's error). */
const ERROR_BODY_BYTES = 16 * 1024;
/** How much of an error response's body is quoted in the run's error. */
const EXCERPT_CHARS = 200;

/** The JSON body POSTed for each run. */
export interface WebhookPayload {
  run_id: string;
  schedule_id: string | null;
  method: string;
  params: Record<string, unknown>;
  attempt: number;
  scheduled_at: string;
  deadline: string | null;
}

/** An error the run records as it is; `retryable: false` stops the retry policy. */
function webhookError(name: string, message: string, retryable: boolean): Error {
  return Object.assign(new Error(message), { name, retryable });
}

/** The URL as it may appear in errors and logs: no credentials, no query string (tokens live there). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** A short, single-line, quoted excerpt of a response body for an error message. */
function excerpt(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty body';
  const cut = trimmed.length > EXCERPT_CHARS ? `${trimmed.slice(0, EXCERPT_CHARS)}…` : trimmed;
  // JSON.stringify escapes control characters and newlines: the error stays one readable line.
  return `body ${JSON.stringify(cut)}`;
}

/**
 * Read a response body up to `limit` bytes. Returns the text, and whether it was cut; the rest
 * is not downloaded.
 */
async function readCapped(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** Why fetch failed, in words: "connection refused", "the connection was closed", ... */
function describeFetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before a complete response';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  const message = cause?.message ?? (err as Error).message ?? String(err);
  return code ? `${code}: ${message}` : message;
}

export interface HttpHandlerDeps {
  logger: Logger;
}

/**
 * POST one run to the webhook and turn the answer into the run's outcome:
 *  - 2xx with JSON: the result; 2xx empty: null;
 *  - 2xx not JSON, 3xx, 4xx: failed, not retried (the receiver has seen the job; for a 2xx it
 *    may have done the work, and repeating a refused request changes nothing);
 *  - 5xx, connection failures and timeouts: retryable, so the run's retry policy decides.
 */
export async function callWebhook(handler: HttpHandler, params: Record<string, unknown>, ctx: LocalJobContext, deps: HttpHandlerDeps): Promise<JsonValue | null> {
  const payload: WebhookPayload = {
    run_id: ctx.run_id,
    schedule_id: ctx.schedule_id,
    method: ctx.method,
    params,
    attempt: ctx.attempt,
    scheduled_at: ctx.scheduled_at.toISOString(),
    deadline: ctx.deadline ? ctx.deadline.toISOString() : null,
  };
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  // The configured headers first: ours describe the request and must not be overridden.
  // (Headers matches names case-insensitively, so "Content-Type" in the file is replaced too.)
  const headers = new Headers(handler.headers);
  headers.set('content-type', 'application/json');
  headers.set(TIMESTAMP_HEADER, String(timestamp));
  headers.set(RUN_ID_HEADER, ctx.run_id);
  headers.set(ATTEMPT_HEADER, String(ctx.attempt));
  if (handler.secret) headers.set(SIGNATURE_HEADER, signPayload(handler.secret, timestamp, body));
  else headers.delete(SIGNATURE_HEADER);

  const timeoutSeconds = handler.timeout_seconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS;
  const requestTimeout = AbortSignal.timeout(timeoutSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, requestTimeout]);
  const where = `POST ${displayUrl(handler.url)}`;
  const started = Date.now();

  const aborted = (err: unknown): Error => {
    // The run's own deadline, a cancel or the shutdown: the engine records that outcome itself.
    if (ctx.signal.aborted) return ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(String(ctx.signal.reason));
    if (requestTimeout.aborted) return webhookError('WebhookTimeout', `${where}: no complete answer within ${timeoutSeconds} s (the handler's timeout_seconds)`, true);
    return webhookError('WebhookConnectionError', `${where} failed: ${describeFetchFailure(err)}`, true);
  };

  // The run's log is a convenience: a failing log sink must not change the run's outcome.
  const log = (line: string) => {
    try {
      ctx.log(line, 'log');
    } catch (err) {
      deps.logger.warn({ err, run_id: ctx.run_id }, 'could not store a log line');
    }
  };

  let res: Response | undefined;
  let text: string;
  let truncated: boolean;
  try {
    res = await fetch(handler.url, { method: 'POST', headers, body, redirect: 'manual', signal });
    // Of an error answer only the start is quoted: no need to download a whole error page.
    const ok = res.status >= 200 && res.status < 300;
    ({ text, truncated } = await readCapped(res, ok ? MAX_RESPONSE_BYTES : ERROR_BODY_BYTES));
  } catch (err) {
    let error = aborted(err);
    // A 2xx whose body broke off: the receiver has done the work, a retry could do it twice.
    if (res && res.status >= 200 && res.status < 300 && !ctx.signal.aborted) {
      const why = requestTimeout.aborted ? `no complete answer within ${timeoutSeconds} s` : describeFetchFailure(err);
      error = webhookError('WebhookBadResponse', `${where} answered ${res.status} but its body could not be read (${why}); not retried, the receiver may have done the work`, false);
    }
    log(`${where}: ${error.message}`);
    throw error;
  }
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  log(`${where} -> ${status} in ${Date.now() - started} ms`);
  deps.logger.debug({ handler: handler.id, run_id: ctx.run_id, attempt: ctx.attempt, status: res.status }, 'webhook answered');

  if (res.status >= 500) throw webhookError('WebhookServerError', `${where} answered ${status}: ${excerpt(text)}`, true);
  if (res.status >= 400) throw webhookError('WebhookClientError', `${where} answered ${status} (not retried: the receiver refused the request): ${excerpt(text)}`, false);
  if (res.status >= 300) {
    const location = res.headers.get('location');
    const target = location && URL.canParse(location, handler.url) ? ` to ${displayUrl(new URL(location, handler.url).href)}` : '';
    throw webhookError(
      'WebhookRedirect',
      `${where} answered ${status}${target}: redirects are not followed; set the handler's url to the final address`,
      false,
    );
  }
  if (res.status < 200) throw webhookError('WebhookBadResponse', `${where} answered ${status}, which is not a final answer`, false);

  if (truncated) {
    throw webhookError('WebhookBadResponse', `${where} answered ${status} with a body over ${MAX_RESPONSE_BYTES} bytes; not retried, the receiver may have done the work`, false);
  }
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw webhookError(
      'WebhookBadResponse',
      `${where} answered ${status} but the body is not JSON (${excerpt(text)}); not retried, the receiver may have done the work`,
      false,
    );
  }
}

/** The in-process methods of an http handler: every method POSTs to the same URL. */
export function httpHandlerMethods(handler: HttpHandler, deps: HttpHandlerDeps): Record<string, LocalMethod> {
  const call: LocalMethod = (params, ctx) => callWebhook(handler, params, ctx, deps);
  return Object.fromEntries(Object.keys(handler.methods).map((name) => [name, call]));
}
