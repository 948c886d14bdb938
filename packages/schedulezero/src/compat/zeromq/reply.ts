import type { JsonObject } from '../../domain/types.js';

/** An error carrying the flags the in-process worker reads (`retryable: false` is not retried). */
function runError(name: string, message: string, retryable?: boolean): Error {
  const error = new Error(message);
  error.name = name;
  if (retryable === false) Object.assign(error, { retryable: false });
  return error;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/**
 * What a handler's reply means, as the original server read it: `{success: true, ...rest}` is a
 * result (rest), `{success: false, error}` a failure with that message; a dict without `success`
 * counted as success there too, and still does. Anything else is not a reply of the protocol
 * and fails the attempt with a clear error (retried per policy, as a crash would be).
 */
export function interpretReply(frame: Buffer, where: string): JsonObject {
  const text = frame.toString('utf8');
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    throw runError('InvalidReply', `${where} answered with something that is not JSON: "${preview(text)}"`);
  }
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw runError('InvalidReply', `${where} answered ${preview(text)}; expected a JSON object {"success": true|false, ...}`);
  }
  const { success, ...rest } = reply as Record<string, unknown>;
  if (success === false) {
    const { error, retryable } = rest;
    const message =
      typeof error === 'string' && error !== '' ? error : error === undefined || error === null ? `${where} reported failure without an error message` : preview(JSON.stringify(error));
    // An extension the original did not have: a handler may say that retrying is pointless.
    throw runError('HandlerError', message, retryable === false ? false : undefined);
  }
  if (success !== true && success !== undefined) {
    throw runError('InvalidReply', `${where} answered with "success": ${preview(JSON.stringify(success))}; expected true or false`);
  }
  return rest as JsonObject;
}
