import { Identifier } from '../../schemas/common.js';

/**
 * The original ScheduleZero's registration messages: one JSON frame `{"method", "params"}` on the
 * registration socket, answered by one JSON frame with `success` (and `error` on failure).
 */
export type RegistrationRequest =
  | { method: 'register'; handler_id: string; address: string; methods: string[] }
  | { method: 'report_status'; handler_id: string; status: string }
  | { method: 'ping' };

/** A reply frame: always an object with `success`. */
export type ZmqReply = { success: boolean } & Record<string, unknown>;

export function failure(error: string): ZmqReply {
  return { success: false, error };
}

/** Handler and method names follow the API's rule, so that schedules can name them. */
const NAME = new RegExp((Identifier as { pattern?: string }).pattern ?? '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$');
const MAX_NAME = 128;
const MAX_METHODS = 1000;
/** Where a handler listens: a ZeroMQ endpoint we can connect a REQ socket to. */
const ADDRESS = /^(tcp:\/\/[^\s]+:\d{1,5}|ipc:\/\/[^\s]+)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME && NAME.test(value);
}

function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Parse one frame; a string result is the error to answer with (never a throw). */
export function parseRegistration(frame: Buffer): RegistrationRequest | string {
  let request: unknown;
  try {
    request = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    return `Invalid JSON: ${(err as Error).message}`;
  }
  if (!isRecord(request)) return 'Invalid request: expected a JSON object {"method": ..., "params": {...}}';
  const { method } = request;
  const params = request.params ?? {};
  if (typeof method !== 'string') return 'Invalid request: "method" must be a string (register, report_status or ping)';
  if (!isRecord(params)) return 'Invalid request: "params" must be a JSON object';

  switch (method) {
    case 'ping':
      return { method };
    case 'register': {
      const { handler_id, address } = params;
      const methods = params.methods ?? [];
      if (!validName(handler_id)) return `register: params.handler_id must be 1-${MAX_NAME} letters, digits or . _ : @ / - (starting with a letter or digit)`;
      if (typeof address !== 'string' || !ADDRESS.test(address)) {
        return `register: params.address must be the handler's ZeroMQ endpoint, e.g. "tcp://127.0.0.1:4244" (got ${short(JSON.stringify(address) ?? 'nothing')})`;
      }
      if (!Array.isArray(methods) || methods.length > MAX_METHODS) return `register: params.methods must be a list of at most ${MAX_METHODS} method names`;
      const bad = methods.find((m) => !validName(m));
      if (bad !== undefined) return `register: params.methods: ${short(JSON.stringify(bad) ?? String(bad))} is not a valid method name`;
      return { method, handler_id, address, methods: [...new Set(methods as string[])] };
    }
    case 'report_status': {
      const { handler_id, status } = params;
      if (typeof handler_id !== 'string' || handler_id === '') return 'report_status: params.handler_id must be a string';
      if (typeof status !== 'string') return 'report_status: params.status must be a string such as "offline"';
      return { method, handler_id, status };
    }
    default:
      // The original's own wording, which its handlers may log or match on.
      return `Unknown method: ${short(method)}`;
  }
}
