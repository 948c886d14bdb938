/**
 * Run logs: the lines handlers write while a run executes, size-capped per run.
 *
 * A run's lines live in run_logs, numbered by seq from 1; run_log_state holds the run's last seq,
 * how many lines and bytes it has, and whether it hit a cap, so that a cap reached before a
 * restart still holds after it. appendRunLogs and listRunLogs are transaction bodies, run by
 * SqliteStore in `db.tx(...)`.
 */
import type { AppendRunLogsResult, LogStream, NewRunLogLine, RunLogCaps, RunLogLine, RunLogPage, RunLogQuery } from '../store.js';
import { EMPTY_LOG_STATE, planLogAppend } from '../log-lines.js';
import type { SqliteDatabase } from './database.js';

interface StateRecord {
  last_seq: number;
  lines: number;
  bytes: number;
  truncated: number;
}

interface LineRecord {
  seq: number;
  attempt: number | null;
  at: number;
  stream: LogStream;
  message: string;
}

/** Transaction body (IMMEDIATE: reads the cap state, then writes). Null when the run does not exist. */
export function appendRunLogs(db: SqliteDatabase, run_id: string, lines: NewRunLogLine[], caps: RunLogCaps): AppendRunLogsResult | null {
  const record = db.sql<StateRecord>`
    SELECT last_seq, lines, bytes, truncated FROM run_log_state WHERE run_id = ?
  `.get(run_id);
  if (record === undefined && db.sql`SELECT 1 FROM runs WHERE id = ?`.get(run_id) === undefined) return null;
  const { result, state } = planLogAppend(record === undefined ? EMPTY_LOG_STATE : { ...record, truncated: record.truncated === 1 }, lines, caps);
  // An empty batch, or a log that hit a cap before: nothing to write.
  if (result.lines.length === 0) return result;

  // One statement for the whole batch: the lines travel as one JSON array.
  db.sql`
    INSERT INTO run_logs (run_id, seq, attempt, at, stream, message)
    SELECT @run_id, line ->> '$.seq', line ->> '$.attempt', line ->> '$.at', line ->> '$.stream', line ->> '$.message'
    FROM (SELECT value AS line FROM json_each(@lines))
  `.run({ run_id, lines: JSON.stringify(result.lines) });
  db.sql`
    INSERT INTO run_log_state (run_id, last_seq, lines, bytes, truncated)
    VALUES (@run_id, @last_seq, @lines, @bytes, @truncated)
    ON CONFLICT (run_id) DO UPDATE SET
      last_seq = excluded.last_seq, lines = excluded.lines, bytes = excluded.bytes, truncated = excluded.truncated
  `.run({ run_id, last_seq: state.last_seq, lines: state.lines, bytes: state.bytes, truncated: state.truncated ? 1 : 0 });
  return result;
}

/** Transaction body (a read: the lines and the state come from one snapshot). */
export function listRunLogs(db: SqliteDatabase, run_id: string, query: RunLogQuery): RunLogPage {
  const after = Math.max(0, Math.floor(query.after_seq ?? 0));
  const rows = db.sql<LineRecord>`
    SELECT seq, attempt, at, stream, message
    FROM run_logs
    WHERE run_id = ? AND seq > ?
    ORDER BY seq
    LIMIT CAST(? AS INTEGER)
  `.all(run_id, after, Math.max(0, Math.floor(query.limit)));
  const state = db.sql<Pick<StateRecord, 'last_seq' | 'truncated'>>`
    SELECT last_seq, truncated FROM run_log_state WHERE run_id = ?
  `.get(run_id);
  const lines = rows.map((r): RunLogLine => ({ seq: r.seq, at: r.at, stream: r.stream, message: r.message, attempt: r.attempt }));
  return {
    lines,
    truncated: state?.truncated === 1,
    next_seq: lines.at(-1)?.seq ?? after,
    last_seq: state?.last_seq ?? 0,
  };
}
