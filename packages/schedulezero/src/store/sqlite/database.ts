/**
 * The connection of a SqliteStore and its plumbing: the pragmas it is opened with, the cache of
 * prepared statements and the transaction wrappers. The other files of the store receive a
 * SqliteDatabase and write their SQL next to the code that runs it:
 *
 *   db.sql`SELECT * FROM schedules WHERE id = ?`.get(id)
 *   db.tx(insertRuns).immediate(runs)
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { RunTuple } from './rows.js';

// biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 types transaction bodies this way
type AnyFn = (...args: any[]) => any;
export type Stmt<R> = Database.Statement<unknown[], R>;

export class SqliteDatabase {
  /** The better-sqlite3 connection (SqliteStore.db). */
  readonly connection: Database.Database;

  private statements = new WeakMap<TemplateStringsArray, Stmt<unknown>>();
  private runStatements = new WeakMap<TemplateStringsArray, Stmt<RunTuple>>();
  private readonly textStatements = new Map<string, Stmt<unknown>>();
  private readonly transactions = new Map<AnyFn, Database.Transaction<AnyFn>>();

  /** Open `filename` (its directory is created when missing), or ':memory:'. */
  constructor(filename: string, busyTimeout: number) {
    const inMemory = filename === ':memory:' || filename === '';
    if (!inMemory && !filename.startsWith('file:')) {
      mkdirSync(dirname(resolve(filename)), { recursive: true });
    }
    this.connection = new Database(filename, { timeout: busyTimeout });
    this.connection.pragma('journal_mode = WAL');
    this.connection.pragma('synchronous = NORMAL');
    this.connection.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
    this.connection.pragma('foreign_keys = ON');
    this.connection.pragma('temp_store = MEMORY');
    // 64 MiB page cache: the hot indexes of a large history stay in memory.
    this.connection.pragma('cache_size = -65536');
    // Reads through a memory map skip a copy per page: about 10% more runs/s in the benchmark.
    // The mapped pages belong to the file, so the kernel can drop them under memory pressure.
    this.connection.pragma('mmap_size = 268435456');
  }

  /**
   * The prepared statement for a SQL template (a tag: db.sql`SELECT ...`), prepared on first
   * use and then found by the template's identity, so that a hot statement costs no string
   * building or hashing per call. Interpolations must be constants (column lists); SQL built at
   * run time goes through prepareText.
   */
  sql<R = unknown>(strings: TemplateStringsArray, ...parts: string[]): Stmt<R> {
    let statement = this.statements.get(strings);
    if (statement === undefined) {
      statement = this.connection.prepare(String.raw({ raw: strings }, ...parts));
      this.statements.set(strings, statement);
    }
    return statement as Stmt<R>;
  }

  /**
   * As sql, for statements that return runs: rows come back as arrays in RUN_COLUMNS order
   * (`raw` mode), for `toRun`. Write `RETURNING ${RUN_COLUMNS}` / `SELECT ${RUN_COLUMNS}`.
   */
  runSql(strings: TemplateStringsArray, ...parts: string[]): Stmt<RunTuple> {
    let statement = this.runStatements.get(strings);
    if (statement === undefined) {
      statement = this.connection.prepare<unknown[], RunTuple>(String.raw({ raw: strings }, ...parts)).raw(true);
      this.runStatements.set(strings, statement);
    }
    return statement;
  }

  /** A statement whose text is built at run time (filters), cached by its text. */
  prepareText<R = unknown>(text: string, raw = false): Stmt<R> {
    const key = raw ? `raw:${text}` : text;
    let statement = this.textStatements.get(key);
    if (statement === undefined) {
      statement = this.connection.prepare(text);
      if (raw) statement.raw(true);
      this.textStatements.set(key, statement);
    }
    return statement as Stmt<R>;
  }

  /**
   * The transaction wrapper of a body function (created once: creating one costs ~15 us). The
   * body takes this database first; the wrapper takes the rest of its arguments:
   * `db.tx(claimRuns).immediate(request)` runs `claimRuns(db, request)` in BEGIN IMMEDIATE.
   */
  tx<A extends unknown[], R>(body: (db: SqliteDatabase, ...args: A) => R): Database.Transaction<(...args: A) => R> {
    let transaction = this.transactions.get(body);
    if (transaction === undefined) {
      transaction = this.connection.transaction(body.bind(undefined, this) as AnyFn);
      this.transactions.set(body, transaction);
    }
    return transaction as Database.Transaction<(...args: A) => R>;
  }

  close(): void {
    if (!this.connection.open) return;
    try {
      this.connection.pragma('optimize');
    } catch {
      // best effort
    }
    this.statements = new WeakMap();
    this.runStatements = new WeakMap();
    this.textStatements.clear();
    this.transactions.clear();
    this.connection.close();
  }
}

export function isConstraint(error: unknown, code: string): boolean {
  return error instanceof Error && (error as Error & { code?: string }).code === code;
}
