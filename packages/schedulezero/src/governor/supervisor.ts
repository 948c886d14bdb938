import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from '../domain/logger.js';
import { restartDelayMs } from './backoff.js';
import { closeLogFile, markLogFile, openLogFile } from './log-file.js';
import { signalGroup } from './process-group.js';
import type { ProcessSpec } from './spec.js';
import type { GovernedState, GovernedStatus } from './types.js';

export interface SupervisorDeps {
  logger: Logger;
  serverUrl: string;
  onChange: (state: GovernedState) => void;
  now?: () => number;
}

interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: string;
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'no exit status' : `exit code ${code}`;
}

function describeSpawnError(err: NodeJS.ErrnoException, program: string): string {
  if (err.code === 'ENOENT') return `program not found: ${program} (spawn ENOENT)`;
  if (err.code === 'EACCES') return `program not executable: ${program} (spawn EACCES)`;
  return `cannot start ${program}: ${err.message}`;
}

/**
 * Keeps one process running: starts it, restarts it after a crash with exponential back-off,
 * gives up after too many crashes in a row, and stops it (its whole process group) on request.
 * Every exit while it should run counts as a crash, whatever the exit code: a worker is meant to
 * run until it is told to stop.
 */
export class Supervisor {
  private status: GovernedStatus = 'stopped';
  private since: number;
  private pid: number | null = null;
  private child: ChildProcess | null = null;
  private restarts = 0;
  private crashes = 0;
  private startedAt: number | null = null;
  private nextRestartAt: number | null = null;
  private lastExit: GovernedState['last_exit'] = null;
  private lastError: string | null = null;
  private stopRequested = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  /** stop() calls waiting for the process to be gone. */
  private readonly waiters = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    readonly spec: ProcessSpec,
    private readonly deps: SupervisorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.since = this.now();
  }

  snapshot(): GovernedState {
    return {
      handler: this.spec.handler,
      state: this.status,
      pid: this.pid,
      restarts: this.restarts,
      last_exit: this.lastExit ? { ...this.lastExit } : null,
      started_at: this.startedAt,
      next_restart_at: this.nextRestartAt,
      log_file: this.spec.logFile,
      command: [...this.spec.command],
      since: this.since,
      consecutive_crashes: this.crashes,
      max_restarts: this.spec.maxRestarts,
      last_error: this.lastError,
    };
  }

  start(): void {
    this.stopRequested = false;
    this.launch();
  }

  /** SIGTERM to the group, SIGKILL after the grace; resolves once the process has exited. */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.clearRestartTimer();
    if (this.child === null) {
      // Waiting to restart (or never started): nothing runs; a given-up process stays `failed`.
      if (this.status !== 'failed' && this.status !== 'stopped') this.setStatus('stopped');
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.waiters.add(resolve));
    if (this.status !== 'stopping') {
      this.setStatus('stopping');
      const pid = this.pid;
      if (pid !== null) {
        this.deps.logger.info({ handler: this.spec.handler, pid }, 'stopping supervised process (SIGTERM)');
        signalGroup(pid, 'SIGTERM');
        this.killTimer = setTimeout(() => {
          this.killTimer = null;
          if (this.child === null) return;
          this.deps.logger.warn(
            { handler: this.spec.handler, pid, grace_seconds: this.spec.stopGraceMs / 1000 },
            'supervised process did not stop within its grace period: SIGKILL',
          );
          signalGroup(pid, 'SIGKILL');
        }, this.spec.stopGraceMs);
      }
    }
    return done;
  }

  /** Last resort when the governor's own process exits: nothing may outlive it. Synchronous. */
  killNow(): void {
    this.stopRequested = true;
    this.clearRestartTimer();
    if (this.pid !== null) signalGroup(this.pid, 'SIGKILL');
  }

  private launch(): void {
    const { spec } = this;
    const program = spec.command[0]!;
    this.nextRestartAt = null;
    this.lastError = null;
    this.startedAt = this.now();
    this.setStatus('starting');

    // A missing folder would otherwise surface as a misleading "spawn ENOENT" of the program.
    let cwdProblem: string | null = null;
    try {
      if (!statSync(spec.cwd).isDirectory()) cwdProblem = `working folder is not a folder: ${spec.cwd}`;
    } catch {
      cwdProblem = `working folder does not exist: ${spec.cwd}`;
    }
    if (cwdProblem) return this.onEnded({ code: null, signal: null, error: cwdProblem });

    let fd: number;
    try {
      fd = openLogFile(spec.logFile);
    } catch (err) {
      return this.onEnded({ code: null, signal: null, error: `cannot open log file ${spec.logFile}: ${(err as Error).message}` });
    }

    // Marked before the spawn: a process that writes at once would otherwise come first.
    markLogFile(spec.logFile, `starting (${this.restarts === 0 ? 'first start' : `restart ${this.restarts}`}): ${spec.command.join(' ')}`, this.now());
    let child: ChildProcess;
    try {
      child = spawn(program, spec.command.slice(1), {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env, SCHEDULEZERO_SERVER: this.deps.serverUrl, SCHEDULEZERO_HANDLER: spec.handler },
        // Its own process group: signals reach everything it starts, and a Ctrl-C meant for
        // the governor's terminal does not hit the workers before the governor stops them.
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } catch (err) {
      closeLogFile(fd);
      return this.onEnded({ code: null, signal: null, error: describeSpawnError(err as NodeJS.ErrnoException, program) });
    }
    // The child holds its own copy of the descriptor.
    closeLogFile(fd);
    this.child = child;
    this.pid = child.pid ?? null;

    // 'error' without a pid means it never started; 'exit' may or may not follow an error, so
    // whichever comes first ends this launch and the other is ignored.
    let over = false;
    const finish = (ending: Ending) => {
      if (over) return;
      over = true;
      this.onEnded(ending, child.pid ?? null);
    };
    child.once('spawn', () => {
      if (over || this.child !== child || this.stopRequested) return;
      this.deps.logger.info({ handler: spec.handler, pid: child.pid, restarts: this.restarts }, 'supervised process started');
      this.setStatus('running');
      this.stableTimer = setTimeout(() => {
        // Up long enough: earlier crashes no longer count toward giving up.
        this.stableTimer = null;
        if (this.crashes !== 0) {
          this.crashes = 0;
          this.emit();
        }
      }, spec.stableMs);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ code: null, signal: null, error: describeSpawnError(err, program) });
      else this.deps.logger.warn({ handler: spec.handler, pid: child.pid, err: err.message }, 'supervised process error');
    });
    child.once('exit', (code, signal) => finish({ code, signal }));
  }

  /** The process is gone (or never started): tidy up, then stop, restart or give up. */
  private onEnded(ending: Ending, pid: number | null = null): void {
    const { spec } = this;
    const at = this.now();
    if (pid !== null) {
      // Whatever it started and left behind in its group goes with it: no orphans.
      signalGroup(pid, 'SIGKILL');
    }
    for (const timer of [this.stableTimer, this.killTimer]) if (timer) clearTimeout(timer);
    this.stableTimer = null;
    this.killTimer = null;
    this.child = null;
    this.pid = null;
    const uptimeMs = this.startedAt === null ? 0 : at - this.startedAt;
    this.lastExit = { code: ending.code, signal: ending.signal, at };
    this.lastError = ending.error ?? null;

    const how = ending.error ?? describeExit(ending.code, ending.signal);
    markLogFile(spec.logFile, ending.error ? `could not start: ${ending.error}` : `pid ${pid} exited (${how}) after ${(uptimeMs / 1000).toFixed(1)} s`, at);

    if (this.stopRequested) {
      this.deps.logger.info({ handler: spec.handler, pid, exit: how }, 'supervised process stopped');
      this.setStatus('stopped');
      for (const resolve of this.waiters) resolve();
      this.waiters.clear();
      return;
    }

    if (ending.error === undefined && uptimeMs >= spec.stableMs) this.crashes = 0;
    this.crashes += 1;
    const context = { handler: spec.handler, pid, exit: how, crashes_in_a_row: this.crashes, log_file: spec.logFile };
    if (this.crashes > spec.maxRestarts) {
      this.deps.logger.error(
        { ...context, max_restarts: spec.maxRestarts },
        `supervised process gave up: it ended ${this.crashes} times in a row (${how}); see its log file`,
      );
      this.setStatus('failed');
      return;
    }
    const delay = restartDelayMs(this.crashes, spec.backoff);
    this.nextRestartAt = at + delay;
    const message = ending.error ? `supervised process could not start: ${ending.error}` : 'supervised process exited';
    (ending.error ? this.deps.logger.error : this.deps.logger.warn).call(this.deps.logger, { ...context, restart_in_seconds: delay / 1000 }, `${message}; restarting`);
    this.setStatus('backoff');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopRequested) return;
      this.restarts += 1;
      this.launch();
    }, delay);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.nextRestartAt = null;
  }

  private setStatus(status: GovernedStatus): void {
    this.status = status;
    this.since = this.now();
    this.emit();
  }

  private emit(): void {
    try {
      this.deps.onChange(this.snapshot());
    } catch (err) {
      // A listener's bug must not break supervision.
      this.deps.logger.error({ handler: this.spec.handler, err: (err as Error).message }, 'governor state listener failed');
    }
  }
}
