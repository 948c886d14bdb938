/** Small key/value state (the portal's cookie secret, the ZeroMQ registrations, instance ids). */
import type { PgDatabase } from './database.js';

export async function getMeta(db: PgDatabase, key: string): Promise<string | null> {
  return (await db.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value ?? null;
}

/**
 * Store `value` unless the key has one already; the stored value either way. Nodes starting
 * together on a fresh database all end up with the first one's value (a shared secret).
 */
export async function claimMeta(db: PgDatabase, key: string, value: string): Promise<string> {
  await db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
  return (await getMeta(db, key))!;
}

export async function setMeta(db: PgDatabase, key: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO meta (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [key, value],
  );
}
