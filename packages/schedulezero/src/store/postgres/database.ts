import pg from 'pg';

/**
 * The PostgreSQL connection pool with the two things every store file needs: a typed query,
 * and a transaction that is retried when PostgreSQL gives up on it for a reason that a second
 * try fixes (serialization failure, deadlock). BIGINT and NUMERIC come back as JS numbers:
 * every time in the schema is epoch milliseconds, far below 2^53.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Queryable = pg.Pool | pg.PoolClient;

export interface PgDatabaseOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Every table lives in this schema (created when missing). Default: public. Tests use one per store. */
  schema?: string;
  /** Pool size. Default 10. */
  max?: number;
}

const RETRYABLE = new Set(['40001', '40P01']);

export class PgDatabase {
  readonly pool: pg.Pool;
  readonly schema: string;

  constructor(options: PgDatabaseOptions) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`schema "${this.schema}" is not a plain identifier`);
    // search_path as a connection option: every connection, new or re-made, sees the schema.
    this.pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10, options: `-c search_path=${this.schema}` });
    // Idle clients that lose their connection (a database restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<T[]> {
    return (await on.query<T>(sql, params)).rows;
  }

  async one<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<T | null> {
    return (await on.query<T>(sql, params)).rows[0] ?? null;
  }

  /** Run `body` in one transaction; retried (fresh) on serialization failures and deadlocks. */
  async tx<T>(body: (client: pg.PoolClient) => Promise<T>, isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const result = await body(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        throw err;
      } finally {
        client.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A unique or primary-key violation (SQLSTATE 23505), optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
