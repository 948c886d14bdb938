import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens a process's log file for appending (creating its folders) and returns the descriptor to
 * hand to the child as stdout and stderr. The child then writes to the file itself: its output
 * never flows through the server (a flood costs the server nothing) and it keeps being written
 * if the supervisor dies. O_APPEND also means `logrotate`'s copytruncate works.
 */
export function openLogFile(file: string): number {
  mkdirSync(dirname(file), { recursive: true });
  return openSync(file, 'a');
}

export function closeLogFile(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * One line from the governor itself, with a timestamp, marking a start or an exit between the
 * process's own lines. Best effort: a log file that cannot be written must not stop supervision.
 */
export function markLogFile(file: string, message: string, now = Date.now()): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `[${new Date(now).toISOString()}] schedulezero governor: ${message}\n`);
  } catch {
    // Reported by the supervisor when it opens the file for the next start.
  }
}
