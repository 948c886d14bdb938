import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer } from '../helpers.js';

let server: RunningServer;
let api: ReturnType<typeof client>;
let scheduleId: string;
let runId: string;
let workerId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  scheduleId = (await api('POST', '/api/v1/schedules', { handler: 'h', method: 'm', trigger: { type: 'interval', hours: 1 } })).body.id;
  runId = (await api('POST', '/api/v1/runs', { handler: 'h', method: 'm' })).body.id;
  workerId = (await api('POST', '/api/v1/workers', { handler: 'other', methods: ['x'] })).body.worker_id;
});
afterAll(async () => {
  await server.close();
});

/** Every error is JSON of one shape, 4xx, and never leaks a stack trace. */
function expectError(res: { status: number; body: any }, status: number, code: string, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  if (field !== undefined) expect(res.body.error.field).toBe(field);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);
}

const valid = { handler: 'h', method: 'm', trigger: { type: 'cron', expression: '* * * * *' } };

describe('bad input: POST /api/v1/schedules', () => {
  const cases: [string, unknown, string, string | undefined][] = [
    ['missing handler', { method: 'm', trigger: valid.trigger }, 'invalid_input', 'handler'],
    ['missing method', { handler: 'h', trigger: valid.trigger }, 'invalid_input', 'method'],
    ['missing trigger', { handler: 'h', method: 'm' }, 'invalid_input', 'trigger'],
    ['unknown trigger type', { ...valid, trigger: { type: 'weekly' } }, 'invalid_input', 'trigger.type'],
    ['invalid cron hour', { ...valid, trigger: { type: 'cron', expression: '0 25 * * *' } }, 'invalid_cron', 'trigger.expression'],
    ['cron with 7 fields', { ...valid, trigger: { type: 'cron', expression: '0 0 0 1 1 * 2030' } }, 'invalid_cron', 'trigger.expression'],
    ['unknown time zone', { ...valid, trigger: { type: 'cron', expression: '* * * * *', timezone: 'Mars/Olympus' } }, 'invalid_timezone', 'trigger.timezone'],
    ['interval of zero', { ...valid, trigger: { type: 'interval', seconds: 0 } }, 'invalid_trigger', 'trigger.seconds'],
    ['negative interval', { ...valid, trigger: { type: 'interval', minutes: -1 } }, 'invalid_input', 'trigger.minutes'],
    ['interval as a string', { ...valid, trigger: { type: 'interval', seconds: '10' } }, 'invalid_input', 'trigger.seconds'],
    ['bad run_date', { ...valid, trigger: { type: 'date', run_date: 'tomorrow-ish' } }, 'invalid_trigger', 'trigger.run_date'],
    ['unknown trigger field', { ...valid, trigger: { type: 'interval', seconds: 5, every: 3 } }, 'invalid_input', 'trigger.every'],
    ['params not an object', { ...valid, params: [1, 2] }, 'invalid_input', 'params'],
    ['params a string', { ...valid, params: 'x=1' }, 'invalid_input', 'params'],
    ['unknown top-level field', { ...valid, colour: 'red' }, 'invalid_input', 'colour'],
    ['bad catch_up', { ...valid, catch_up: 'sometimes' }, 'invalid_input', 'catch_up'],
    ['max_instances zero', { ...valid, max_instances: 0 }, 'invalid_input', 'max_instances'],
    ['retry attempts zero', { ...valid, retry: { max_attempts: 0 } }, 'invalid_input', 'retry.max_attempts'],
    ['retry delay cap below initial', { ...valid, retry: { initial_delay_seconds: 10, max_delay_seconds: 1 } }, 'invalid_input', 'retry.max_delay_seconds'],
    ['bad id characters', { ...valid, id: 'a b/../c' }, 'invalid_input', 'id'],
    ['empty handler', { ...valid, handler: '' }, 'invalid_input', 'handler'],
    ['timeout negative', { ...valid, timeout_seconds: -5 }, 'invalid_input', 'timeout_seconds'],
  ];
  for (const [name, payload, code, field] of cases) {
    it(name, async () => expectError(await api('POST', '/api/v1/schedules', payload), 400, code, field));
  }

  it('a body that is not JSON', async () => {
    expectError(await api('POST', '/api/v1/schedules', '{"handler": "h",'), 400, 'invalid_json');
  });
  it('an empty JSON body', async () => {
    expectError(await api('POST', '/api/v1/schedules', ''), 400, 'invalid_input');
  });
  it('a JSON array as the body', async () => {
    expectError(await api('POST', '/api/v1/schedules', '[1]'), 400, 'invalid_input');
  });
  it('a prototype-poisoning body', async () => {
    expectError(await api('POST', '/api/v1/schedules', '{"__proto__": {"x": 1}, "handler": "h"}'), 400, 'invalid_json');
  });
  it('a non-JSON content type', async () => {
    expectError(await api('POST', '/api/v1/schedules', 'handler=h', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  });
  it('a body over the size limit', async () => {
    const huge = JSON.stringify({ ...valid, params: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    expectError(await api('POST', '/api/v1/schedules', huge), 413, 'body_too_large');
  });
});

describe('bad input: other schedule routes', () => {
  it('unknown schedule on every schedule route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/schedules/nope'],
      ['PATCH', '/api/v1/schedules/nope'],
      ['DELETE', '/api/v1/schedules/nope'],
      ['POST', '/api/v1/schedules/nope/pause'],
      ['POST', '/api/v1/schedules/nope/resume'],
      ['POST', '/api/v1/schedules/nope/run'],
      ['GET', '/api/v1/schedules/nope/upcoming'],
    ] as const) {
      expectError(await api(method, path, method === 'PATCH' ? { name: 'x' } : undefined), 404, 'schedule_not_found');
    }
  });
  it('PATCH with a bad field', async () => {
    expectError(await api('PATCH', `/api/v1/schedules/${scheduleId}`, { trigger: { type: 'cron', expression: 'every day' } }), 400, 'invalid_cron', 'trigger.expression');
    expectError(await api('PATCH', `/api/v1/schedules/${scheduleId}`, { id: 'rename' }), 400, 'invalid_input', 'id');
  });
  it('list with bad query values', async () => {
    expectError(await api('GET', '/api/v1/schedules?limit=0'), 400, 'invalid_input', 'limit');
    expectError(await api('GET', '/api/v1/schedules?limit=abc'), 400, 'invalid_input', 'limit');
    expectError(await api('GET', '/api/v1/schedules?cursor=%%%garbage'), 400, 'invalid_cursor', 'cursor');
    expectError(await api('GET', '/api/v1/schedules?color=red'), 400, 'invalid_input', 'color');
  });
  it('upcoming with a bad count', async () => {
    expectError(await api('GET', `/api/v1/schedules/${scheduleId}/upcoming?count=1000`), 400, 'invalid_input', 'count');
  });
});

describe('bad input: runs', () => {
  it('POST /runs', async () => {
    expectError(await api('POST', '/api/v1/runs', { method: 'm' }), 400, 'invalid_input', 'handler');
    expectError(await api('POST', '/api/v1/runs', { handler: 'h', method: 'm', params: 5 }), 400, 'invalid_input', 'params');
    expectError(await api('POST', '/api/v1/runs', 'nope'), 400, 'invalid_json');
  });
  it('GET /runs filters', async () => {
    expectError(await api('GET', '/api/v1/runs?status=done'), 400, 'invalid_input', 'status');
    expectError(await api('GET', '/api/v1/runs?since=yesterday'), 400, 'invalid_input', 'since');
    expectError(await api('GET', '/api/v1/runs?limit=100000'), 400, 'invalid_input', 'limit');
    expectError(await api('GET', '/api/v1/runs?cursor=zzz'), 400, 'invalid_cursor', 'cursor');
  });
  it('unknown runs', async () => {
    expectError(await api('GET', '/api/v1/runs/nope'), 404, 'run_not_found');
    expectError(await api('POST', '/api/v1/runs/nope/cancel'), 404, 'run_not_found');
  });
  it('cancel twice', async () => {
    expect((await api('POST', `/api/v1/runs/${runId}/cancel`)).status).toBe(200);
    expectError(await api('POST', `/api/v1/runs/${runId}/cancel`), 409, 'run_finished');
  });
  it('stats with a bad time', async () => {
    expectError(await api('GET', '/api/v1/runs/stats?since=0'), 400, 'invalid_input', 'since');
  });
});

describe('bad input: worker protocol', () => {
  it('register', async () => {
    expectError(await api('POST', '/api/v1/workers', { handler: 'h' }), 400, 'invalid_input', 'methods');
    expectError(await api('POST', '/api/v1/workers', { handler: 'h', methods: [] }), 400, 'invalid_input', 'methods');
    expectError(await api('POST', '/api/v1/workers', { handler: 'h', methods: ['a'], concurrency: 0 }), 400, 'invalid_input', 'concurrency');
    expectError(await api('POST', '/api/v1/workers', { handler: 'h', methods: 'a' }), 400, 'invalid_input', 'methods');
  });
  it('poll', async () => {
    expectError(await api('POST', '/api/v1/workers/nope/poll', { max_jobs: 1, wait_seconds: 0 }), 404, 'worker_not_found');
    expectError(await api('POST', `/api/v1/workers/${workerId}/poll`, { max_jobs: 0 }), 400, 'invalid_input', 'max_jobs');
    expectError(await api('POST', `/api/v1/workers/${workerId}/poll`, { wait_seconds: 999 }), 400, 'invalid_input', 'wait_seconds');
  });
  it('heartbeat', async () => {
    expectError(await api('POST', `/api/v1/runs/${runId}/heartbeat`, {}), 400, 'invalid_input', 'worker_id');
    expectError(await api('POST', '/api/v1/runs/nope/heartbeat', { worker_id: workerId }), 404, 'run_not_found');
    expectError(await api('POST', `/api/v1/runs/${runId}/heartbeat`, { worker_id: workerId, progress: 120 }), 400, 'invalid_input', 'progress');
  });
  it('complete', async () => {
    expectError(await api('POST', `/api/v1/runs/${runId}/complete`, { worker_id: workerId, status: 'done' }), 400, 'invalid_input', 'status');
    expectError(await api('POST', '/api/v1/runs/nope/complete', { worker_id: workerId, status: 'succeeded' }), 404, 'run_not_found');
    expectError(await api('POST', `/api/v1/runs/${runId}/complete`, { worker_id: workerId, status: 'failed', error: { type: 'x' } }), 400, 'invalid_input', 'error.message');
  });
  it('batch complete', async () => {
    expectError(await api('POST', `/api/v1/workers/${workerId}/complete`, { completions: [] }), 400, 'invalid_input', 'completions');
    expectError(await api('POST', `/api/v1/workers/${workerId}/complete`, {}), 400, 'invalid_input', 'completions');
    expectError(await api('POST', `/api/v1/workers/${workerId}/complete`, { completions: [{ run_id: runId, status: 'maybe' }] }), 400, 'invalid_input', 'completions.0.status');
  });
  it('leave', async () => {
    expectError(await api('DELETE', '/api/v1/workers/nope'), 404, 'worker_not_found');
  });
});

describe('bad input: anything else', () => {
  it('unknown routes answer JSON 404', async () => {
    expectError(await api('GET', '/api/v1/nothing-here'), 404, 'not_found');
    expectError(await api('PUT', '/api/v1/schedules'), 404, 'not_found');
  });
  it('the server is still healthy after all of this', async () => {
    expect((await api('GET', '/api/v1/health')).body.status).toBe('ok');
  });
});
