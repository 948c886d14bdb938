/**
 * The list queries' keyset pagination, shared by the stores.
 *
 * Cursors are opaque: base64url of the JSON sort key of the last row returned, e.g.
 * `[created_at, id]` for schedules and `[scheduled_at, id]` for runs. Callers must treat them as
 * opaque; only the store that issued one reads it back.
 */
import { ValidationError } from '../domain/errors.js';
import type { Page } from './store.js';

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

export function pageLimit(limit: number): number {
  return Math.max(1, Math.floor(limit));
}

/** Rows were fetched with limit + 1: the extra row only says that another page exists. */
export function page<T>(rows: T[], limit: number, key: (row: T) => SortKey): Page<T> {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  return { items, next_cursor: encodeCursor(key(items[items.length - 1]!)) };
}
