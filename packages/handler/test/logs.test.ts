import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../schedulezero/src/server/server.js';
import type { AppendLogsRequest, JobContext } from '../src/index.js';
import { api, createRun, delay, gate, startTestServer, waitFor, waitForRun, workerFactory, type Api } from './helpers.js';

let server: RunningServer;
let call: Api;
const workers = workerFactory();

interface LogLine {
  seq: number;
  stream: string;
  message: string;
  attempt: number | null;
}

beforeAll(async () => {
  server = await startTestServer();
  call = api(server.url);
});

afterEach(() => workers.stopAll());

afterAll(() => server.close());

async function logOf(runId: string): Promise<{ lines: LogLine[]; truncated: boolean; last_seq: number }> {
  const res = await call<{ lines: LogLine[]; truncated: boolean; last_seq: number }>('GET', `/runs/${runId}/logs?limit=10000`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Every appendLogs call the worker's client makes, as sent and as answered. */
function recordLogRequests(worker: object) {
  const sent: { body: AppendLogsRequest; status: number | 'error'; truncated?: boolean }[] = [];
  type Answer = { truncated: boolean };
  const client = (worker as { client: { appendLogs: (runId: string, body: AppendLogsRequest, ...rest: unknown[]) => Promise<Answer> } }).client;
  const original = client.appendLogs.bind(client);
  client.appendLogs = async (runId, body, ...rest) => {
    try {
      const answer = await original(runId, body, ...rest);
      sent.push({ body, status: 202, truncated: answer.truncated });
      return answer;
    } catch (err) {
      sent.push({ body, status: (err as { status?: number }).status ?? 'error' });
      throw err;
    }
  };
  return sent;
}

describe('Worker: ctx.log lines reach the run\'s log', () => {
  it('sends lines with their fields, in order, before the completion', async () => {
    const worker = workers.create({
      server: server.url,
      handler: 'sdk-logs',
      methods: {
        work(params, ctx) {
          ctx.log('starting', { rows: params.rows });
          ctx.log('multi\nline');
          ctx.log('done');
          return 'ok';
        },
      },
    });
    await worker.start();
    const runId = await createRun(call, { handler: 'sdk-logs', method: 'work', params: { rows: 3 } });
    // When the run has succeeded, every line is stored already: the log goes before the outcome.
    await waitForRun(call, runId, 'succeeded');
    const log = await logOf(runId);
    expect(log.lines.map((l) => [l.seq, l.stream, l.message, l.attempt])).toEqual([
      [1, 'log', 'starting rows=3', 1],
      [2, 'log', 'multi\nline', 1],
      [3, 'log', 'done', 1],
    ]);
  });

  it('batches lines (every 200 ms, or 100 at once) without making the job wait', async () => {
    let worker!: ReturnType<typeof workers.create>;
    const times: number[] = [];
    worker = workers.create({
      server: server.url,
      handler: 'sdk-batch',
      methods: {
        async work(_params, ctx) {
          const started = performance.now();
          for (let i = 1; i <= 1000; i++) ctx.log(`line ${i}`);
          times.push(performance.now() - started);
          await delay(50);
          ctx.log('after a pause');
          return null;
        },
      },
    });
    const sent = recordLogRequests(worker);
    await worker.start();
    const runId = await createRun(call, { handler: 'sdk-batch', method: 'work' });
    await waitForRun(call, runId, 'succeeded');
    const log = await logOf(runId);
    expect(log.lines).toHaveLength(1001);
    expect(log.lines.map((l) => l.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
    expect(log.lines[999]!.message).toBe('line 1000');
    // 1,000 lines in batches of at most 100: about ten requests, not a thousand.
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.length).toBeLessThanOrEqual(13);
    expect(Math.max(...sent.map((s) => s.body.lines.length))).toBeLessThanOrEqual(100);
    expect(sent.every((s) => s.status === 202 && s.body.attempt === 1 && s.body.worker_id === worker.id)).toBe(true);
    // Logging queued the lines and returned: a thousand calls are far from a request each.
    expect(times[0]!).toBeLessThan(500);
  });

  it('stops sending once the run\'s log is full', async () => {
    const worker = workers.create({
      server: server.url,
      handler: 'sdk-flood',
      methods: {
        async work(_params, ctx) {
          for (let round = 0; round < 12; round++) {
            for (let i = 0; i < 1000; i++) ctx.log(`${round}/${i} ${'f'.repeat(80)}`);
            await delay(5);
          }
          return 'flooded';
        },
      },
    });
    const sent = recordLogRequests(worker);
    await worker.start();
    const runId = await createRun(call, { handler: 'sdk-flood', method: 'work' });
    const run = await waitForRun(call, runId, 'succeeded', 20_000);
    expect(run.result).toBe('flooded');
    const log = await logOf(runId);
    expect(log.truncated).toBe(true);
    expect(log.last_seq).toBe(10_001);
    // The answer that said "full" was the last request.
    const full = sent.findIndex((s) => s.truncated === true);
    expect(full).toBeGreaterThanOrEqual(0);
    expect(sent).toHaveLength(full + 1);
    const linesSent = sent.reduce((n, s) => n + s.body.lines.length, 0);
    expect(linesSent).toBeLessThan(12_000);
  });

  it('a run that is cancelled, or a server that refuses the lines, never fails or holds up a job', async () => {
    const held = gate();
    let ctxOf: JobContext | undefined;
    const worker = workers.create({
      server: server.url,
      handler: 'sdk-refused',
      methods: {
        async hold(_params, ctx) {
          ctxOf = ctx;
          ctx.log('before the cancel');
          await held.promise;
          // The run was cancelled meanwhile: the server refuses these (409), quietly.
          for (let i = 0; i < 300; i++) ctx.log(`after the cancel ${i}`);
          return 'ignored';
        },
        async tolerant(_params, ctx) {
          ctx.log('x'.repeat(20_000));
          ctx.log('fine', { big: 10n });
          return 'still fine';
        },
      },
    });
    const sent = recordLogRequests(worker);
    await worker.start();
    const runId = await createRun(call, { handler: 'sdk-refused', method: 'hold' });
    await waitFor(async () => (await logOf(runId)).last_seq === 1);
    expect((await call('POST', `/runs/${runId}/cancel`)).status).toBe(200);
    await waitFor(() => ctxOf?.signal.aborted);
    held.open();
    await waitFor(() => worker.running === 0);
    expect((await logOf(runId)).lines.map((l) => l.message)).toEqual(['before the cancel']);
    // At most one batch was tried after the refusal.
    expect(sent.filter((s) => s.status === 409).length).toBeLessThanOrEqual(1);

    const other = await createRun(call, { handler: 'sdk-refused', method: 'tolerant' });
    const run = await waitForRun(call, other, 'succeeded');
    expect(run.result).toBe('still fine');
    const lines = (await logOf(other)).lines;
    // A long line arrives cut to 8 KiB; a field JSON cannot encode is written as text.
    expect(Buffer.byteLength(lines[0]!.message)).toBeLessThanOrEqual(8 * 1024);
    expect(lines[0]!.message.endsWith('…')).toBe(true);
    expect(lines[1]!.message).toBe('fine big=10');
  });

  it('a server that cannot take the lines does not fail the job', async () => {
    // Log requests fail to connect; everything else goes through.
    const failingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/logs')) throw new TypeError('fetch failed: connection refused');
      return fetch(input, init);
    };
    const worker = workers.create({
      server: server.url,
      handler: 'sdk-nolog',
      fetch: failingFetch,
      methods: {
        work(_params, ctx) {
          ctx.log('lost line');
          return 42;
        },
      },
    });
    await worker.start();
    const runId = await createRun(call, { handler: 'sdk-nolog', method: 'work' });
    const run = await waitForRun(call, runId, 'succeeded', 15_000);
    expect(run.result).toBe(42);
    expect((await logOf(runId)).lines).toEqual([]);
  });
});
