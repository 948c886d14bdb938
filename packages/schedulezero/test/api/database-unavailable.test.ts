import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/api/errors.js';
import { freePort } from '../helpers.js';
import { PG_URL, pgAvailable } from '../store/pg-support.js';

const available = await pgAvailable();

describe('isDatabaseUnavailable', () => {
  it('is true for a database that cannot be reached', async () => {
    const port = await freePort();
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'test', connectionTimeoutMillis: 2_000 });
    const error = await client.connect().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).not.toBeNull();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.runIf(available)('is true for a connection the server ends, false for a mistake in a query', async () => {
    const victim = new pg.Client({ connectionString: PG_URL });
    const admin = new pg.Client({ connectionString: PG_URL });
    await victim.connect();
    await admin.connect();
    victim.on('error', () => undefined);
    try {
      const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pending = victim.query('SELECT pg_sleep(5)').then(
        () => null,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 100));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      const ended = await pending;
      expect(isDatabaseUnavailable(ended)).toBe(true);

      const mistake = await admin.query('SELEC 1').then(
        () => null,
        (err: unknown) => err,
      );
      expect(isDatabaseUnavailable(mistake)).toBe(false);
      expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    } finally {
      await victim.end().catch(() => undefined);
      await admin.end();
    }
  });
});
