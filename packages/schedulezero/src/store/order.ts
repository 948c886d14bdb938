/**
 * The orders the stores return rows in, where the rows come from a statement without one
 * (RETURNING has no defined order) or are gathered in code. Strings compare by UTF-16 code
 * unit, as JavaScript does, whatever a database's collation.
 */
import type { RunRow, WorkerRow } from '../domain/types.js';

/** JavaScript's string order. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort runs oldest first: by `key` ascending, then id. */
export function byTimeThenId(key: 'scheduled_at' | 'available_at' | 'deadline') {
  return (a: RunRow, b: RunRow): number => {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    return x !== y ? x - y : byCodeUnit(a.id, b.id);
  };
}

/** Workers by registration time, then id. */
export function byRegistrationThenId(a: WorkerRow, b: WorkerRow): number {
  return a.registered_at - b.registered_at || byCodeUnit(a.id, b.id);
}
