/**
 * Opaque keyset-pagination cursors: base64url of the JSON sort key of the last row returned,
 * e.g. `[created_at, id]` for schedules and `[scheduled_at, id]` for runs. Callers must treat
 * them as opaque; only the store that issued one reads it back.
 */
import { ValidationError } from '../../domain/errors.js';

export type SortKey = [number, string];

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    !Array.isArray(key) ||
    key.length !== 2 ||
    typeof key[0] !== 'number' ||
    !Number.isFinite(key[0]) ||
    typeof key[1] !== 'string'
  ) {
    throw new ValidationError('invalid pagination cursor', 'cursor', 'invalid_cursor');
  }
  return [key[0], key[1]];
}
