import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { JsonValue } from '../domain/types.js';
import type { Logger } from '../domain/logger.js';
import type { LocalJobContext, LocalMethod } from '../engine/local-worker.js';
import type { LogStream } from '../store/store.js';
import type { RegisteredHandler } from './registry.js';

export type CommandHandler = Extract<RegisteredHandler, { type: 'command' }>;

export const DEFAULT_KILL_GRACE_SECONDS = 5;
/** Longer lines are cut into pieces of this size: a program printing without newlines cannot grow memory. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** How much of the last stderr line goes into the run's error. */
const ERROR_LINE_CHARS = 300;
/**
 * After the program exits, its output pipes get this long to drain: a background process it left
 * behind may hold them open, and the run must still end.
 */
const DRAIN_MS = 2000;

export interface CommandHandlerDeps {
  logger: Logger;
}

function commandError(name: string, message: string, retryable: boolean): Error {
  return Object.assign(new Error(message), { name, retryable });
}

/** One line of program output fit for an error message: no control characters, bounded. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean.length > ERROR_LINE_CHARS ? `${clean.slice(0, ERROR_LINE_CHARS)}…` : clean;
}

/** Splits a byte stream into lines (UTF-8 safe across chunks; "\r\n" and "\n"), each at most `max` chars. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly max = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  end(): void {
    this.feed(this.decoder.end());
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  private feed(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = this.partial + text.slice(start, nl);
      this.partial = '';
      this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    this.partial += text.slice(start);
    while (this.partial.length >= this.max) {
      this.emit(this.partial.slice(0, this.max));
      this.partial = this.partial.slice(this.max);
    }
  }

  private line(line: string): void {
    for (let i = 0; i < line.length; i += this.max) this.emit(line.slice(i, i + this.max));
    if (line.length === 0) this.emit('');
  }
}

/** The program to start: a list runs as is, a string through /bin/sh -c. */
export function commandArgv(command: string | string[]): { file: string; args: string[]; shell: boolean } {
  if (typeof command === 'string') return { file: '/bin/sh', args: ['-c', command], shell: true };
  return { file: command[0]!, args: command.slice(1), shell: false };
}

function describeSpawnError(err: NodeJS.ErrnoException, file: string): string {
  if (err.code === 'ENOENT') return `cannot start "${file}": no such program (ENOENT; give a path or put it on PATH)`;
  if (err.code === 'EACCES') return `cannot start "${file}": permission denied (EACCES; is it executable?)`;
  return `cannot start "${file}": ${err.code ?? err.name}: ${err.message}`;
}

/**
 * Run one job as a child process: params as JSON on stdin, the run's identity in SZ_*
 * environment variables, stdout and stderr line by line into the run's log. Exit code 0 is
 * success, with the last non-empty stdout line as the result when it is JSON. A timeout or cancel
 * (ctx.signal) sends SIGTERM to the whole process group, then SIGKILL after the grace period.
 */
export function runCommand(
  handler: CommandHandler,
  params: Record<string, unknown>,
  ctx: LocalJobContext,
  deps: CommandHandlerDeps,
): Promise<JsonValue | null> {
  const { file, args, shell } = commandArgv(handler.methods[ctx.method]?.command ?? handler.command);
  const graceMs = (handler.kill_grace_seconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000;

  // Node reports a missing working directory as ENOENT of the program: say what is really wrong.
  let cwdOk = false;
  try {
    cwdOk = statSync(handler.cwd).isDirectory();
  } catch {
    cwdOk = false;
  }
  if (!cwdOk) return Promise.reject(commandError('CommandNotStarted', `cannot start "${file}": working directory ${handler.cwd} does not exist`, false));
  if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason as Error);

  // A log sink that throws must not become an uncaught exception inside a stream callback.
  const log = (line: string, stream: LogStream) => {
    try {
      ctx.log(line, stream);
    } catch (err) {
      deps.logger.warn({ err, run_id: ctx.run_id }, 'could not store a log line');
    }
  };

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...handler.env,
    SZ_RUN_ID: ctx.run_id,
    SZ_ATTEMPT: String(ctx.attempt),
    SZ_HANDLER: handler.id,
    SZ_METHOD: ctx.method,
    SZ_SCHEDULE_ID: ctx.schedule_id ?? '',
    SZ_SCHEDULED_AT: ctx.scheduled_at.toISOString(),
    SZ_DEADLINE: ctx.deadline ? ctx.deadline.toISOString() : '',
  };

  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // detached: the program leads its own process group, so that a stop reaches its children too.
      child = spawn(file, args, { cwd: handler.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      // Synchronous refusals: a NUL byte in an argument and the like.
      reject(commandError('CommandNotStarted', `cannot start "${file}": ${(err as Error).message}`, false));
      return;
    }

    let lastStdout = '';
    let lastStderr = '';
    const stdout = new LineSplitter((line) => {
      log(line, 'stdout');
      if (line.trim() !== '') lastStdout = line;
    });
    const stderr = new LineSplitter((line) => {
      log(line, 'stderr');
      if (line.trim() !== '') lastStderr = line;
    });

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let spawnError: NodeJS.ErrnoException | null = null;
    let drainTimer: NodeJS.Timeout | undefined;
    let done = false;

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch (err) {
        // ESRCH: the group is gone already. Anything else: at least the program itself.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') child.kill(signal);
      }
    };

    const onAbort = () => {
      if (done) return;
      const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'stopped';
      log(`${reason}: SIGTERM to the process group, SIGKILL in ${graceMs / 1000} s if it is still running`, 'log');
      killGroup('SIGTERM');
      // Kept even after the program exits: what it started in its group and that ignores
      // SIGTERM goes too.
      setTimeout(() => {
        if (!exit) log('still running after the grace period: SIGKILL', 'log');
        killGroup('SIGKILL');
      }, graceMs);
    };

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(drainTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      stdout.end();
      stderr.end();
      if (spawnError) {
        reject(commandError('CommandNotStarted', describeSpawnError(spawnError, file), false));
        return;
      }
      // A timeout, cancel or shutdown: the engine records that outcome, not the exit status.
      if (ctx.signal.aborted) {
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(String(ctx.signal.reason)));
        return;
      }
      const { code, signal } = exit ?? { code: null, signal: null };
      if (code === 0) {
        resolve(parseResult(lastStdout));
        return;
      }
      const detail = lastStderr.trim() !== '' ? `: ${oneLine(lastStderr)}` : ' (nothing on stderr)';
      if (code !== null) {
        // 127 and 126 from the shell: the command is missing or not executable; a retry changes nothing.
        const shellMissing = shell && (code === 127 || code === 126);
        const hint = shellMissing ? (code === 127 ? ' (the shell found no such command)' : ' (the shell could not execute it)') : '';
        reject(commandError(shellMissing ? 'CommandNotStarted' : 'CommandFailed', `exited with code ${code}${hint}${detail}`, !shellMissing));
        return;
      }
      reject(commandError('CommandKilled', `killed by signal ${signal ?? 'unknown'}${detail}`, true));
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        spawnError = err;
        finish();
        return;
      }
      // A failed kill or similar on a started process: its exit still ends the run.
      deps.logger.warn({ err, run_id: ctx.run_id }, 'command handler: child process error');
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Pipes held open by something it left behind must not keep the run going.
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, DRAIN_MS);
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      exit ??= { code, signal };
      finish();
    });

    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout!.on('error', () => undefined);
    child.stderr!.on('error', () => undefined);
    // A program that never reads stdin closes the pipe: EPIPE here is expected, not a crash.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(`${JSON.stringify(params)}\n`);

    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The result: the last non-empty stdout line when it is JSON, else null. */
function parseResult(line: string): JsonValue | null {
  const text = line.trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return null;
  }
}

/** The in-process methods of a command handler: each method spawns its command (or the handler's). */
export function commandHandlerMethods(handler: CommandHandler, deps: CommandHandlerDeps): Record<string, LocalMethod> {
  const call: LocalMethod = (params, ctx) => runCommand(handler, params, ctx, deps);
  return Object.fromEntries(Object.keys(handler.methods).map((name) => [name, call]));
}
