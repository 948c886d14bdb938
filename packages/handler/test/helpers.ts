import { startServer, type RunningServer, type StartOptions } from '../../schedulezero/src/server/server.js';
import type { ServerConfig } from '../../schedulezero/src/server/config.js';
import { Worker, silentLogger, type WorkerOptions } from '../src/index.js';
import { tempDir, waitFor } from '../../schedulezero/test/helpers.js';

/** The parts of a run (GET /api/v1/runs/{id}) the tests look at. */
export interface RunView {
  id: string;
  schedule_id: string | null;
  status: string;
  attempt: number;
  worker_id: string | null;
  progress: number | null;
  message: string | null;
  result: unknown;
  error: { message: string; type?: string; retryable?: boolean } | null;
  deadline: string | null;
  attempts: Array<{ attempt: number; status: string; worker_id: string | null; error: { message: string; type?: string } | null }>;
}

export interface WorkerView {
  id: string;
  status: 'online' | 'left' | 'lost';
  running: number;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export function startTestServer(config: Partial<ServerConfig> = {}, options: StartOptions = {}): Promise<RunningServer> {
  return startServer(
    {
      port: 0,
      database_url: 'sqlite::memory:',
      log_level: 'silent',
      heartbeat_seconds: 0.2,
      shutdown_grace_seconds: 1,
      ...config,
    },
    { reapIntervalMs: 100, ...options },
  );
}

/** A JSON client for the REST API over real HTTP. */
export function api(base: string, token?: string) {
  return async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

export type Api = ReturnType<typeof api>;

export async function createRun(call: Api, body: Record<string, unknown>): Promise<string> {
  const res = await call<{ id: string }>('POST', '/runs', body);
  if (res.status !== 202) throw new Error(`POST /runs: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function getRun(call: Api, id: string): Promise<RunView> {
  const res = await call<RunView>('GET', `/runs/${id}`);
  if (res.status !== 200) throw new Error(`GET /runs/${id}: ${res.status}`);
  return res.body;
}

export async function listWorkers(call: Api): Promise<WorkerView[]> {
  const res = await call<{ items: Array<{ workers: WorkerView[] }> }>('GET', '/handlers');
  return res.body.items.flatMap((h) => h.workers);
}

/** Poll until the run reaches one of `statuses`. */
export function waitForRun(call: Api, id: string, statuses: string | string[], timeoutMs = 10_000): Promise<RunView> {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  return waitFor(async () => {
    const run = await getRun(call, id);
    return wanted.includes(run.status) ? run : null;
  }, timeoutMs);
}

// Shared with the server's tests, so that both wait and clean up alike.
export { tempDir, waitFor };

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A promise with its resolve function, to hold a method until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(signal.reason);
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** Workers created through this are stopped by `stopAll()` (afterEach). */
export function workerFactory() {
  const workers: Worker[] = [];
  return {
    create(options: Omit<WorkerOptions, 'logger'> & Partial<Pick<WorkerOptions, 'logger'>>): Worker {
      // Short polls keep stop() quick in tests.
      const worker = new Worker({ logger: silentLogger, pollWaitSeconds: 1, retryDelayMs: { initial: 50, max: 500 }, ...options });
      workers.push(worker);
      return worker;
    },
    async stopAll(): Promise<void> {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    },
  };
}
