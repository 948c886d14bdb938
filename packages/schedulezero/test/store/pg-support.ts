import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

/** The PostgreSQL the tests use: this machine's (trust auth, database `test`). */
export const PG_URL = process.env.SCHEDULEZERO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers; under CI=true its tests run regardless, and fail when it is down. */
export async function pgAvailable(): Promise<boolean> {
  if (process.env.CI === 'true') return true;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A store in a schema of its own, dropped when the store closes. */
export function freshPgStore(): PostgresStore {
  return new PostgresStore({ url: PG_URL, schema: `sz_test_${randomBytes(6).toString('hex')}`, dropSchemaOnClose: true, max: 4 });
}
