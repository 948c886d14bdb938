/**
 * Run logs: the lines handlers write while a run executes, size-capped per run.
 *
 * A run's lines live in run_logs, numbered by seq from 1; run_log_state holds the run's last seq,
 * how many lines and bytes it has, and whether it hit a cap. An append locks the run's state row
 * for its transaction, so that appends to one run from several nodes take turns: seq stays
 * unique and gap-free, and the caps are exact.
 *
 * PostgreSQL text cannot hold U+0000, which the contract stores like any other character:
 * messages are stored with NUL escaped (see storedText) and read back unescaped.
 */
import { planLogAppend, type RunLogState } from '../log-lines.js';
import type { AppendRunLogsResult, LogStream, NewRunLogLine, RunLogCaps, RunLogLine, RunLogPage, RunLogQuery } from '../store.js';
import type { PgDatabase } from './database.js';

interface LineRecord {
  seq: number;
  attempt: number | null;
  at: number;
  stream: LogStream;
  message: string;
}

/**
 * The escape character: U+FDD0 is a Unicode noncharacter, reserved for a program's internal use,
 * so it (escaped as itself twice) practically never costs anything. NUL is stored as U+FDD0 "0".
 */
const ESCAPE = '\uFDD0';
const NEEDS_ESCAPE = /[\u0000\uFDD0]/;

/** A message as PostgreSQL text: NUL and the escape character escaped. */
function storedText(message: string): string {
  if (!NEEDS_ESCAPE.test(message)) return message;
  return message.replace(/[\u0000\uFDD0]/g, (c) => (c === '\u0000' ? `${ESCAPE}0` : ESCAPE + ESCAPE));
}

/** The message storedText() was given. */
function messageOf(text: string): string {
  if (!text.includes(ESCAPE)) return text;
  return text.replace(/\uFDD0([\s\S])/g, (_, c: string) => (c === '0' ? '\u0000' : c));
}

export async function appendRunLogs(db: PgDatabase, run_id: string, lines: NewRunLogLine[], caps: RunLogCaps): Promise<AppendRunLogsResult | null> {
  if (lines.length === 0) {
    // Nothing to write: a read decides between an unknown run and an empty result.
    const row = await db.one<{ run: boolean; truncated: boolean | null }>(
      `SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1) AS run,
              (SELECT truncated FROM run_log_state WHERE run_id = $1) AS truncated`,
      [run_id],
    );
    if (row!.truncated === null && !row!.run) return null;
    return { accepted: 0, dropped: 0, truncated: row!.truncated === true, lines: [] };
  }

  return db.tx(async (client) => {
    // Create the run's state row on its first append, and lock it either way (the no-op update
    // takes the row lock on conflict): a concurrent append to this run waits here until this
    // transaction commits, then reads the state it left. No row: the run does not exist.
    const state = await db.one<RunLogState>(
      `INSERT INTO run_log_state (run_id, last_seq, lines, bytes, truncated)
       SELECT id, 0, 0, 0, false FROM runs WHERE id = $1
       ON CONFLICT (run_id) DO UPDATE SET last_seq = run_log_state.last_seq
       RETURNING last_seq, lines, bytes, truncated`,
      [run_id],
      client,
    );
    if (state === null) return null;
    const { result, state: next } = planLogAppend(state, lines, caps);
    // The log hit a cap before: nothing to write.
    if (result.lines.length === 0) return result;

    // One statement for the whole batch: the lines travel as one array per column.
    await db.query(
      `INSERT INTO run_logs (run_id, seq, attempt, at, stream, message)
       SELECT $1, l.seq, l.attempt, l.at, l.stream, l.message
       FROM unnest($2::int[], $3::int[], $4::bigint[], $5::text[], $6::text[]) AS l (seq, attempt, at, stream, message)`,
      [
        run_id,
        result.lines.map((l) => l.seq),
        result.lines.map((l) => l.attempt),
        result.lines.map((l) => l.at),
        result.lines.map((l) => l.stream),
        result.lines.map((l) => storedText(l.message)),
      ],
      client,
    );
    await db.query(
      `UPDATE run_log_state SET last_seq = $2, lines = $3, bytes = $4, truncated = $5 WHERE run_id = $1`,
      [run_id, next.last_seq, next.lines, next.bytes, next.truncated],
      client,
    );
    return result;
  });
}

export async function listRunLogs(db: PgDatabase, run_id: string, query: RunLogQuery): Promise<RunLogPage> {
  const after = Math.max(0, Math.floor(query.after_seq ?? 0));
  // One statement, so the lines and the state come from one snapshot; the state row is joined
  // to a single-row FROM so that a run with no state (or no lines) still returns its row.
  const row = await db.one<{ lines: LineRecord[] | null; last_seq: number | null; truncated: boolean | null }>(
    `SELECT s.last_seq, s.truncated,
            (SELECT json_agg(l ORDER BY l.seq) FROM (
               SELECT seq, attempt, at, stream, message
               FROM run_logs
               WHERE run_id = $1 AND seq > $2
               ORDER BY seq
               LIMIT $3
             ) l) AS lines
     FROM (SELECT 1) one
     LEFT JOIN run_log_state s ON s.run_id = $1`,
    [run_id, after, Math.max(0, Math.floor(query.limit))],
  );
  const lines = (row?.lines ?? []).map(
    (r): RunLogLine => ({ seq: r.seq, at: r.at, stream: r.stream, message: messageOf(r.message), attempt: r.attempt }),
  );
  return {
    lines,
    truncated: row?.truncated === true,
    next_seq: lines.at(-1)?.seq ?? after,
    last_seq: row?.last_seq ?? 0,
  };
}
