/** Small key/value state (the portal's cookie secret, the ZeroMQ registrations, instance ids). */
import type { PgDatabase } from './database.js';

export async function getMeta(db: PgDatabase, key: string): Promise<string | null> {
  return (await db.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value ?? null;
}

export async function setMeta(db: PgDatabase, key: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO meta (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [key, value],
  );
}
