import { describe, expect, it } from 'vitest';
import { ProtocolClient, silentLogger, type Job } from '../src/index.js';
import { Completer } from '../src/completer.js';
import { JobRun, toRunError, type JobRunDeps, type Method } from '../src/job.js';

/** A fetch that answers from a script and records what it was sent. */
function fakeServer(answer: (path: string, body: unknown, n: number) => { status: number; body?: unknown } | Error) {
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname.replace('/api/v1', '');
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method: init?.method ?? 'GET', path, body });
    const reply = answer(path, body, requests.length);
    if (reply instanceof Error) throw reply;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status });
  };
  return { requests, client: new ProtocolClient({ server: 'http://sz.test', fetch: fetchFn }) };
}

const job: Job = {
  run_id: 'r1',
  schedule_id: null,
  method: 'work',
  params: { x: 1 },
  attempt: 1,
  scheduled_at: '2026-01-01T00:00:00.000Z',
  deadline: null,
};

const completed = { status: 200, body: { run_id: 'r1', status: 'succeeded', attempt: 1, retry_at: null } };

function deps(client: ProtocolClient, method: Method | undefined, extra: Partial<JobRunDeps> = {}): JobRunDeps {
  return {
    client,
    completer: new Completer(client),
    workerId: 'w-1',
    heartbeatMs: 50,
    logger: silentLogger,
    method,
    giveUp: new AbortController().signal,
    onUnauthorized: () => {},
    ...extra,
  };
}

describe('JobRun', () => {
  it('fails a job of an unknown method, not retryable', async () => {
    const server = fakeServer(() => completed);
    await new JobRun(job, deps(server.client, undefined)).done;
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: '/runs/r1/complete',
        body: { worker_id: 'w-1', attempt: 1, status: 'failed', error: { message: 'this worker has no method "work"', type: 'UnknownMethod', retryable: false } },
      },
    ]);
  });

  it('sends progress with heartbeats and retries the completion until the server answers', async () => {
    const server = fakeServer((path, _body, n) => {
      if (path.endsWith('/heartbeat')) return { status: 200, body: { cancel_requested: false } };
      if (n <= 3) return n % 2 ? new TypeError('fetch failed') : { status: 503, body: { error: { code: 'shutting_down', message: 'later' } } };
      return completed;
    });
    const method: Method = async (params, ctx) => {
      await ctx.progress(150, 'almost');
      return { doubled: Number(params.x) * 2 };
    };
    await new JobRun(job, deps(server.client, method)).done;
    const heartbeat = server.requests.find((r) => r.path === '/runs/r1/heartbeat');
    expect(heartbeat?.body).toEqual({ worker_id: 'w-1', attempt: 1, progress: 100, message: 'almost' });
    const completions = server.requests.filter((r) => r.path === '/runs/r1/complete');
    expect(completions.length).toBeGreaterThanOrEqual(2);
    expect(completions.at(-1)!.body).toEqual({ worker_id: 'w-1', attempt: 1, status: 'succeeded', result: { doubled: 2 } });
  });

  it('stops the job on a 409 heartbeat and reports nothing', async () => {
    const server = fakeServer((path) =>
      path.endsWith('/heartbeat') ? { status: 409, body: { error: { code: 'not_owner', message: 'no' } } } : completed,
    );
    let kind: unknown;
    const method: Method = (_params, ctx) =>
      new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          kind = (ctx.signal.reason as { kind?: unknown }).kind;
          reject(ctx.signal.reason);
        }),
      );
    await new JobRun(job, deps(server.client, method)).done;
    expect(kind).toBe('lost');
    expect(server.requests.some((r) => r.path.endsWith('/complete'))).toBe(false);
  });

  it('replaces a result the server refuses with a failure', async () => {
    const server = fakeServer((_path, body) =>
      (body as { status: string }).status === 'succeeded'
        ? { status: 413, body: { error: { code: 'body_too_large', message: 'too big' } } }
        : completed,
    );
    await new JobRun(job, deps(server.client, () => 'fine')).done;
    expect(server.requests.at(-1)!.body).toMatchObject({ status: 'failed', error: { type: 'InvalidResult', retryable: false } });
  });
});

describe('toRunError', () => {
  it('describes what was thrown', () => {
    expect(toRunError(new RangeError('out'))).toEqual({ message: 'out', type: 'RangeError' });
    expect(toRunError(Object.assign(new Error('nope'), { retryable: false }))).toEqual({ message: 'nope', type: 'Error', retryable: false });
    expect(toRunError('plain')).toEqual({ message: 'plain', type: 'string' });
    expect(toRunError({ message: 'shaped' })).toEqual({ message: 'shaped', type: 'object' });
    expect(toRunError(new Error('x'.repeat(20_000))).message.length).toBe(10_000);
  });
});
