import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptRow, RunRow } from '../../src/domain/types.js';
import { isTerminal } from '../../src/domain/types.js';
import type { Engine } from '../../src/engine/engine.js';
import type { LocalJobContext } from '../../src/engine/local-worker.js';
import type { LogStream } from '../../src/store/store.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, waitFor } from '../helpers.js';

/** Write a handler_registry.yaml into `dir` and return its path. */
export function writeRegistry(dir: string, yaml: string, name = 'handler_registry.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** A server started with the given registry text (written to `dir`). */
export async function startWithRegistry(dir: string, yaml: string): Promise<RunningServer> {
  return startTestServer({ handler_registry: writeRegistry(dir, yaml) }, { reapIntervalMs: 50 });
}

/** Wait until the run has finished (any terminal status); returns it with its attempts. */
export async function settled(engine: Engine, id: string, timeoutMs = 15_000): Promise<{ run: RunRow; attempts: AttemptRow[] }> {
  return waitFor(async () => {
    const found = await engine.getRun(id);
    return isTerminal(found.run.status) ? found : null;
  }, timeoutMs);
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The raw body, byte for byte (signatures are over these bytes). */
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves when the next request arrives (or with one that already did, by index). */
  nth(index: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on 127.0.0.1. `answer` gets each request (body read) and the response; it
 * may also leave the request hanging or destroy the socket.
 */
export async function startReceiver(answer: (req: ReceivedRequest, res: ServerResponse, raw: IncomingMessage) => void): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req: ReceivedRequest = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(req);
      answer(req, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nth: (index) => waitFor(() => requests[index]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Whether a process is still running (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export interface RecordingContext extends LocalJobContext {
  lines: { stream: LogStream; line: string }[];
  controller: AbortController;
}

/** A job context as the engine makes it, recording log lines (for calling a handler directly). */
export function recordingContext(overrides: Partial<LocalJobContext> = {}): RecordingContext {
  const controller = new AbortController();
  const lines: { stream: LogStream; line: string }[] = [];
  return {
    run_id: 'run-1',
    schedule_id: null,
    method: 'm',
    attempt: 1,
    scheduled_at: new Date(),
    deadline: null,
    signal: controller.signal,
    progress: async () => undefined,
    log: (line, stream = 'log') => {
      lines.push({ stream, line });
    },
    ...overrides,
    lines,
    controller,
  };
}
