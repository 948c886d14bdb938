/**
 * Versioned schema migrations of the SQLite store.
 *
 * Each migration runs once, in version order, and is recorded in `schema_migrations`. All
 * pending migrations are applied in one transaction: a failure leaves the database as it was.
 * A database whose recorded version is newer than the newest migration below was written by a
 * newer ScheduleZero; `migrate()` refuses to touch it.
 *
 * Never edit a released migration; append a new one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
      -- Schedules. JSON columns are TEXT, booleans INTEGER 0/1, times INTEGER epoch ms.
      CREATE TABLE schedules (
        id                    TEXT PRIMARY KEY,
        name                  TEXT,
        handler               TEXT NOT NULL,
        method                TEXT NOT NULL,
        params                TEXT NOT NULL,   -- JSON object
        "trigger"             TEXT NOT NULL,   -- JSON TriggerSpec
        misfire_grace_seconds REAL,
        catch_up              TEXT NOT NULL CHECK (catch_up IN ('skip', 'once', 'all')),
        catch_up_limit        INTEGER NOT NULL,
        max_instances         INTEGER NOT NULL,
        max_jitter_seconds    REAL NOT NULL,
        retry                 TEXT NOT NULL,   -- JSON RetryPolicy
        timeout_seconds       REAL,
        paused                INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
        next_run_at           INTEGER,
        last_run_at           INTEGER,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL,
        version               INTEGER NOT NULL DEFAULT 1
      );

      -- The engine's only read of schedules in steady state: due, unpaused ones, oldest first.
      CREATE INDEX schedules_due ON schedules (next_run_at)
        WHERE paused = 0 AND next_run_at IS NOT NULL;

      -- listSchedules order and keyset pagination.
      CREATE INDEX schedules_created ON schedules (created_at, id);

      -- Runs. No foreign key to schedules: the history outlives a deleted schedule.
      -- occurrence = 1 marks a scheduled run that holds its (schedule_id, scheduled_at) key;
      -- deleting the schedule sets it to 0 so that the key is free again.
      CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        schedule_id      TEXT,
        origin           TEXT NOT NULL CHECK (origin IN ('scheduled', 'manual', 'one_off')),
        occurrence       INTEGER NOT NULL DEFAULT 0 CHECK (occurrence IN (0, 1)),
        handler          TEXT NOT NULL,
        method           TEXT NOT NULL,
        params           TEXT NOT NULL,        -- JSON object
        status           TEXT NOT NULL CHECK (status IN (
                           'queued', 'running', 'succeeded', 'failed',
                           'timed_out', 'cancelled', 'lost', 'missed')),
        attempt          INTEGER NOT NULL DEFAULT 0,
        retry            TEXT NOT NULL,        -- JSON RetryPolicy
        timeout_seconds  REAL,
        scheduled_at     INTEGER NOT NULL,
        available_at     INTEGER NOT NULL,
        start_by         INTEGER,
        worker_id        TEXT,
        started_at       INTEGER,
        deadline         INTEGER,
        finished_at      INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
        progress         REAL,
        message          TEXT,
        result           TEXT,                 -- JSON value
        error            TEXT,                 -- JSON RunError
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      );

      -- One run per occurrence of a schedule (INSERT ... ON CONFLICT DO NOTHING skips repeats).
      CREATE UNIQUE INDEX runs_occurrence ON runs (schedule_id, scheduled_at)
        WHERE occurrence = 1;

      -- claimRuns: a handler's queued runs, oldest available first.
      CREATE INDEX runs_claim ON runs (handler, available_at, id)
        WHERE status = 'queued';

      -- timeoutRuns / nextReapAt: running attempts by deadline.
      CREATE INDEX runs_deadline ON runs (deadline)
        WHERE status = 'running' AND deadline IS NOT NULL;

      -- missOverdueRuns / nextReapAt: never-started queued runs by start_by.
      CREATE INDEX runs_start_by ON runs (start_by)
        WHERE status = 'queued' AND attempt = 0 AND start_by IS NOT NULL;

      -- A schedule's history (listRuns by schedule) and keep-per-schedule pruning.
      CREATE INDEX runs_schedule ON runs (schedule_id, scheduled_at DESC, id DESC)
        WHERE schedule_id IS NOT NULL;

      -- listRuns order (newest first), keyset pagination, runStats time ranges, and pruning by
      -- age (a run finishes after it is scheduled, so the old ones are found by scheduled_at).
      CREATE INDEX runs_list ON runs (scheduled_at DESC, id DESC);

      -- countActiveRuns (max_instances) and deleteSchedule.
      CREATE INDEX runs_active ON runs (schedule_id)
        WHERE schedule_id IS NOT NULL AND status IN ('queued', 'running');

      -- The queue across handlers: nextAvailableAt, the due queue depth, the queued count.
      CREATE INDEX runs_queued ON runs (available_at)
        WHERE status = 'queued';

      -- A worker's running runs (expiry, leave, runningCounts) and the running count.
      CREATE INDEX runs_worker ON runs (worker_id)
        WHERE status = 'running';

      -- Deliberately no index on status or finished_at: every index a completion touches is one
      -- more page written per commit, and completions are one commit each.

      -- One row per attempt, inserted when it starts and updated when it ends.
      CREATE TABLE attempts (
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        attempt     INTEGER NOT NULL,
        status      TEXT NOT NULL CHECK (status IN (
                      'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost')),
        worker_id   TEXT,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        result      TEXT,                      -- JSON value
        error       TEXT,                      -- JSON RunError
        PRIMARY KEY (run_id, attempt)
      ) WITHOUT ROWID;

      CREATE TABLE workers (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('remote', 'local')),
        handler       TEXT NOT NULL,
        methods       TEXT NOT NULL,           -- JSON array of method names
        concurrency   INTEGER NOT NULL,
        name          TEXT,
        version       TEXT,
        status        TEXT NOT NULL CHECK (status IN ('online', 'left', 'lost')),
        registered_at INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL
      );

      -- expireWorkers: online workers by lease end.
      CREATE INDEX workers_online ON workers (expires_at) WHERE status = 'online';

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'run row is its latest attempt; no runs_queued',
    sql: /* sql */ `
      -- From this version on, a claim writes no attempt row: the run row describes its current
      -- (or last) attempt, and the attempts table only keeps attempts that ended while their run
      -- went on (a retry followed). A 'running' row written by version 1 would never be finished
      -- now; the run row describes that attempt, so the row goes. Finished rows stay: getAttempts
      -- does not read the run row for an attempt that has its own row.
      DELETE FROM attempts WHERE status = 'running';

      -- runs_claim (handler, available_at, id) WHERE status = 'queued' serves the queue-wide
      -- reads as well (nextAvailableAt and countDueQueued seek it handler by handler), so a
      -- second index of the queue was one more entry to write and delete for every queued run.
      DROP INDEX runs_queued;
    `,
  },
  {
    version: 3,
    name: 'run logs',
    sql: /* sql */ `
      -- Log lines of runs. seq counts a run's lines from 1. WITHOUT ROWID: every read is one
      -- run's lines in seq order, and clustering them by (run_id, seq) keeps them together.
      -- The lines go with their run when history is pruned (ON DELETE CASCADE).
      CREATE TABLE run_logs (
        run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq     INTEGER NOT NULL,
        attempt INTEGER,
        at      INTEGER NOT NULL,
        stream  TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'log')),
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;

      -- One row per run that has a log: where its next line goes and how much it holds, so that
      -- the size caps hold across restarts without counting the lines again.
      CREATE TABLE run_log_state (
        run_id    TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        last_seq  INTEGER NOT NULL,
        lines     INTEGER NOT NULL,
        bytes     INTEGER NOT NULL,
        truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1))
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'running runs by last word',
    sql: /* sql */ `
      -- expireSilentRuns: running runs by the last time their worker reported on them.
      CREATE INDEX runs_running_updated ON runs (updated_at) WHERE status = 'running';
    `,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The database was written by a newer ScheduleZero than this one. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
    filename: string,
  ) {
    super(
      `The database ${filename} has schema version ${databaseVersion}, but this ScheduleZero only ` +
        `knows versions up to ${knownVersion}. It was written by a newer ScheduleZero: upgrade, ` +
        `or point this one at another database file.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Version of the newest applied migration, 0 for an empty database. */
export function schemaVersion(db: Database.Database): number {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`)
    .get();
  if (table === undefined) return 0;
  const row = db.prepare(`SELECT max(version) AS version FROM schema_migrations`).get() as {
    version: number | null;
  };
  return row.version ?? 0;
}

/**
 * Apply the pending migrations in order, in one IMMEDIATE transaction (so that two processes
 * starting at once do not both migrate). Returns the versions applied.
 */
export function migrate(
  db: Database.Database,
  now: number = Date.now(),
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error('migrations must have strictly increasing versions');
    }
  }
  const known = migrations.reduce((max, m) => Math.max(max, m.version), 0);

  const apply = db.transaction((): number[] => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      )
    `);
    const current = schemaVersion(db);
    if (current > known) throw new SchemaTooNewError(current, known, db.name);

    const record = db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
      applied.push(migration.version);
    }
    return applied;
  });
  return apply.immediate();
}
