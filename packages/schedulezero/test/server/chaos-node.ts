import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));
/** What is kept of a node's output (per node, all its lives): enough to show why it failed. */
const OUTPUT_LIMIT = 64 * 1024;

export interface NodeOptions {
  name: string;
  port: number;
  databaseUrl: string;
  /** A settings file (lease and heartbeat for the test). */
  configFile: string;
  /** The working folder: an empty one, so that no ./schedulezero.yaml or registry is picked up. */
  cwd: string;
}

/** An exit the test did not cause (a crash, a refusal to start). */
export interface UnexpectedExit {
  node: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * One scheduler node: a real `schedulezero serve` process, in a process group of its own so that
 * SIGKILL of the group leaves nothing behind. It comes back on the same port after a kill.
 */
export class ChaosNode {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  private killing = false;

  constructor(
    private readonly options: NodeOptions,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
  ) {}

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get alive(): boolean {
    return this.child !== null;
  }

  /** The node's recent output (stdout and stderr of all its lives). */
  output(): string {
    return this.log;
  }

  /** Spawn the node and resolve once it answers its health check. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    const { port, databaseUrl, configFile, cwd } = this.options;
    const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--no-portal', '--config', configFile], {
      cwd,
      env: { ...process.env, SCHEDULEZERO_DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.append(`--- ${this.name} started (pid ${child.pid}) at ${new Date().toISOString()}\n`);
    child.stdout!.on('data', (d: Buffer) => this.append(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.append(d.toString()));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.append(`--- ${this.name} exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}\n`);
        if (this.child === child) this.child = null;
        if (!this.killing) this.onUnexpectedExit({ node: this.name, code, signal, at: Date.now() });
        resolve();
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child !== child) throw new Error(`${this.name} exited while starting:\n${this.log.slice(-4000)}`);
      const res = await fetch(`${this.url}/api/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      if (res?.ok) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer within ${timeoutMs} ms:\n${this.log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL the whole process group and wait for the exit: no clean stop, nothing released. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.killing = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
    await this.exited;
    this.killing = false;
  }

  private append(text: string): void {
    this.log += text;
    if (this.log.length > OUTPUT_LIMIT * 2) this.log = this.log.slice(-OUTPUT_LIMIT);
  }
}
