import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/auth.js';
import { installErrorHandling } from '../../src/api/errors.js';
import { installValidation } from '../../src/api/validation.js';
import { originalRoutes } from '../../src/compat/original-routes.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, waitFor } from '../helpers.js';

/** The original ScheduleZero's HTTP routes, answered with its shapes, by this engine. */
let server: RunningServer;
let api: ReturnType<typeof client>;
let calls = 0;

beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      beforeStart: (engine) =>
        engine.registerLocalHandler('demo', {
          greet: (params) => ({ greeting: `Hello, ${String(params.name ?? 'world')}!` }),
          answer: () => 42,
          boom: () => {
            calls++;
            throw new Error('kaput');
          },
          slow: () => new Promise((resolve) => setTimeout(resolve, 2_000, { late: true })),
        }),
    },
  );
  api = client(server.url);
});

afterAll(async () => {
  await server?.close();
});

const originalError = (code: number, message: RegExp | string, field?: string) => ({
  error: { code, message: typeof message === 'string' ? message : expect.stringMatching(message), ...(field ? { field } : {}) },
});

describe('GET /api/health', () => {
  it('answers as the original did, beside the v1 health check', async () => {
    expect(await api('GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'ScheduleZero' } });
    expect((await api('GET', '/api/health')).body).toEqual({ status: 'ok', service: 'ScheduleZero' });
    expect((await api('GET', '/api/v1/health')).body).toEqual({ status: 'ok', version: expect.any(String) });
  });
});

describe('POST /api/schedule', () => {
  it('schedules with every trigger of the original, answering 201 {"status":"success","job_id"}', async () => {
    const triggers = {
      'orig-interval': { type: 'interval', seconds: '90' }, // the original accepted numeric strings (float())
      'orig-cron': { type: 'CRON', hour: '*/2', minute: '0', timezone: 'Europe/Berlin' },
      'orig-date': { type: 'date', run_date: 4_102_444_800 }, // Unix epoch (UTC)
      'orig-date-iso': { type: 'date', run_date: '2100-01-01T09:00:00+00:00' },
    };
    for (const [job_id, trigger] of Object.entries(triggers)) {
      const res = await api('POST', '/api/schedule', { handler_id: 'demo', job_method: 'greet', job_params: { name: 'Ada' }, trigger, job_id });
      expect(res.status, job_id).toBe(201);
      expect(res.body).toEqual({ status: 'success', job_id });
    }
    const schedule = (await api('GET', '/api/v1/schedules/orig-interval')).body;
    expect(schedule).toMatchObject({ handler: 'demo', method: 'greet', params: { name: 'Ada' }, trigger: { type: 'interval', seconds: 90 } });
    // The original's retry policy: 3 attempts, 1 s doubling.
    expect(schedule.retry).toMatchObject({ max_attempts: 3, initial_delay_seconds: 1, backoff_factor: 2 });
    expect((await api('GET', '/api/v1/schedules/orig-date')).body.next_run_at).toBe('2100-01-01T00:00:00.000Z');

    // Without job_id, an id is made up and returned.
    const anonymous = await api('POST', '/api/schedule', { handler_id: 'demo', job_method: 'greet', job_params: {}, trigger: { type: 'interval', minutes: 5 } });
    expect(anonymous.status).toBe(201);
    expect(anonymous.body.job_id).toEqual(expect.any(String));
  });

  it('refuses bad input with 400 in the original error shape, naming the field', async () => {
    const base = { handler_id: 'demo', job_method: 'greet', job_params: {}, trigger: { type: 'interval', seconds: 5 } };
    const cases: [unknown, RegExp, string | undefined][] = [
      [{ ...base, trigger: undefined }, /trigger is required/, 'trigger'],
      [{ ...base, job_params: [1] }, /job_params must be object/, 'job_params'],
      [{ ...base, trigger: { type: 'weekly' } }, /Unsupported trigger type: "weekly"\. Use 'date', 'interval', or 'cron'\./, 'trigger.type'],
      [{ ...base, trigger: { type: 'interval', seconds: 'soon' } }, /trigger\.seconds must be a number/, 'trigger.seconds'],
      [{ ...base, trigger: { type: 'cron', hour: 25 } }, /hour/, 'trigger.hour'],
      [{ ...base, trigger: { type: 'date' } }, /run_date/, 'trigger.run_date'],
      [{ ...base, job_method: 'nope' }, /^Method 'nope' not exposed by handler 'demo'\./, 'job_method'],
      [{ ...base, job_id: 'has spaces' }, /job_id/, 'job_id'],
      ['{"handler_id": ', /not valid JSON/, undefined],
    ];
    for (const [body, message, field] of cases) {
      const res = await api('POST', '/api/schedule', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toEqual(originalError(400, message, field));
    }
  });

  it('answers 404 for a handler nobody knows, 409 for a job_id that exists', async () => {
    const unknown = await api('POST', '/api/schedule', { handler_id: 'ghost', job_method: 'x', job_params: {}, trigger: { type: 'interval', seconds: 5 } });
    expect(unknown).toMatchObject({ status: 404, body: originalError(404, "Handler 'ghost' not registered.") });
    const body = { handler_id: 'demo', job_method: 'greet', job_params: {}, trigger: { type: 'interval', seconds: 5 }, job_id: 'twice' };
    expect((await api('POST', '/api/schedule', body)).status).toBe(201);
    const again = await api('POST', '/api/schedule', body);
    expect(again).toMatchObject({ status: 409, body: originalError(409, "Job ID 'twice' already exists.", 'job_id') });
  });
});

describe('GET /api/schedules and DELETE /api/schedules/{id}', () => {
  it('lists schedules as {schedules: [{id, next_fire_time, trigger, args}], count}', async () => {
    const res = await api('GET', '/api/schedules');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['count', 'schedules']);
    expect(res.body.count).toBe(res.body.schedules.length);
    const item = res.body.schedules.find((s: any) => s.id === 'orig-cron');
    expect(item).toEqual({
      id: 'orig-cron',
      next_fire_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/),
      trigger: expect.stringContaining('Europe/Berlin'),
      args: ['demo', 'greet', { name: 'Ada' }],
    });
  });

  it('removes a schedule, and answers 404 for one that does not exist', async () => {
    expect((await api('DELETE', '/api/schedules/orig-date-iso')).body).toEqual({
      status: 'success',
      message: "Schedule 'orig-date-iso' removed",
      schedule_id: 'orig-date-iso',
    });
    expect((await api('GET', '/api/v1/schedules/orig-date-iso')).status).toBe(404);
    const again = await api('DELETE', '/api/schedules/orig-date-iso');
    expect(again).toMatchObject({ status: 404, body: originalError(404, "Schedule 'orig-date-iso' not found") });
  });
});

describe('POST /api/run_now', () => {
  it('runs at once and answers with the result when the run has finished', async () => {
    const res = await api('POST', '/api/run_now', { handler_id: 'demo', job_method: 'greet', job_params: { name: 'Lin' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'success',
      result: { success: true, greeting: 'Hello, Lin!' },
      message: "Job executed on handler 'demo'",
      run_id: expect.any(String),
    });
    // A result that is not an object comes wrapped, as the original's handler base wrapped it.
    expect((await api('POST', '/api/run_now', { handler_id: 'demo', job_method: 'answer', job_params: {} })).body.result).toEqual({ success: true, result: 42 });
  });

  it('answers 500 with the error once every attempt has failed', async () => {
    calls = 0;
    const res = await api('POST', '/api/run_now', { handler_id: 'demo', job_method: 'boom', job_params: {} });
    expect(res).toMatchObject({ status: 500, body: { error: { code: 500, message: 'Failed to execute job: kaput', run_id: expect.any(String) } } });
    expect(calls).toBe(3);
  });

  it('answers 404 and 400 as for scheduling', async () => {
    expect((await api('POST', '/api/run_now', { handler_id: 'ghost', job_method: 'x', job_params: {} })).status).toBe(404);
    const res = await api('POST', '/api/run_now', { handler_id: 'demo', job_params: {} });
    expect(res).toMatchObject({ status: 400, body: originalError(400, /job_method is required/, 'job_method') });
  });

  it('stops waiting at its cap with 504, leaving the run to go on', async () => {
    const app = Fastify();
    installValidation(app);
    installErrorHandling(app);
    await app.register(originalRoutes, { prefix: '/api', engine: server.engine, runNowWaitMs: 200 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const res = await client(`http://127.0.0.1:${port}`)('POST', '/api/run_now', { handler_id: 'demo', job_method: 'slow', job_params: {} });
      expect(res.status).toBe(504);
      expect(res.body.error).toMatchObject({ code: 504, message: expect.stringContaining('/api/v1/runs/'), run_id: expect.any(String) });
      const run = await waitFor(async () => {
        const r = (await api('GET', `/api/v1/runs/${res.body.error.run_id}`)).body;
        return r.status === 'succeeded' ? r : null;
      });
      expect(run.result).toEqual({ late: true });
    } finally {
      await app.close();
    }
  });
});

describe('GET /api/handlers', () => {
  it('lists handlers as {handlers: [{id, address, methods, status}]}, with a real status', async () => {
    const res = await api('GET', '/api/handlers');
    expect(Object.keys(res.body)).toEqual(['handlers']);
    expect(res.body.handlers.find((h: any) => h.id === 'demo')).toEqual({
      id: 'demo',
      address: null,
      methods: ['answer', 'boom', 'greet', 'slow'],
      status: 'Connected',
      type: 'in_process',
      last_seen: expect.any(String),
    });
  });
});

describe('the execution log', () => {
  const recordKeys = [
    'attempt_number',
    'completed_at',
    'duration_ms',
    'error',
    'handler_id',
    'job_id',
    'max_attempts',
    'method_name',
    'params_summary',
    'result',
    'run_id',
    'started_at',
    'status',
  ];

  it('GET /api/executions: {count, limit, records} shaped like the original records', async () => {
    const res = await api('GET', '/api/executions');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['count', 'limit', 'records']);
    expect(res.body.limit).toBe(100);
    expect(res.body.count).toBe(res.body.records.length);
    expect(res.body.count).toBeGreaterThanOrEqual(4);
    for (const record of res.body.records) expect(Object.keys(record).sort()).toEqual(recordKeys);

    const greet = res.body.records.find((r: any) => r.method_name === 'greet' && r.params_summary === 'name=Lin');
    expect(greet).toEqual({
      job_id: greet.run_id, // a one-off run: its id is its job id
      run_id: expect.any(String),
      handler_id: 'demo',
      method_name: 'greet',
      started_at: expect.stringMatching(/Z$/),
      completed_at: expect.stringMatching(/Z$/),
      duration_ms: expect.any(Number),
      status: 'success',
      result: { success: true, greeting: 'Hello, Lin!' },
      error: null,
      attempt_number: 1,
      max_attempts: 3,
      params_summary: 'name=Lin',
    });
    const failed = res.body.records.find((r: any) => r.method_name === 'boom');
    expect(failed).toMatchObject({ status: 'error', error: 'kaput', result: null, attempt_number: 3, max_attempts: 3, params_summary: null });

    // Filters.
    const byJob = await api('GET', `/api/executions?job_id=${greet.run_id}`);
    expect(byJob.body.records.map((r: any) => r.run_id)).toEqual([greet.run_id]);
    const errors = await api('GET', '/api/executions?status=error&handler_id=demo');
    expect(errors.body.records.length).toBeGreaterThan(0);
    expect(errors.body.records.every((r: any) => r.status === 'error')).toBe(true);
    expect((await api('GET', '/api/executions?handler_id=ghost')).body).toEqual({ count: 0, limit: 100, records: [] });
    expect((await api('GET', '/api/executions?limit=1')).body.records).toHaveLength(1);
    expect((await api('GET', '/api/executions?limit=5000')).body.limit).toBe(1000);
  });

  it('refuses bad parameters with 400 in the original shape', async () => {
    expect(await api('GET', '/api/executions?limit=lots')).toMatchObject({ status: 400, body: originalError(400, /limit must be integer/, 'limit') });
    expect(await api('GET', '/api/executions?status=exploded')).toMatchObject({
      status: 400,
      body: originalError(400, /status must be one of success, error, running, retry, cancelled/, 'status'),
    });
  });

  it('GET /api/executions/stats: counts, success rate in percent, mean duration, per handler', async () => {
    const res = await api('GET', '/api/executions/stats');
    expect(res.status).toBe(200);
    const stats = res.body;
    expect(Object.keys(stats).sort()).toEqual(
      ['avg_duration_ms', 'by_handler', 'error_count', 'lifetime_executions', 'success_count', 'success_rate', 'total_executions'].sort(),
    );
    expect(stats.total_executions).toBe(stats.success_count + stats.error_count);
    expect(stats.error_count).toBeGreaterThanOrEqual(1);
    expect(stats.success_rate).toBeCloseTo((stats.success_count / stats.total_executions) * 100, 6);
    expect(typeof stats.avg_duration_ms).toBe('number');
    expect(stats.by_handler.demo).toEqual({ total: stats.total_executions, success: stats.success_count, error: stats.error_count });
  });

  it('GET /api/executions/errors: {count, limit, errors}', async () => {
    const res = await api('GET', '/api/executions/errors');
    expect(Object.keys(res.body).sort()).toEqual(['count', 'errors', 'limit']);
    expect(res.body.limit).toBe(50);
    expect(res.body.errors[0]).toMatchObject({ method_name: 'boom', status: 'error', error: 'kaput' });
    expect((await api('GET', '/api/executions/errors?limit=9999')).body.limit).toBe(500);
  });

  it('POST /api/executions/clear deletes the finished history', async () => {
    const res = await api('POST', '/api/executions/clear');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'success', message: 'Execution history cleared', deleted: expect.any(Number) });
    expect(res.body.deleted).toBeGreaterThanOrEqual(4);
    expect((await api('GET', '/api/executions')).body.count).toBe(0);
    expect((await api('GET', '/api/executions/stats')).body).toMatchObject({ total_executions: 0, success_rate: 0, by_handler: {} });
  });
});

describe('the OpenAPI document', () => {
  it('marks every original route deprecated under "original (compat)", pointing to v1', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body;
    const routes: [string, string, string][] = [
      ['/api/health', 'get', '/api/v1/health'],
      ['/api/schedule', 'post', '/api/v1/schedules'],
      ['/api/run_now', 'post', '/api/v1/runs'],
      ['/api/schedules', 'get', '/api/v1/schedules'],
      ['/api/schedules/{id}', 'delete', '/api/v1/schedules/{id}'],
      ['/api/handlers', 'get', '/api/v1/handlers'],
      ['/api/executions', 'get', '/api/v1/runs'],
      ['/api/executions/stats', 'get', '/api/v1/runs/stats'],
      ['/api/executions/errors', 'get', '/api/v1/runs'],
      ['/api/executions/clear', 'post', 'retention'],
    ];
    for (const [path, method, v1] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['original (compat)']);
      expect(op.deprecated).toBe(true);
      expect(op.description).toContain(v1);
    }
    // The v1 API is untouched.
    expect(doc.paths['/api/v1/schedules'].post.deprecated).toBeUndefined();
  });
});

describe('authentication', () => {
  it('guards the original routes with the API tokens, as /api/v1', async () => {
    const token = 'sz_compat_test_token';
    const guarded = await startTestServer({ api_token_hashes: [hashToken(token)] });
    try {
      expect((await client(guarded.url)('GET', '/api/schedules')).status).toBe(401);
      expect((await client(guarded.url)('POST', '/api/run_now', { handler_id: 'x', job_method: 'y', job_params: {} })).status).toBe(401);
      const ok = await client(guarded.url, token)('GET', '/api/schedules');
      expect(ok).toMatchObject({ status: 200, body: { schedules: [], count: 0 } });
      // The original's health poll stays open, like /api/v1/health.
      expect((await client(guarded.url)('GET', '/api/health')).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
