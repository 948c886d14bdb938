export { Worker, type WorkerOptions, type WorkerState } from './worker.js';
export type { JobContext } from './context.js';
export type { Method } from './job.js';
export {
  NonRetryableError,
  JobAbortedError,
  ApiError,
  ConnectionError,
  RequestAbortedError,
  type AbortKind,
} from './errors.js';
export { ProtocolClient, type ClientOptions, type RequestOptions } from './client.js';
export type {
  AppendLogsRequest,
  AppendLogsResponse,
  CompleteRequest,
  CompleteResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  Job,
  LogLineInput,
  LogStream,
  PollRequest,
  PollResponse,
  MethodInfo,
  RegisterRequest,
  Registration,
  RunError,
} from './protocol.js';
export type { JsonObject, JsonPrimitive, JsonValue } from './json.js';
export { consoleLogger, createConsoleLogger, formatLogLine, silentLogger, type Logger, type LogFields } from './logger.js';
