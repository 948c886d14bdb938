import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, tempDir } from '../helpers.js';

/** The handler registry at the API: schedule-time params validation, method defaults, GET /handlers/{id}. */
let server: RunningServer;
let api: ReturnType<typeof client>;
const dir = tempDir('sz-registry-');

beforeAll(async () => {
  const registry = join(dir.path, 'handler_registry.yaml');
  writeFileSync(
    registry,
    `handlers:
  - id: reports
    type: worker
    description: Builds the reports
    docs_url: https://docs.example.test/reports
    methods:
      build:
        description: Build one report
        timeout_seconds: 120
        retry: {max_attempts: 3, initial_delay_seconds: 2}
        params_schema:
          type: object
          required: [report]
          additionalProperties: false
          properties:
            report: {type: string, enum: [daily, weekly]}
            recipients: {type: array, items: {type: string, format: email}}
      cleanup: {}
`,
  );
  server = await startTestServer({ handler_registry: registry });
  api = client(server.url);
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

const trigger = { type: 'interval', hours: 1 };

describe('params checked against the method schema at schedule time', () => {
  it('refuses a schedule whose params break the registry schema, naming the field', async () => {
    const missing = await api('POST', '/api/v1/schedules', { handler: 'reports', method: 'build', params: {}, trigger });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_params', field: 'params.report' });
    expect(missing.body.error.message).toContain('params.report is required');

    const wrong = await api('POST', '/api/v1/schedules', { handler: 'reports', method: 'build', params: { report: 'hourly' }, trigger });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ field: 'params.report' });
    expect(wrong.body.error.message).toContain('"daily", "weekly"');

    const extra = await api('POST', '/api/v1/schedules', { handler: 'reports', method: 'build', params: { report: 'daily', colour: 'red' }, trigger });
    expect(extra.body.error).toMatchObject({ field: 'params.colour' });

    const ok = await api('POST', '/api/v1/schedules', { id: 'rep-1', handler: 'reports', method: 'build', params: { report: 'daily' }, trigger });
    expect(ok.status).toBe(201);
  });

  it('checks one-off runs and schedule edits too, and lets methods without a schema through', async () => {
    const run = await api('POST', '/api/v1/runs', { handler: 'reports', method: 'build', params: { report: 3 } });
    expect(run.status).toBe(400);
    expect(run.body.error.field).toBe('params.report');
    const edit = await api('PATCH', '/api/v1/schedules/rep-1', { params: { report: 'yearly' } });
    expect(edit.status).toBe(400);
    expect(edit.body.error.field).toBe('params.report');
    expect((await api('GET', '/api/v1/schedules/rep-1')).body.params).toEqual({ report: 'daily' });
    expect((await api('POST', '/api/v1/runs', { handler: 'reports', method: 'cleanup', params: { anything: true } })).status).toBe(202);
  });

  it('fills timeout and retry from the method, unless the request gives them', async () => {
    const run = (await api('POST', '/api/v1/runs', { handler: 'reports', method: 'build', params: { report: 'weekly' } })).body;
    expect(run.timeout_seconds).toBe(120);
    expect(run.retry).toMatchObject({ max_attempts: 3, initial_delay_seconds: 2 });
    const own = (await api('POST', '/api/v1/runs', { handler: 'reports', method: 'build', params: { report: 'weekly' }, timeout_seconds: 5, retry: { max_attempts: 1 } })).body;
    expect(own.timeout_seconds).toBe(5);
    expect(own.retry.max_attempts).toBe(1);
  });

  it('uses the schemas a worker declares when it registers', async () => {
    const reg = await api('POST', '/api/v1/workers', {
      handler: 'mailer',
      methods: ['send'],
      method_info: { send: { description: 'Send a mail', params_schema: { type: 'object', required: ['to'], properties: { to: { type: 'string', minLength: 3 } } } } },
    });
    expect(reg.status).toBe(201);
    const bad = await api('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: { to: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: 'params.to' });
    expect((await api('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: { to: 'ops@example.test' } })).status).toBe(202);

    const broken = await api('POST', '/api/v1/workers', { handler: 'mailer', methods: ['send'], method_info: { send: { params_schema: { type: 'no-such-type' } } } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.field).toBe('method_info.send.params_schema');
  });
});

describe('GET /api/v1/handlers/{handler}', () => {
  it('shows a declared handler before any worker: type, methods with schemas and defaults, offline', async () => {
    const res = await api('GET', '/api/v1/handlers/reports');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      handler: 'reports',
      type: 'worker',
      description: 'Builds the reports',
      declared: true,
      status: 'offline',
      health: 'offline',
      workers: [],
      governor: null,
      docs_url: 'https://docs.example.test/reports',
    });
    const build = res.body.methods.find((m: { name: string }) => m.name === 'build');
    expect(build).toMatchObject({ description: 'Build one report', timeout_seconds: 120, source: 'registry', online_workers: 0 });
    expect(build.params_schema.required).toEqual(['report']);
  });

  it('shows workers, health and per-method success rate and durations', async () => {
    const worker = (await api('POST', '/api/v1/workers', { handler: 'calc', methods: ['add', 'div'], concurrency: 4 })).body.worker_id;
    for (const [method, ok] of [['add', true], ['add', true], ['div', false], ['add', true]] as const) {
      const run = (await api('POST', '/api/v1/runs', { handler: 'calc', method, params: {} })).body;
      const poll = (await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 1 })).body;
      expect(poll.jobs[0].run_id).toBe(run.id);
      await api('POST', `/api/v1/runs/${run.id}/complete`, ok ? { worker_id: worker, status: 'succeeded', result: 1 } : { worker_id: worker, status: 'failed', error: { message: 'division by zero' } });
    }
    const res = await api('GET', '/api/v1/handlers/calc');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'worker', declared: false, status: 'online' });
    expect(res.body.workers).toHaveLength(1);
    const add = res.body.methods.find((m: { name: string }) => m.name === 'add');
    const div = res.body.methods.find((m: { name: string }) => m.name === 'div');
    expect(add).toMatchObject({ source: 'observed', online_workers: 1, stats: { runs: 3, succeeded: 3, failed: 0, success_rate: 1 } });
    expect(add.stats.duration_ms_p50).toEqual(expect.any(Number));
    expect(div.stats).toMatchObject({ runs: 1, succeeded: 0, failed: 1, success_rate: 0 });
    // 3 of 4 succeeded: under 90 % is degraded.
    expect(res.body.health).toBe('degraded');
  });

  it('answers 404 for a handler nobody knows, and encodes names with a slash', async () => {
    const res = await api('GET', '/api/v1/handlers/nobody');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('handler_not_found');
    await api('POST', '/api/v1/workers', { handler: 'team/etl', methods: ['load'] });
    expect((await api('GET', `/api/v1/handlers/${encodeURIComponent('team/etl')}`)).body.handler).toBe('team/etl');
  });
});

describe('registry errors', () => {
  it('stop start-up with the file, line and key', async () => {
    const bad = join(dir.path, 'bad_registry.yaml');
    writeFileSync(bad, 'handlers:\n  - id: hook\n    type: http\n    url: ftp://nope\n    methods: {go: {}}\n');
    await expect(startTestServer({ handler_registry: bad })).rejects.toThrow(/bad_registry\.yaml:4:10: handlers\[0\]\.url: must match pattern/);
    writeFileSync(bad, 'handlers:\n  - id: w\n    type: worker\n    methods:\n      go:\n        params_schema: {type: 12}\n');
    await expect(startTestServer({ handler_registry: bad })).rejects.toThrow(/bad_registry\.yaml:6:\d+: handlers\[0\]\.methods\.go\.params_schema: not a valid JSON Schema/);
  });
});
