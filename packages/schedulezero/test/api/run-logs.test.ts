import Fastify from 'fastify';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/api/errors.js';
import { runLogRoutes } from '../../src/api/routes/run-logs.js';
import { installValidation } from '../../src/api/validation.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, tempDir, waitFor } from '../helpers.js';
import { openEventStream } from '../sse.js';

let server: RunningServer;
let api: ReturnType<typeof client>;
let release: () => void = () => {};

interface LogLine {
  seq: number;
  at: string;
  stream: 'stdout' | 'stderr' | 'log';
  message: string;
  attempt: number | null;
}

beforeAll(async () => {
  server = await startTestServer(
    { heartbeat_seconds: 5, lease_seconds: 20 },
    {
      beforeStart: (engine) =>
        engine.registerLocalHandler('inproc', {
          chatty: (params, ctx) => {
            for (let i = 1; i <= Number(params.n); i++) ctx.log(`line ${i}`);
            ctx.log('<b>to stderr</b>', 'stderr');
            if (ctx.attempt === 1 && params.fail_first) throw new Error('first attempt fails');
            return 'ok';
          },
          flood: (_params, ctx) => {
            // 50,000 lines of 100 bytes in one synchronous loop: 5 MB, five times the cap.
            for (let i = 0; i < 50_000; i++) ctx.log(`${String(i).padStart(6, '0')} ${'x'.repeat(93)}`);
            return 'flooded';
          },
          quick: () => 1,
          held: (_params, ctx) =>
            new Promise<string>((resolve) => {
              ctx.log('held: waiting');
              release = () => {
                ctx.log('held: released');
                resolve('released');
              };
              ctx.signal.addEventListener('abort', () => resolve('aborted'));
            }),
        }),
    },
  );
  api = client(server.url);
});

afterAll(async () => {
  release();
  await server.close();
});

async function register(handler: string, methods: string[]): Promise<string> {
  const res = await api('POST', '/api/v1/workers', { handler, methods });
  expect(res.status).toBe(201);
  return res.body.worker_id as string;
}

/** A one-off run of `handler.method`, polled by a fresh worker: [run id, worker id]. */
async function runningRemote(handler: string, over: Record<string, unknown> = {}): Promise<[string, string]> {
  const worker = await register(handler, ['m']);
  const run = await api('POST', '/api/v1/runs', { handler, method: 'm', ...over });
  expect(run.status).toBe(202);
  const poll = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
  expect(poll.body.jobs.map((j: { run_id: string }) => j.run_id)).toEqual([run.body.id]);
  return [run.body.id as string, worker];
}

async function logsOf(runId: string, query = ''): Promise<{ lines: LogLine[]; truncated: boolean; next_seq: number; last_seq: number; run_status: string }> {
  const res = await api('GET', `/api/v1/runs/${runId}/logs${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function finished(runId: string, status = 'succeeded'): Promise<void> {
  await waitFor(async () => (await api('GET', `/api/v1/runs/${runId}`)).body.status === status);
}

describe('run logs over HTTP', () => {
  it('the worker running the run appends lines; GET returns them in order with every field', async () => {
    const [runId, worker] = await runningRemote('logs-basic');
    const before = Date.now();
    const res = await api('POST', `/api/v1/runs/${runId}/logs`, {
      worker_id: worker,
      attempt: 1,
      lines: [
        { message: 'connecting' },
        { message: 'rows: 10', stream: 'stdout', at: '2030-01-02T03:04:05.678Z' },
        { message: 'warning: slow', stream: 'stderr' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 3, dropped: 0, truncated: false });
    await api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: worker, lines: [{ message: 'done' }] });

    const page = await logsOf(runId);
    expect(page).toMatchObject({ truncated: false, next_seq: 4, last_seq: 4, run_status: 'running' });
    expect(page.lines.map(({ seq, stream, message, attempt }) => ({ seq, stream, message, attempt }))).toEqual([
      { seq: 1, stream: 'log', message: 'connecting', attempt: 1 },
      { seq: 2, stream: 'stdout', message: 'rows: 10', attempt: 1 },
      { seq: 3, stream: 'stderr', message: 'warning: slow', attempt: 1 },
      { seq: 4, stream: 'log', message: 'done', attempt: 1 },
    ]);
    expect(page.lines[1]!.at).toBe('2030-01-02T03:04:05.678Z');
    expect(Date.parse(page.lines[0]!.at)).toBeGreaterThanOrEqual(before - 5);
  });

  it('refuses lines from another worker, for another attempt, and once the run has ended (409)', async () => {
    const [runId, owner] = await runningRemote('logs-owner');
    const other = await register('logs-owner', ['m']);
    const line = { lines: [{ message: 'not mine' }] };

    const foreign = await api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: other, ...line });
    expect(foreign.status).toBe(409);
    expect(foreign.body.error.code).toBe('not_owner');
    const stale = await api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: owner, attempt: 2, ...line });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('not_owner');

    await api('POST', `/api/v1/runs/${runId}/complete`, { worker_id: owner, status: 'succeeded' });
    const late = await api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: owner, ...line });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('run_not_running');
    expect((await logsOf(runId)).lines).toEqual([]);
  });

  it('answers 404 for an unknown run', async () => {
    const post = await api('POST', '/api/v1/runs/no-such-run/logs', { worker_id: 'w-x', lines: [{ message: 'x' }] });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('run_not_found');
    expect((await api('GET', '/api/v1/runs/no-such-run/logs')).status).toBe(404);
    const stream = await api('GET', '/api/v1/runs/no-such-run/logs/stream');
    expect(stream.status).toBe(404);
    expect(stream.body.error.code).toBe('run_not_found');
  });

  it('answers 400 naming the field for a bad body or query', async () => {
    const [runId, worker] = await runningRemote('logs-bad');
    const post = (body: unknown) => api('POST', `/api/v1/runs/${runId}/logs`, body);

    const cases: [unknown, string][] = [
      [{ lines: [{ message: 'x' }] }, 'worker_id'],
      [{ worker_id: worker }, 'lines'],
      [{ worker_id: worker, lines: [] }, 'lines'],
      [{ worker_id: worker, lines: [{ message: 'ok' }, { message: 'x', stream: 'stdlog' }] }, 'lines.1.stream'],
      [{ worker_id: worker, lines: [{ message: 42 }] }, 'lines.0.message'],
      [{ worker_id: worker, lines: [{ message: 'x', at: 'yesterday' }] }, 'lines.0.at'],
      [{ worker_id: worker, lines: [{ message: 'x', level: 'info' }] }, 'lines.0.level'],
      [{ worker_id: worker, attempt: 0, lines: [{ message: 'x' }] }, 'attempt'],
      [{ worker_id: worker, lines: Array.from({ length: 1001 }, () => ({ message: 'x' })) }, 'lines'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    const notJson = await post('{"worker_id": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');

    expect((await api('GET', `/api/v1/runs/${runId}/logs?limit=0`)).body.error.field).toBe('limit');
    expect((await api('GET', `/api/v1/runs/${runId}/logs?limit=10001`)).body.error.field).toBe('limit');
    expect((await api('GET', `/api/v1/runs/${runId}/logs?after=-1`)).body.error.field).toBe('after');
    expect((await api('GET', `/api/v1/runs/${runId}/logs?after=abc`)).body.error.field).toBe('after');
    // Nothing was stored by any of these.
    expect((await logsOf(runId)).last_seq).toBe(0);
  });

  it('a body over the server limit is refused whole (413)', async () => {
    const [runId, worker] = await runningRemote('logs-big');
    const res = await api('POST', `/api/v1/runs/${runId}/logs`, {
      worker_id: worker,
      lines: Array.from({ length: 200 }, () => ({ message: 'y'.repeat(8000) })),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('pages with after and limit', async () => {
    const [runId, worker] = await runningRemote('logs-paged');
    await api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: worker, lines: Array.from({ length: 25 }, (_, i) => ({ message: `l${i + 1}` })) });
    const first = await logsOf(runId, '?limit=10');
    expect(first.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first).toMatchObject({ next_seq: 10, last_seq: 25 });
    const second = await logsOf(runId, `?after=${first.next_seq}&limit=10`);
    expect(second.lines.map((l) => l.message)).toEqual(['l11', 'l12', 'l13', 'l14', 'l15', 'l16', 'l17', 'l18', 'l19', 'l20']);
    const third = await logsOf(runId, `?after=${second.next_seq}&limit=10`);
    expect(third.lines.map((l) => l.seq)).toEqual([21, 22, 23, 24, 25]);
    expect(third.next_seq).toBe(25);
    const all = await logsOf(runId);
    expect(all.lines).toHaveLength(25);
  });

  it('streams the lines so far, then live ones, then end; resumes from Last-Event-ID; drops its listeners', async () => {
    const listeners = () => server.engine.events.listenerCount('run.logs') + server.engine.events.listenerCount('run.updated');
    const baseline = listeners();
    const [runId, worker] = await runningRemote('logs-live');
    const send = (...messages: string[]) =>
      api('POST', `/api/v1/runs/${runId}/logs`, { worker_id: worker, lines: messages.map((message) => ({ message })) });
    await send('one', 'two');

    const stream = await openEventStream(`${server.url}/api/v1/runs/${runId}/logs/stream`);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const existing = await stream.next((e) => e.event === 'logs');
    expect(existing.id).toBe('2');
    expect(JSON.parse(existing.data)).toMatchObject({ truncated: false, lines: [{ seq: 1, message: 'one' }, { seq: 2, message: 'two' }] });

    await send('three');
    const live = await stream.next((e) => e.event === 'logs' && e.id === '3');
    expect(JSON.parse(live.data).lines.map((l: LogLine) => l.message)).toEqual(['three']);

    // A second follower that saw up to seq 2 resumes from there.
    const resumed = await openEventStream(`${server.url}/api/v1/runs/${runId}/logs/stream?after=1`, { 'last-event-id': '2' });
    const rest = await resumed.next((e) => e.event === 'logs');
    expect(JSON.parse(rest.data).lines.map((l: LogLine) => l.seq)).toEqual([3]);
    expect(listeners()).toBe(baseline + 2);
    await resumed.close();
    await waitFor(() => listeners() === baseline + 2);

    await send('four', 'five');
    await api('POST', `/api/v1/runs/${runId}/complete`, { worker_id: worker, status: 'failed', error: { message: 'no' } });
    const end = await stream.next((e) => e.event === 'end');
    expect(JSON.parse(end.data)).toEqual({ status: 'failed' });
    await stream.finished();
    const seqs = stream.events.filter((e) => e.event === 'logs').flatMap((e) => JSON.parse(e.data).lines.map((l: LogLine) => l.seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    // The stream ended: its listeners are gone.
    await waitFor(() => listeners() === baseline);

    // A finished run's stream: everything at once, then end.
    const after = await openEventStream(`${server.url}/api/v1/runs/${runId}/logs/stream`);
    await after.finished();
    expect(after.events.map((e) => e.event)).toEqual(['logs', 'end']);
    expect(JSON.parse(after.events[0]!.data).lines).toHaveLength(5);
  });

  it('a client that hangs up mid-stream leaves no listener behind', async () => {
    const listeners = () => server.engine.events.listenerCount('run.logs');
    const baseline = listeners();
    const [runId] = await runningRemote('logs-hangup');
    const streams = await Promise.all(Array.from({ length: 12 }, () => openEventStream(`${server.url}/api/v1/runs/${runId}/logs/stream`)));
    // Twelve followers, one engine listener (no MaxListeners warning at eleven).
    expect(listeners()).toBe(baseline + 1);
    await Promise.all(streams.map((s) => s.close()));
    await waitFor(() => listeners() === baseline);
  });

  it('stores ctx.log lines of in-process handlers, per attempt, and follows them to the end', async () => {
    const run = await server.engine.createRun({ handler: 'inproc', method: 'chatty', params: { n: 3, fail_first: true }, retry: { max_attempts: 2, initial_delay_seconds: 0.05 } });
    await finished(run.id);
    const page = await logsOf(run.id);
    expect(page.lines.map((l) => [l.attempt, l.stream, l.message])).toEqual([
      [1, 'log', 'line 1'],
      [1, 'log', 'line 2'],
      [1, 'log', 'line 3'],
      [1, 'stderr', '<b>to stderr</b>'],
      [2, 'log', 'line 1'],
      [2, 'log', 'line 2'],
      [2, 'log', 'line 3'],
      [2, 'stderr', '<b>to stderr</b>'],
    ]);
    expect(page.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // Live: a follower sees a held run's first line, then the last one and the end.
    const held = await server.engine.createRun({ handler: 'inproc', method: 'held' });
    await waitFor(async () => (await logsOf(held.id)).last_seq === 1);
    const stream = await openEventStream(`${server.url}/api/v1/runs/${held.id}/logs/stream`);
    await stream.next((e) => e.event === 'logs');
    release();
    await stream.next((e) => e.event === 'end');
    const messages = stream.events.filter((e) => e.event === 'logs').flatMap((e) => JSON.parse(e.data).lines.map((l: LogLine) => l.message));
    expect(messages).toEqual(['held: waiting', 'held: released']);
    expect(JSON.parse(stream.events.at(-1)!.data)).toEqual({ status: 'succeeded' });
  });

  it('caps a handler that floods its log, and goes on serving', async () => {
    const run = await server.engine.createRun({ handler: 'inproc', method: 'flood' });
    await finished(run.id);
    const page = await logsOf(run.id, '?limit=10000');
    expect(page.truncated).toBe(true);
    // 10,000 lines of 100 bytes is under 1 MiB: the line cap is the one that holds.
    expect(page.last_seq).toBe(10_001);
    const rest = await logsOf(run.id, `?after=${page.next_seq}`);
    expect(rest.lines).toHaveLength(1);
    expect(rest.lines[0]!.message).toMatch(/^\[log truncated/);
    expect(page.lines[0]!.message.startsWith('000000 ')).toBe(true);
    expect(page.lines.at(-1)!.message.startsWith('009999 ')).toBe(true);
    // Other work goes on.
    const quick = await server.engine.createRun({ handler: 'inproc', method: 'quick' });
    await finished(quick.id);
    expect((await api('GET', '/api/v1/health')).status).toBe(200);
  });

  it('caps a remote worker that floods its log; the cap holds across a restart', async () => {
    const dir = tempDir();
    const database_url = `sqlite:${join(dir.path, 'logs.db')}`;
    let second: RunningServer | null = null;
    let first: RunningServer | null = await startTestServer({ database_url, heartbeat_seconds: 5, lease_seconds: 60 });
    try {
      const call = client(first.url);
      const worker = (await call('POST', '/api/v1/workers', { handler: 'flood', methods: ['m'] })).body.worker_id as string;
      const runId = (await call('POST', '/api/v1/runs', { handler: 'flood', method: 'm' })).body.id as string;
      await call('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 });
      // 1,000 lines of 900 bytes a request (under the 1 MiB body limit): the second request
      // reaches the run's 1 MiB cap, the third is dropped whole.
      const batch = { worker_id: worker, lines: Array.from({ length: 1000 }, (_, i) => ({ message: `${String(i).padStart(4)} ${'z'.repeat(895)}` })) };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await call('POST', `/api/v1/runs/${runId}/logs`, batch)).body);
      expect(answers[0]).toEqual({ accepted: 1000, dropped: 0, truncated: false });
      expect(answers[1]).toMatchObject({ truncated: true });
      expect(answers[1].accepted).toBeLessThan(1000);
      expect(answers[1].accepted + answers[1].dropped).toBe(1000);
      expect(answers[2]).toEqual({ accepted: 0, dropped: 1000, truncated: true });
      const page = (await call('GET', `/api/v1/runs/${runId}/logs?limit=10000`)).body;
      const bytes = page.lines.slice(0, -1).reduce((n: number, l: LogLine) => n + Buffer.byteLength(l.message), 0);
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(page.lines.at(-1).message).toMatch(/^\[log truncated/);

      await first.close();
      first = null;
      second = await startTestServer({ database_url, heartbeat_seconds: 5, lease_seconds: 60 });
      const again = client(second.url);
      const after = await again('POST', `/api/v1/runs/${runId}/logs`, { worker_id: worker, lines: [{ message: 'after the restart' }] });
      expect(after.body).toEqual({ accepted: 0, dropped: 1, truncated: true });
      expect((await again('GET', `/api/v1/runs/${runId}/logs?limit=10000`)).body.last_seq).toBe(page.last_seq);
    } finally {
      await first?.close();
      await second?.close();
      dir.cleanup();
    }
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const app = Fastify();
    installValidation(app);
    installErrorHandling(app);
    await app.register(runLogRoutes, { prefix: '/api/v1', engine: server.engine, pingMs: 50 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const [runId] = await runningRemote('logs-idle');
      const stream = await openEventStream(`http://127.0.0.1:${port}/api/v1/runs/${runId}/logs/stream`);
      await waitFor(() => stream.comments >= 3, 3000);
      expect(stream.events).toEqual([]);
      await stream.close();
    } finally {
      await app.close();
    }
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/runs/{id}/logs']).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/api/v1/runs/{id}/logs'].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/v1/runs/{id}/logs/stream'].get.responses['200'].content).toHaveProperty(['text/event-stream']);
  });
});
