import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reply, Request } from 'zeromq';
import { waitFor } from '../helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
export const HANDLER_PY = resolve(here, '../../../../examples/original-style-handler/handler.py');
/** Debian's python3 (with python3-zmq), not whatever python3 is first on PATH. */
export const PYTHON = '/usr/bin/python3';

export function assertPythonZmq(): void {
  const check = spawnSync(PYTHON, ['-c', 'import zmq'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${PYTHON} cannot import zmq (apt-get install python3-zmq): ${check.stderr}`);
}

export interface PythonHandler {
  child: ChildProcess;
  lines: string[];
  /** Wait for an output line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, and the exit code once it has exited. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Start examples/original-style-handler/handler.py, bound to a free port on loopback. */
export function startPythonHandler(id: string, serverEndpoint: string, extra: string[] = []): PythonHandler {
  const child = spawn(PYTHON, ['-u', HANDLER_PY, '--id', id, '--address', 'tcp://127.0.0.1:*', '--server', serverEndpoint, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    lines,
    waitForLine: (pattern, timeoutMs = 15_000) => waitFor(() => lines.find((l) => pattern.test(l)), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; handler output:\n${lines.join('\n')}`);
    }),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One request over a fresh REQ socket, as an original handler's registration thread sends it. */
export async function zmqCall(endpoint: string, message: unknown, timeoutMs = 5_000): Promise<any> {
  const socket = new Request({ linger: 0, receiveTimeout: timeoutMs });
  socket.connect(endpoint);
  try {
    await socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    const [reply] = await socket.receive();
    return JSON.parse(reply!.toString('utf8'));
  } finally {
    socket.close();
  }
}

/** A REQ socket kept open (one connection: the identity the server sees stays the same). */
export function zmqSession(endpoint: string) {
  const socket = new Request({ linger: 0, receiveTimeout: 5_000 });
  socket.connect(endpoint);
  return {
    async call(message: unknown): Promise<any> {
      await socket.send(JSON.stringify(message));
      const [reply] = await socket.receive();
      return JSON.parse(reply!.toString('utf8'));
    },
    close: () => socket.close(),
  };
}

/**
 * A handler's REP socket in Node, for misbehaviour the example handler does not have: `answer`
 * returns the reply frame, or null to never answer.
 */
export async function stubHandler(answer: (request: any) => string | null | Promise<string | null>) {
  const socket = new Reply({ linger: 0 });
  await socket.bind('tcp://127.0.0.1:*');
  const address = socket.lastEndpoint!;
  const received: any[] = [];
  void (async () => {
    try {
      for await (const [frame] of socket) {
        const request = JSON.parse(frame!.toString('utf8'));
        received.push(request);
        const reply = await answer(request);
        if (reply === null) return; // stuck for good, as a hung handler is
        await socket.send(reply);
      }
    } catch {
      // closed
    }
  })();
  return { address, received, close: () => socket.close() };
}
