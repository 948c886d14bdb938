/**
 * Versioned schema migrations of the PostgreSQL store.
 *
 * The same model as the SQLite store (src/store/sqlite/migrations.ts), in PostgreSQL types: times
 * are BIGINT epoch milliseconds, JSON is JSONB, flags are BOOLEAN. Migrations run in one
 * transaction under a transaction-level advisory lock, so that many nodes starting at once
 * apply each migration exactly once; the others wait, then find nothing to do.
 *
 * Never edit a released migration; append a new one.
 */
import type { PgDatabase } from './database.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Key of the advisory lock that serializes migrations (any constant; "SZ" + "MIGR"). */
const MIGRATION_LOCK = 0x535a_4d49_4752;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
      CREATE TABLE schedules (
        id                    TEXT PRIMARY KEY,
        name                  TEXT,
        handler               TEXT NOT NULL,
        method                TEXT NOT NULL,
        params                JSONB NOT NULL,
        "trigger"             JSONB NOT NULL,
        misfire_grace_seconds DOUBLE PRECISION,
        catch_up              TEXT NOT NULL CHECK (catch_up IN ('skip', 'once', 'all')),
        catch_up_limit        INTEGER NOT NULL,
        max_instances         INTEGER NOT NULL,
        max_jitter_seconds    DOUBLE PRECISION NOT NULL,
        retry                 JSONB NOT NULL,
        timeout_seconds       DOUBLE PRECISION,
        paused                BOOLEAN NOT NULL DEFAULT false,
        next_run_at           BIGINT,
        last_run_at           BIGINT,
        created_at            BIGINT NOT NULL,
        updated_at            BIGINT NOT NULL,
        version               INTEGER NOT NULL DEFAULT 1
      );
      -- The timekeeper's read: due, unpaused schedules, oldest first.
      CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL;
      -- listSchedules order and keyset pagination.
      CREATE INDEX schedules_created ON schedules (created_at, id);

      -- Runs. No foreign key to schedules: the history outlives a deleted schedule.
      -- occurrence marks a scheduled run that holds its (schedule_id, scheduled_at) key; deleting
      -- the schedule clears it so that the key is free again.
      CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        schedule_id      TEXT,
        origin           TEXT NOT NULL CHECK (origin IN ('scheduled', 'manual', 'one_off')),
        occurrence       BOOLEAN NOT NULL DEFAULT false,
        handler          TEXT NOT NULL,
        method           TEXT NOT NULL,
        params           JSONB NOT NULL,
        status           TEXT NOT NULL CHECK (status IN (
                           'queued', 'running', 'succeeded', 'failed',
                           'timed_out', 'cancelled', 'lost', 'missed')),
        attempt          INTEGER NOT NULL DEFAULT 0,
        retry            JSONB NOT NULL,
        timeout_seconds  DOUBLE PRECISION,
        scheduled_at     BIGINT NOT NULL,
        available_at     BIGINT NOT NULL,
        start_by         BIGINT,
        worker_id        TEXT,
        started_at       BIGINT,
        deadline         BIGINT,
        finished_at      BIGINT,
        cancel_requested BOOLEAN NOT NULL DEFAULT false,
        progress         DOUBLE PRECISION,
        message          TEXT,
        result           JSONB,
        error            JSONB,
        created_at       BIGINT NOT NULL,
        updated_at       BIGINT NOT NULL
      );
      -- Exactly one run per occurrence, whichever node fires it (INSERT ... ON CONFLICT DO NOTHING).
      CREATE UNIQUE INDEX runs_occurrence ON runs (schedule_id, scheduled_at) WHERE occurrence;
      -- claimRuns: a handler's queued runs, oldest available first (FOR UPDATE SKIP LOCKED).
      CREATE INDEX runs_claim ON runs (handler, available_at, id) WHERE status = 'queued';
      -- timeoutRuns / nextReapAt: running attempts by deadline.
      CREATE INDEX runs_deadline ON runs (deadline) WHERE status = 'running' AND deadline IS NOT NULL;
      -- missOverdueRuns / nextReapAt: never-started queued runs by start_by.
      CREATE INDEX runs_start_by ON runs (start_by) WHERE status = 'queued' AND attempt = 0 AND start_by IS NOT NULL;
      -- A schedule's history and keep-per-schedule pruning.
      CREATE INDEX runs_schedule ON runs (schedule_id, scheduled_at DESC, id DESC) WHERE schedule_id IS NOT NULL;
      -- listRuns order, keyset pagination, statistics ranges, pruning by age.
      CREATE INDEX runs_list ON runs (scheduled_at DESC, id DESC);
      -- countActiveRuns (max_instances) and deleteSchedule.
      CREATE INDEX runs_active ON runs (schedule_id) WHERE schedule_id IS NOT NULL AND status IN ('queued', 'running');
      -- A worker's running runs (expiry, leave, runningCounts, the concurrency clamp of claims).
      CREATE INDEX runs_worker ON runs (worker_id) WHERE status = 'running';

      -- Attempts that ended while their run went on (a retry followed); the run row describes
      -- its current or last attempt (as the SQLite store since its version 2).
      CREATE TABLE attempts (
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        attempt     INTEGER NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost')),
        worker_id   TEXT,
        started_at  BIGINT NOT NULL,
        finished_at BIGINT,
        result      JSONB,
        error       JSONB,
        PRIMARY KEY (run_id, attempt)
      );

      CREATE TABLE workers (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('remote', 'local')),
        handler       TEXT NOT NULL,
        methods       JSONB NOT NULL,
        concurrency   INTEGER NOT NULL,
        name          TEXT,
        version       TEXT,
        status        TEXT NOT NULL CHECK (status IN ('online', 'left', 'lost')),
        registered_at BIGINT NOT NULL,
        last_seen_at  BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL
      );
      -- expireWorkers: online workers by lease end.
      CREATE INDEX workers_online ON workers (expires_at) WHERE status = 'online';

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        created_at   BIGINT NOT NULL,
        last_used_at BIGINT
      );

      -- Log lines of runs; seq counts a run's lines from 1. They go with their run when history is pruned.
      CREATE TABLE run_logs (
        run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq     INTEGER NOT NULL,
        attempt INTEGER,
        at      BIGINT NOT NULL,
        stream  TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'log')),
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      -- Per run with a log: where its next line goes and how much it holds (the caps hold across restarts).
      CREATE TABLE run_log_state (
        run_id    TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        last_seq  INTEGER NOT NULL,
        lines     INTEGER NOT NULL,
        bytes     BIGINT NOT NULL,
        truncated BOOLEAN NOT NULL DEFAULT false
      );
    `,
  },
  {
    version: 2,
    name: 'running runs by last word',
    sql: /* sql */ `
      -- expireSilentRuns: running runs by the last time their worker reported on them.
      CREATE INDEX runs_running_updated ON runs (updated_at) WHERE status = 'running';
    `,
  },
];

export const PG_LATEST_SCHEMA_VERSION: number = PG_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The database was written by a newer ScheduleZero than this one. */
export class PgSchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `The PostgreSQL database has schema version ${databaseVersion}, but this ScheduleZero only knows versions up to ${knownVersion}. ` +
        'It was written by a newer ScheduleZero: upgrade this node.',
    );
    this.name = 'PgSchemaTooNewError';
  }
}

/** Apply the pending migrations in one transaction under the migration lock. Returns the versions applied. */
export async function migratePg(db: PgDatabase, now = Date.now(), migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  return db.tx(async (client) => {
    // Held until COMMIT: a second node blocks here, then sees the first node's work.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`);
    const row = (await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')).rows[0];
    const current = row?.version ?? 0;
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > latest) throw new PgSchemaTooNewError(current, latest);
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now]);
      applied.push(m.version);
    }
    return applied;
  });
}
