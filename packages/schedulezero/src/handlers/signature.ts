import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. The server signs `${timestamp}.${body}` with HMAC-SHA256 and the handler's
 * secret; a receiver recomputes it and refuses old timestamps, so that a captured request cannot
 * be replayed later. Exported for receivers written in Node (docs/handlers.md has the same in
 * Python).
 */

export const SIGNATURE_HEADER = 'X-ScheduleZero-Signature';
export const TIMESTAMP_HEADER = 'X-ScheduleZero-Timestamp';
export const RUN_ID_HEADER = 'X-ScheduleZero-Run-Id';
export const ATTEMPT_HEADER = 'X-ScheduleZero-Attempt';

/** How far a receiver lets the timestamp differ from its own clock (either way), by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const PREFIX = 'sha256=';

/** The X-ScheduleZero-Signature value: `sha256=` and the hex HMAC-SHA256 of `${timestamp}.${body}`. */
export function signPayload(secret: string, timestamp: number | string, body: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return PREFIX + hmac.digest('hex');
}

/**
 * Whether `header` is the signature of `body` sent at `timestamp` (unix seconds, as the header
 * carries it) with `secret`, and the timestamp lies within `toleranceSeconds` of now. `body` must
 * be the raw request body, byte for byte: re-serialised JSON does not verify. The comparison
 * takes the same time wherever the first difference is.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  timestamp: string | number | null | undefined,
  body: string | Buffer,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!secret || typeof header !== 'string' || timestamp === null || timestamp === undefined) return false;
  // The signature covers the timestamp exactly as sent.
  const text = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(text) || Math.abs(nowSeconds - Number(text)) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, text, body), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch tells nothing about the secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
