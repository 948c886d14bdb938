import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer } from '../helpers.js';

let server: RunningServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(async () => {
  await server.close();
});

const body = (over: Record<string, unknown> = {}) => ({
  handler: 'demo',
  method: 'hello',
  trigger: { type: 'cron', expression: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' },
  ...over,
});

describe('schedules API', () => {
  it('creates a schedule and returns it with next_run_at and defaults', async () => {
    const res = await api('POST', '/api/v1/schedules', body({ id: 'weekday-9', name: 'Weekday report', params: { to: 'ops' } }));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/v1/schedules/weekday-9');
    const s = res.body;
    expect(s).toMatchObject({
      id: 'weekday-9',
      name: 'Weekday report',
      handler: 'demo',
      method: 'hello',
      params: { to: 'ops' },
      paused: false,
      catch_up: 'once',
      max_instances: 1,
      misfire_grace_seconds: null,
      retry: { max_attempts: 1 },
      version: 1,
    });
    expect(s.trigger).toMatchObject({ type: 'cron', expression: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' });
    expect(typeof s.trigger_description).toBe('string');
    const next = new Date(s.next_run_at);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 09:00 in Berlin is 07:00 or 08:00 UTC.
    expect([7, 8]).toContain(next.getUTCHours());
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
  });

  it('refuses an id that exists already with 409 and keeps the original', async () => {
    await api('POST', '/api/v1/schedules', body({ id: 'dup' }));
    const res = await api('POST', '/api/v1/schedules', body({ id: 'dup', method: 'other' }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('schedule_exists');
    expect((await api('GET', '/api/v1/schedules/dup')).body.method).toBe('hello');
  });

  it('gets, patches, pauses, resumes and deletes', async () => {
    const created = (await api('POST', '/api/v1/schedules', body())).body;
    const id = created.id;
    expect((await api('GET', `/api/v1/schedules/${id}`)).body.id).toBe(id);

    const patched = await api('PATCH', `/api/v1/schedules/${id}`, { name: 'renamed', retry: { max_attempts: 3 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', version: 2, retry: { max_attempts: 3, initial_delay_seconds: 1 } });
    expect(patched.body.next_run_at).toBe(created.next_run_at);

    const retriggered = await api('PATCH', `/api/v1/schedules/${id}`, { trigger: { type: 'interval', minutes: 5 } });
    expect(retriggered.body.trigger.type).toBe('interval');
    expect(retriggered.body.next_run_at).not.toBe(created.next_run_at);

    const paused = await api('POST', `/api/v1/schedules/${id}/pause`);
    expect(paused.body).toMatchObject({ paused: true, next_run_at: null });
    const resumed = await api('POST', `/api/v1/schedules/${id}/resume`, undefined, { 'content-type': 'application/json' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.next_run_at).not.toBeNull();

    const upcoming = await api('GET', `/api/v1/schedules/${id}/upcoming?count=3`);
    expect(upcoming.body.times).toHaveLength(3);
    const times = upcoming.body.times.map((t: string) => Date.parse(t));
    expect(times[1] - times[0]).toBe(5 * 60_000);

    expect((await api('DELETE', `/api/v1/schedules/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/schedules/${id}`)).status).toBe(404);
    expect((await api('DELETE', `/api/v1/schedules/${id}`)).status).toBe(404);
  });

  it('runs a schedule now: 202 with a queued manual run', async () => {
    const s = (await api('POST', '/api/v1/schedules', body())).body;
    const res = await api('POST', `/api/v1/schedules/${s.id}/run`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ schedule_id: s.id, origin: 'manual', status: 'queued', handler: 'demo', method: 'hello' });
  });

  it('accepts the field form of the original and every trigger type', async () => {
    const field = await api('POST', '/api/v1/schedules', body({ trigger: { type: 'cron', hour: '*/2', minute: '0' } }));
    expect(field.status).toBe(201);
    const next = new Date(field.body.next_run_at);
    expect(next.getUTCHours() % 2).toBe(0);
    expect(next.getUTCMinutes()).toBe(0);
    const interval = await api('POST', '/api/v1/schedules', body({ trigger: { type: 'interval', hours: 1.5 } }));
    expect(interval.status).toBe(201);
    const date = await api('POST', '/api/v1/schedules', body({ trigger: { type: 'date', run_date: '2031-01-02T03:04:05', timezone: 'America/New_York' } }));
    expect(date.status).toBe(201);
    expect(date.body.next_run_at).toBe('2031-01-02T08:04:05.000Z');
    const epoch = await api('POST', '/api/v1/schedules', body({ trigger: { type: 'date', run_date: 1924992000 } }));
    expect(epoch.body.next_run_at).toBe(new Date(1924992000 * 1000).toISOString());
    const sixField = await api('POST', '/api/v1/schedules', body({ trigger: { type: 'cron', expression: '*/10 * * * * *' } }));
    expect(new Date(sixField.body.next_run_at).getUTCSeconds() % 10).toBe(0);
  });

  it('lists with filters and cursor pagination', async () => {
    for (let i = 0; i < 7; i++) {
      await api('POST', '/api/v1/schedules', body({ id: `page-${i}`, handler: 'pager', name: `Pager ${i}` }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string; handler: string }[]; next_cursor: string | null } } = await api(
        'GET',
        `/api/v1/schedules?handler=pager&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      expect(res.body.items.every((s) => s.handler === 'pager')).toBe(true);
      seen.push(...res.body.items.map((s) => s.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `page-${i}`));
    const search = await api('GET', '/api/v1/schedules?search=PAGER%203');
    expect(search.body.items.map((s: { id: string }) => s.id)).toEqual(['page-3']);
    const paused = await api('GET', '/api/v1/schedules?paused=true&handler=pager');
    expect(paused.body.items).toHaveLength(0);
  });
});
