/**
 * The wire format of the handler protocol (docs/protocol.md): request bodies as the server's
 * schemas accept them, and checks that answers have the documented shape.
 */
import { ConnectionError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

export interface MethodInfo {
  description?: string;
  /** JSON Schema of the method's params: the server refuses schedules and runs that break it. */
  params_schema?: Record<string, unknown>;
}

export interface RegisterRequest {
  handler: string;
  methods: string[];
  concurrency?: number;
  name?: string;
  version?: string;
  method_info?: Record<string, MethodInfo>;
}

export interface Registration {
  worker_id: string;
  /** Poll or heartbeat at least this often. */
  heartbeat_seconds: number;
  /** Unseen this long, the worker is lost and its runs are retried elsewhere. */
  lease_seconds: number;
}

export interface PollRequest {
  /** 1 to 1000: ask for as many jobs as there are free slots. */
  max_jobs: number;
  /** 0 to 60. */
  wait_seconds: number;
}

/** A job as a poll hands it out; times are ISO-8601 strings. */
export interface Job {
  run_id: string;
  schedule_id: string | null;
  method: string;
  params: JsonObject;
  /** 1 for the first attempt. */
  attempt: number;
  scheduled_at: string;
  /** The server times the attempt out at this time; null: no timeout. */
  deadline: string | null;
}

export interface PollResponse {
  jobs: Job[];
}

export interface HeartbeatRequest {
  worker_id: string;
  /** The job's attempt: the server refuses the heartbeat if the run moved on to another. */
  attempt?: number;
  /** 0 to 100. */
  progress?: number;
  /** At most 1000 characters. */
  message?: string;
}

export interface HeartbeatResponse {
  /** true: stop the job; its result will not be accepted. */
  cancel_requested: boolean;
}

export interface RunError {
  /** At most 10,000 characters. */
  message: string;
  /** At most 200 characters. */
  type?: string;
  /** false: do not retry, whatever the policy says. */
  retryable?: boolean;
}

export type CompleteRequest =
  | { worker_id: string; attempt?: number; status: 'succeeded'; result: JsonValue }
  | { worker_id: string; attempt?: number; status: 'failed'; error: RunError };

export interface CompleteResponse {
  run_id: string;
  /** `succeeded`, `failed`, or `queued` when a retry follows at `retry_at`. */
  status: string;
  attempt: number;
  retry_at: string | null;
}

/** One entry of the batch completion (`POST /workers/{worker_id}/complete`). */
export type CompleteItem =
  | { run_id: string; attempt?: number; status: 'succeeded'; result: JsonValue }
  | { run_id: string; attempt?: number; status: 'failed'; error: RunError };

export type CompleteItemResult =
  | { run_id: string; ok: true; response: CompleteResponse }
  | { run_id: string; ok: false; status: number; code: string; message: string };

/** Where a log line came from; a handler's own lines are `log`. */
export type LogStream = 'stdout' | 'stderr' | 'log';

/** One line for `POST /runs/{run_id}/logs`. */
export interface LogLineInput {
  message: string;
  stream?: LogStream;
  /** ISO-8601; default: when the server receives it. */
  at?: string;
}

export interface AppendLogsRequest {
  worker_id: string;
  attempt?: number;
  /** 1 to 1,000 lines. */
  lines: LogLineInput[];
}

export interface AppendLogsResponse {
  accepted: number;
  dropped: number;
  /** The run's log is full: lines sent from now on are dropped. */
  truncated: boolean;
}

export const LIMITS = {
  progressMessage: 1000,
  errorMessage: 10_000,
  errorType: 200,
  maxJobs: 1000,
  maxWaitSeconds: 60,
  logLinesPerRequest: 1000,
  /** The server cuts longer lines (UTF-8 bytes); the SDK cuts them before sending. */
  logLineBytes: 8 * 1024,
} as const;

// --- answer checks --------------------------------------------------------------------------

type Fields = Record<string, unknown>;

function fail(what: string, detail: string): never {
  throw new ConnectionError(`unexpected answer to ${what}: ${detail}`);
}

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(what, 'not a JSON object');
  return value as Fields;
}

function str(o: Fields, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(what, `${key} is not a string`);
  return v;
}

function num(o: Fields, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(what, `${key} is not a number`);
  return v;
}

function strOrNull(o: Fields, key: string, what: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') fail(what, `${key} is not a string`);
  return v;
}

export function parseRegistration(body: unknown): Registration {
  const what = 'register';
  const o = object(body, what);
  const reg = {
    worker_id: str(o, 'worker_id', what),
    heartbeat_seconds: num(o, 'heartbeat_seconds', what),
    lease_seconds: num(o, 'lease_seconds', what),
  };
  if (reg.heartbeat_seconds <= 0) fail(what, 'heartbeat_seconds is not positive');
  return reg;
}

export function parseJob(value: unknown): Job {
  const what = 'poll';
  const o = object(value, what);
  const params = o.params ?? {};
  if (!isJsonObject(params)) fail(what, 'params is not an object');
  return {
    run_id: str(o, 'run_id', what),
    schedule_id: strOrNull(o, 'schedule_id', what),
    method: str(o, 'method', what),
    params,
    attempt: num(o, 'attempt', what),
    scheduled_at: str(o, 'scheduled_at', what),
    deadline: strOrNull(o, 'deadline', what),
  };
}

export function parsePollResponse(body: unknown): PollResponse {
  const o = object(body, 'poll');
  if (!Array.isArray(o.jobs)) fail('poll', 'jobs is not an array');
  return { jobs: o.jobs.map(parseJob) };
}

export function parseHeartbeatResponse(body: unknown): HeartbeatResponse {
  const o = object(body, 'heartbeat');
  if (typeof o.cancel_requested !== 'boolean') fail('heartbeat', 'cancel_requested is not a boolean');
  return { cancel_requested: o.cancel_requested };
}

export function parseCompleteResponse(body: unknown): CompleteResponse {
  const what = 'complete';
  const o = object(body, what);
  return {
    run_id: str(o, 'run_id', what),
    status: str(o, 'status', what),
    attempt: num(o, 'attempt', what),
    retry_at: strOrNull(o, 'retry_at', what),
  };
}

export function parseCompleteBatchResponse(body: unknown): CompleteItemResult[] {
  const what = 'complete (batch)';
  const o = object(body, what);
  if (!Array.isArray(o.results)) fail(what, 'results is not an array');
  return o.results.map((entry: unknown): CompleteItemResult => {
    const r = object(entry, what);
    const runId = str(r, 'run_id', what);
    if (r.error !== undefined) {
      const e = object(r.error, what);
      return { run_id: runId, ok: false, status: num(e, 'status', what), code: str(e, 'code', what), message: str(e, 'message', what) };
    }
    return { run_id: runId, ok: true, response: parseCompleteResponse(r) };
  });
}

export function parseAppendLogsResponse(body: unknown): AppendLogsResponse {
  const what = 'logs';
  const o = object(body, what);
  if (typeof o.truncated !== 'boolean') fail(what, 'truncated is not a boolean');
  return { accepted: num(o, 'accepted', what), dropped: num(o, 'dropped', what), truncated: o.truncated };
}
