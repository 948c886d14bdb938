/** Helpers every store (and the engine) shares for run log lines. */
import type { AppendRunLogsResult, NewRunLogLine, RunLogCaps, RunLogLine } from './store.js';

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;
const encoder = new TextEncoder();
/** A surrogate without its pair: not a character, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A message as it is stored: lone surrogates (which UTF-8 cannot hold) become U+FFFD, and a
 * message over `maxBytes` of UTF-8 is cut on a character boundary and ends in "…".
 */
export function fitLine(message: string, maxBytes: number): string {
  const text = message.replace(LONE_SURROGATE, '\uFFFD');
  // A UTF-16 unit is at most 3 bytes of UTF-8: most lines need no counting at all.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  // encodeInto writes whole characters only, and says how many UTF-16 units it consumed.
  const { read } = encoder.encodeInto(text, new Uint8Array(Math.max(0, maxBytes - ELLIPSIS_BYTES)));
  return text.slice(0, read) + ELLIPSIS;
}

/** The smallest useful max_line_bytes: the ellipsis and one byte. */
export const MIN_LINE_BYTES = ELLIPSIS_BYTES + 1;

/** A run's log so far: its last seq, the lines and bytes the caps count, and whether it hit one. */
export interface RunLogState {
  last_seq: number;
  lines: number;
  bytes: number;
  truncated: boolean;
}

/** The state of a run that has no log yet. */
export const EMPTY_LOG_STATE: Readonly<RunLogState> = { last_seq: 0, lines: 0, bytes: 0, truncated: false };

export interface RunLogAppendPlan {
  /** What the append returns; its `lines` are the ones to store (none: nothing to write). */
  result: AppendRunLogsResult;
  /** The log's state once they are stored. */
  state: RunLogState;
}

/**
 * Plan appending `lines` to a log in `state` within `caps`: lines are cut to max_line_bytes and
 * numbered on from last_seq; the first line over a cap and all after it are dropped, and one
 * marker line ends the log instead. A log truncated already takes nothing.
 */
export function planLogAppend(state: RunLogState, lines: NewRunLogLine[], caps: RunLogCaps): RunLogAppendPlan {
  if (state.truncated) return { result: { accepted: 0, dropped: lines.length, truncated: true, lines: [] }, state };
  const maxLineBytes = Math.max(MIN_LINE_BYTES, Math.floor(caps.max_line_bytes));
  let seq = state.last_seq;
  let count = state.lines;
  let bytes = state.bytes;
  const stored: RunLogLine[] = [];
  let dropped = 0;
  let firstDropped: NewRunLogLine | null = null;
  for (const line of lines) {
    if (firstDropped === null) {
      const message = fitLine(line.message, maxLineBytes);
      const size = Buffer.byteLength(message, 'utf8');
      if (count + 1 <= caps.max_lines && bytes + size <= caps.max_bytes) {
        count += 1;
        bytes += size;
        seq += 1;
        stored.push({ seq, at: Math.round(line.at), stream: line.stream, message, attempt: line.attempt });
        continue;
      }
      firstDropped = line;
    }
    dropped += 1;
  }
  const accepted = stored.length;
  if (firstDropped !== null) {
    // The marker is not counted against the caps: it is the one line written after them.
    seq += 1;
    stored.push({ seq, at: Math.round(firstDropped.at), stream: 'log', message: markerLine(caps), attempt: firstDropped.attempt });
  }
  const truncated = firstDropped !== null;
  return { result: { accepted, dropped, truncated, lines: stored }, state: { last_seq: seq, lines: count, bytes, truncated } };
}

/** The line that ends a log which hit a cap. */
function markerLine(caps: RunLogCaps): string {
  return `[log truncated: this run's log reached its limit of ${caps.max_lines} lines or ${caps.max_bytes} bytes; later lines were dropped]`;
}
