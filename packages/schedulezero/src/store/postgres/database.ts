import pg from 'pg';
import type { Logger } from '../../domain/logger.js';
import { ConnectionWatch, isConnectionError } from './connection-watch.js';

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
  /** Where connection loss and recovery are logged (once per outage). Default: silent. */
  logger?: Logger;
}

const RETRYABLE = new Set(['40001', '40P01']);

export class PgDatabase {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** Connection loss and recovery, shared with the LISTEN connection (see PgNotifier). */
  readonly watch: ConnectionWatch;

  constructor(options: PgDatabaseOptions) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`schema "${this.schema}" is not a plain identifier`);
    this.watch = new ConnectionWatch(options.logger);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      // search_path as a connection option: every connection, new or re-made, sees the schema.
      options: `-c search_path=${this.schema}`,
      // A server that vanished without closing the socket (host down, network cut) is noticed
      // by TCP keepalive, and a connect to it gives up, instead of hanging a loop forever.
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    // Idle clients that lose their connection (a database restart) are dropped by the pool;
    // without a listener the 'error' event would crash the process.
    this.pool.on('error', (err) => this.watch.lost(err));
    this.pool.on('connect', () => this.watch.restored());
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<T[]> {
    return (await this.run<T>(sql, params, on)).rows;
  }

  async one<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<T | null> {
    return (await this.run<T>(sql, params, on)).rows[0] ?? null;
  }

  /**
   * Run `body` in one transaction; retried (fresh) on serialization failures and deadlocks.
   * A connection failure is not retried here (a COMMIT cut off may or may not have happened):
   * it rejects, and the caller's loop tries again on its next tick.
   */
  async tx<T>(body: (client: pg.PoolClient) => Promise<T>, isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      // The pool listens for errors only on idle clients. A checked-out client whose server
      // goes away emits 'error' too, and with no listener that would throw out of the event
      // loop and end the process.
      let broken: unknown = null;
      const onError = (err: unknown) => {
        broken ??= err;
      };
      client.on('error', onError);
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const result = await body(client);
        await client.query('COMMIT');
        this.watch.restored();
        return result;
      } catch (err) {
        if (!broken && isConnectionError(err)) broken = err;
        if (!broken) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError;
          });
        }
        if (broken) {
          this.watch.lost(broken);
          throw err;
        }
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        throw err;
      } finally {
        client.removeListener('error', onError);
        // With an error the pool destroys the client instead of handing it out again.
        client.release(broken ? asError(broken) : undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      if (isConnectionError(err)) this.watch.lost(err);
      throw err;
    }
  }

  private async run<T extends pg.QueryResultRow>(sql: string, params: unknown[], on: Queryable): Promise<pg.QueryResult<T>> {
    try {
      const result = await on.query<T>(sql, params);
      this.watch.restored();
      return result;
    } catch (err) {
      if (isConnectionError(err)) this.watch.lost(err);
      throw err;
    }
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
/** A unique or primary-key violation (SQLSTATE 23505), optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
