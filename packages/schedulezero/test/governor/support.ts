import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Logger } from '../../src/domain/logger.js';
import type { GovernedState, Governor } from '../../src/governor/index.js';
import { waitFor } from '../helpers.js';

/** Write a handler_registry.yaml (from objects) into `dir` and return its path. */
export function writeRegistry(dir: string, handlers: object[], name = 'handler_registry.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify({ handlers }));
  return file;
}

/** Write a plain Node script into `dir` and return its path. */
export function writeScript(dir: string, name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

/**
 * True while `pid` is a live process. A killed process whose parent has not reaped it yet (a
 * zombie, e.g. an orphan under a container's pid 1 that never reaps) counts as dead.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: Record<string, unknown>;
}

/** A logger that keeps what it is given, for assertions. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Wait until the governor's process for `handler` passes `test`; its state then. */
export function stateWhen(governor: () => Governor | null, handler: string, test: (s: GovernedState) => boolean, timeoutMs = 10_000): Promise<GovernedState> {
  return waitFor(() => {
    const state = governor()?.state(handler);
    return state && test(state) ? state : null;
  }, timeoutMs);
}

/** Every state change, in order. */
export function changeRecorder(): { changes: GovernedState[]; onChange: (s: GovernedState) => void } {
  const changes: GovernedState[] = [];
  return { changes, onChange: (s) => void changes.push(s) };
}

/** A worker that keeps running until SIGTERM, writing its environment (and a grandchild's pid) to files first. */
export const SLEEPER = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const out = process.env.OUT_DIR;
writeFileSync(out + '/env-' + process.env.SCHEDULEZERO_HANDLER + '.json', JSON.stringify({
  server: process.env.SCHEDULEZERO_SERVER, handler: process.env.SCHEDULEZERO_HANDLER, extra: process.env.EXTRA ?? null, pid: process.pid,
}));
// A helper process that ignores SIGTERM: it would be an orphan if only the worker were signalled.
// It writes its pid file once it ignores SIGTERM, so a test that saw the file can rely on that.
const helperFile = out + '/helper-' + process.env.SCHEDULEZERO_HANDLER + '.pid';
spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)", helperFile], { stdio: 'ignore' });
console.log('sleeper up, pid ' + process.pid);
console.error('a line on stderr');
process.on('SIGTERM', () => { console.log('sleeper got SIGTERM'); process.exit(0); });
setInterval(() => {}, 1000);
`;
