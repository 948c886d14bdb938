/** Small key/value state (engine heartbeat, instance id). */
import type { SqliteDatabase } from './database.js';

export function getMeta(db: SqliteDatabase, key: string): string | null {
  return db.sql<string>`SELECT value FROM meta WHERE key = ?`.pluck().get(key) ?? null;
}

/** Store `value` unless the key has one already; the stored value either way. */
export function claimMeta(db: SqliteDatabase, key: string, value: string): string {
  db.sql`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`.run(key, value);
  return getMeta(db, key)!;
}

export function setMeta(db: SqliteDatabase, key: string, value: string): void {
  db.sql`
    INSERT INTO meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value
  `.run(key, value);
}
