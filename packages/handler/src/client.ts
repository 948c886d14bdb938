import { ApiError, ConnectionError, RequestAbortedError } from './errors.js';
import { fetchTransport, nodeTransport, type Transport } from './transport.js';
import {
  parseAppendLogsResponse,
  parseCompleteBatchResponse,
  parseCompleteResponse,
  parseHeartbeatResponse,
  parsePollResponse,
  parseRegistration,
  type AppendLogsRequest,
  type AppendLogsResponse,
  type CompleteItem,
  type CompleteItemResult,
  type CompleteRequest,
  type CompleteResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type PollRequest,
  type PollResponse,
  type RegisterRequest,
  type Registration,
} from './protocol.js';

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8888`. */
  server: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Send requests with this fetch instead of node:http (e.g. one that goes through a proxy). */
  fetch?: typeof fetch;
  /** Requests (but polls) that take longer fail with a ConnectionError. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  /** Aborting it makes the call reject with RequestAbortedError. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The calls of the handler protocol, one HTTP request each. Failures are typed:
 * ApiError (the server answered 4xx/5xx), ConnectionError (unreachable, timed out, or an answer
 * of the wrong shape), RequestAbortedError (the caller's signal). No retries here: the worker
 * decides what to retry.
 */
export class ProtocolClient {
  private readonly base: string;
  private readonly transport: Transport;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    this.base = `${options.server.replace(/\/+$/, '')}/api/v1`;
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport();
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  register(body: RegisterRequest, options?: RequestOptions): Promise<Registration> {
    return this.request('POST', '/workers', body, parseRegistration, options);
  }

  poll(workerId: string, body: PollRequest, options?: RequestOptions): Promise<PollResponse> {
    return this.request('POST', `/workers/${encodeURIComponent(workerId)}/poll`, body, parsePollResponse, {
      timeoutMs: body.wait_seconds * 1000 + this.timeoutMs,
      ...options,
    });
  }

  heartbeat(runId: string, body: HeartbeatRequest, options?: RequestOptions): Promise<HeartbeatResponse> {
    return this.request('POST', `/runs/${encodeURIComponent(runId)}/heartbeat`, body, parseHeartbeatResponse, options);
  }

  complete(runId: string, body: CompleteRequest, options?: RequestOptions): Promise<CompleteResponse> {
    return this.request('POST', `/runs/${encodeURIComponent(runId)}/complete`, body, parseCompleteResponse, options);
  }

  /** The batch form: several completions in one request; each entry succeeds or fails alone. */
  completeMany(workerId: string, completions: CompleteItem[], options?: RequestOptions): Promise<CompleteItemResult[]> {
    return this.request('POST', `/workers/${encodeURIComponent(workerId)}/complete`, { completions }, parseCompleteBatchResponse, options);
  }

  /** Add lines to the log of a run this worker is running (`POST /runs/{run_id}/logs`). */
  appendLogs(runId: string, body: AppendLogsRequest, options?: RequestOptions): Promise<AppendLogsResponse> {
    return this.request('POST', `/runs/${encodeURIComponent(runId)}/logs`, body, parseAppendLogsResponse, options);
  }

  async leave(workerId: string, options?: RequestOptions): Promise<void> {
    await this.request('DELETE', `/workers/${encodeURIComponent(workerId)}`, undefined, () => undefined, options);
  }

  /** Drop kept-alive connections (call when done with the client). */
  close(): void {
    this.transport.close();
  }

  private async request<T>(
    method: 'POST' | 'DELETE',
    path: string,
    body: object | undefined,
    parse: (body: unknown) => T,
    options: RequestOptions = {},
  ): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;

    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.transport.request({
        method,
        url: this.base + path,
        headers,
        signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }));
    } catch (err) {
      if (options.signal?.aborted) throw new RequestAbortedError();
      if (timeout.aborted) throw new ConnectionError(`${method} ${path}: no answer within ${options.timeoutMs ?? this.timeoutMs} ms`);
      throw new ConnectionError(`${method} ${path}: cannot reach ${this.options.server} (${networkReason(err)})`, { cause: err });
    }

    const parsed = parseJsonText(text);
    if (status < 200 || status > 299) throw toApiError(status, parsed, text);
    return parse(parsed);
  }
}

function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
}

function parseJsonText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, body: unknown, text: string): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error: unknown = body.error;
    if (typeof error === 'object' && error !== null) {
      const e = error as Record<string, unknown>;
      const code = typeof e.code === 'string' ? e.code : `http_${status}`;
      const message = typeof e.message === 'string' ? e.message : text.slice(0, 200);
      return new ApiError(status, code, message, typeof e.field === 'string' ? e.field : undefined);
    }
  }
  return new ApiError(status, `http_${status}`, text.slice(0, 200) || `HTTP ${status}`);
}
