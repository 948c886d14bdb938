import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../packages/schedulezero/src/server/server.js';

/**
 * The Python example worker against a real server: it must speak the protocol well enough to
 * run one-off and scheduled jobs, retry failures per policy, stop on cancel, and leave on SIGTERM.
 */

const WORKER = fileURLToPath(new URL('../worker.py', import.meta.url));
const HANDLER = 'pydemo';

interface RunView {
  id: string;
  schedule_id: string | null;
  status: string;
  attempt: number;
  progress: number | null;
  message: string | null;
  result: unknown;
  error: { message: string; type?: string; retryable?: boolean } | null;
  attempts: Array<{ attempt: number; status: string; worker_id: string | null }>;
}

interface WorkerView {
  id: string;
  status: string;
  running: number;
}

let server: RunningServer;
let python: ChildProcess;
let output = '';
let exited: Promise<number | null>;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; worker output:\n${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function createRun(body: Record<string, unknown>): Promise<string> {
  const res = await call<{ id: string }>('POST', '/runs', { handler: HANDLER, ...body });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function getRun(id: string): Promise<RunView> {
  return (await call<RunView>('GET', `/runs/${id}`)).body;
}

function waitForRun(id: string, statuses: string[], timeoutMs = 10_000): Promise<RunView> {
  return waitFor(async () => {
    const run = await getRun(id);
    return statuses.includes(run.status) ? run : null;
  }, timeoutMs);
}

async function workers(): Promise<WorkerView[]> {
  const res = await call<{ items: Array<{ handler: string; workers: WorkerView[] }> }>('GET', '/handlers');
  return res.body.items.filter((h) => h.handler === HANDLER).flatMap((h) => h.workers);
}

beforeAll(async () => {
  server = await startServer(
    { port: 0, database_url: 'sqlite::memory:', log_level: 'silent', heartbeat_seconds: 0.2, shutdown_grace_seconds: 1 },
    { reapIntervalMs: 100 },
  );
  python = spawn('python3', [WORKER, '--concurrency', '2', '--handler', HANDLER, '--poll-wait', '2'], {
    env: { ...process.env, SCHEDULEZERO_SERVER: server.url, SCHEDULEZERO_TOKEN: '', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  python.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  python.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => python.once('exit', (code) => resolve(code)));
  await waitFor(async () => (await workers()).some((w) => w.status === 'online'));
});

afterAll(async () => {
  if (python.exitCode === null && python.signalCode === null) python.kill('SIGKILL');
  await server?.close();
});

describe('the Python example worker', () => {
  it('runs one-off jobs and returns their results', async () => {
    const hello = await createRun({ method: 'hello', params: { name: 'Ada' } });
    const add = await createRun({ method: 'add', params: { a: 2, b: 3.5 } });
    expect((await waitForRun(hello, ['succeeded', 'failed'])).result).toEqual({ greeting: 'Hello, Ada!' });
    expect((await waitForRun(add, ['succeeded', 'failed'])).result).toEqual({ sum: 5.5 });

    const bad = await createRun({ method: 'add', params: { a: 'x', b: 1 }, retry: { max_attempts: 3 } });
    const run = await waitForRun(bad, ['succeeded', 'failed']);
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error: { type: 'NonRetryableError', retryable: false } });
  });

  it('runs the jobs of an interval schedule', async () => {
    const res = await call('POST', '/schedules', {
      id: 'py-every-300ms',
      handler: HANDLER,
      method: 'add',
      params: { a: 20, b: 22 },
      trigger: { type: 'interval', seconds: 0.3 },
    });
    expect(res.status).toBe(201);
    const runs = await waitFor(async () => {
      const list = await call<{ items: RunView[] }>('GET', '/runs?schedule_id=py-every-300ms&status=succeeded');
      return list.body.items.length >= 2 ? list.body.items : null;
    });
    expect(runs.every((r) => JSON.stringify(r.result) === JSON.stringify({ sum: 42 }))).toBe(true);
    expect((await call('DELETE', '/schedules/py-every-300ms')).status).toBe(204);
  });

  it('retries a failing job per its policy', async () => {
    const id = await createRun({ method: 'fail', retry: { max_attempts: 2, initial_delay_seconds: 0.1 } });
    const run = await waitForRun(id, ['succeeded', 'failed'], 15_000);
    expect(run.status).toBe('failed');
    expect(run.attempt).toBe(2);
    expect(run.attempts.map((a) => a.status)).toEqual(['failed', 'failed']);
    expect(run.error).toMatchObject({ type: 'RuntimeError', message: 'failed on purpose (attempt 2)' });
  });

  it('stops a job when its run is cancelled (told by a heartbeat)', async () => {
    const id = await createRun({ method: 'sleep', params: { seconds: 30 } });
    // Progress arrives with the heartbeats.
    await waitFor(async () => {
      const run = await getRun(id);
      return run.status === 'running' && run.progress !== null;
    });
    const res = await call<{ status: string }>('POST', `/runs/${id}/cancel`);
    expect(res.status).toBe(200);
    await waitFor(() => output.includes(`run ${id}: cancel requested; stopping the job`));
    expect((await getRun(id)).status).toBe('cancelled');
    // The slot is free again: two jobs run at once on the two slots.
    const a = await createRun({ method: 'sleep', params: { seconds: 0.3 } });
    const b = await createRun({ method: 'sleep', params: { seconds: 0.3 } });
    await waitForRun(a, ['succeeded']);
    await waitForRun(b, ['succeeded']);
  });

  it('registers again when the server no longer knows it', async () => {
    const [first] = await workers();
    expect((await call('DELETE', `/workers/${first!.id}`)).status).toBe(204);
    const second = await waitFor(async () => (await workers()).find((w) => w.status === 'online' && w.id !== first!.id));
    const id = await createRun({ method: 'hello', params: { name: 'again' } });
    const run = await waitForRun(id, ['succeeded', 'failed']);
    expect(run.result).toEqual({ greeting: 'Hello, again!' });
    expect(run.attempts[0]!.worker_id).toBe(second.id);
    expect(output).toContain('registering again');
  });

  it('leaves gracefully on SIGTERM, finishing its running job first', async () => {
    const id = await createRun({ method: 'sleep', params: { seconds: 1 } });
    await waitForRun(id, ['running']);
    // Running in the database is not yet running in the worker: its poll's answer may still be on
    // the way (a SIGTERM then stops the poll, and the run is lost with the worker's leave).
    await waitFor(() => output.includes(`run ${id}: sleep`));
    // Under a loaded machine the worker may be between a lost lease and its re-registration.
    const before = await waitFor(async () => (await workers()).find((w) => w.status === 'online'));
    python.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(code, output).toBe(0);
    const run = await getRun(id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toEqual({ slept_seconds: 1 });
    const after = (await workers()).find((w) => w.id === before!.id);
    expect(after).toMatchObject({ status: 'left', running: 0 });
    expect(output).toContain('left the server');
  });
});
