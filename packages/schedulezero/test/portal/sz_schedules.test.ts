import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleInput } from '../../src/engine/types.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, waitFor } from '../helpers.js';
import { portalClient } from './portal-client.js';

let server: RunningServer;
let portal: ReturnType<typeof portalClient>;
let releaseSlow: () => void = () => {};

beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      beforeStart: (engine) =>
        engine.registerLocalHandler('demo', {
          hello: (params) => ({ greeted: params.name ?? 'world' }),
          fail: () => {
            throw new Error('the report server said no');
          },
          slow: (_params, ctx) =>
            new Promise<void>((resolve) => {
              releaseSlow = resolve;
              ctx.signal.addEventListener('abort', () => resolve());
            }),
        }),
    },
  );
  portal = portalClient(server.url);
});
afterAll(async () => {
  releaseSlow();
  await server.close();
});

const XSS = '<img src=x onerror=alert(1)>';
const XSS_TEXT = '&lt;img src=x onerror=alert(1)&gt;';

/** A schedule made through the engine, for tests about something else than the form. */
async function schedule(over: Partial<ScheduleInput> = {}) {
  return server.engine.createSchedule({ handler: 'demo', method: 'hello', trigger: { type: 'cron', expression: '0 9 * * *' }, ...over });
}

/** A full page first: the client picks up the CSRF token from it. */
async function withToken(): Promise<void> {
  await portal.get('/schedules/');
  expect(portal.csrf).toBeTruthy();
}

function form(over: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'Nightly report',
    id: '',
    handler: 'demo',
    method: 'hello',
    params: '{"name": "ops"}',
    trigger_type: 'cron',
    cron_expression: '30 2 * * *',
    timezone: 'Europe/Berlin',
    ...over,
  };
}

/** The opening tag of the form control named `name`. */
function control(page: string, name: string): string {
  const tag = new RegExp(`<(?:input|textarea|select)[^>]*name="${name}"[^>]*>`).exec(page);
  expect(tag, `control ${name}`).not.toBeNull();
  return tag![0];
}

async function runsOf(scheduleId: string) {
  return (await server.engine.listRuns({ schedule_id: scheduleId, limit: 100 })).items;
}

describe('sz_schedules: list', () => {
  it('shows an empty state that leads to the create form', async () => {
    const res = await portal.get('/schedules/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Schedules</h1>');
    expect(res.text).toContain('Create your first schedule');
    expect(res.text).toMatch(/<a class="sz-btn sz-btn-primary" href="\/schedules\/new">Create your first schedule<\/a>/);
  });

  it('lists schedules with their trigger in words, next run, state and row actions', async () => {
    await schedule({ id: 'list-a', name: 'Alpha report', trigger: { type: 'cron', expression: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' } });
    await schedule({ id: 'list-b', name: 'Beta cleanup', handler: 'janitor', method: 'sweep', paused: true, trigger: { type: 'interval', minutes: 5 } });
    const res = await portal.get('/schedules/');
    expect(res.text).toContain('Alpha report');
    expect(res.text).toContain('<code>demo.hello</code>');
    expect(res.text).toContain('<code>janitor.sweep</code>');
    expect(res.text).toMatch(/Monday through Friday/i);
    expect(res.text).toContain('data-countdown');
    expect(res.text).toContain('>Paused</span>');
    expect(res.text).toContain('>Active</span>');
    expect(res.text).toContain('action="/schedules/list-a/run"');
    expect(res.text).toContain('action="/schedules/list-a/pause"');
    expect(res.text).toContain('action="/schedules/list-b/resume"');
    // Live search: htmx on the search box, and a plain GET form without JS.
    expect(res.text).toMatch(/<form class="sz-toolbar" method="get" action="\/schedules\/"/);
    expect(res.text).toMatch(/name="q"[^>]*hx-get="\/schedules\/"[^>]*hx-trigger="input changed delay:300ms, search"/);
    expect(res.text).toContain('hx-target="#szs-results"');
    expect(res.text).toContain('hx-push-url="true"');
  });

  it('searches by name or id, filters by handler and state, without JS', async () => {
    const byName = await portal.get('/schedules/?q=alpha');
    expect(byName.text).toContain('Alpha report');
    expect(byName.text).not.toContain('Beta cleanup');
    expect(byName.text).toContain('value="alpha"');
    const byId = await portal.get('/schedules/?q=LIST-B');
    expect(byId.text).toContain('Beta cleanup');
    expect(byId.text).not.toContain('Alpha report');
    const byHandler = await portal.get('/schedules/?handler=janitor');
    expect(byHandler.text).toContain('Beta cleanup');
    expect(byHandler.text).not.toContain('Alpha report');
    const paused = await portal.get('/schedules/?state=paused');
    expect(paused.text).toContain('Beta cleanup');
    expect(paused.text).not.toContain('Alpha report');
    const active = await portal.get('/schedules/?state=active');
    expect(active.text).toContain('Alpha report');
    expect(active.text).not.toContain('Beta cleanup');
    const none = await portal.get('/schedules/?q=no-such-thing');
    expect(none.text).toContain('No schedules match');
    expect(none.text).not.toContain('Create your first schedule');
  });

  it('answers the live search with the results only, and boosted navigation with a fragment', async () => {
    const live = await portal.get('/schedules/?q=beta', { headers: { 'hx-target': 'szs-results' }, htmx: true });
    expect(live.status).toBe(200);
    expect(live.headers.get('vary')).toMatch(/HX-Request/i);
    expect(live.text).not.toContain('<html');
    expect(live.text).not.toContain('class="sz-toolbar"');
    expect(live.text).toContain('<table class="sz-table">');
    expect(live.text).toContain('Beta cleanup');
    expect(live.text).not.toContain('Alpha report');

    const boosted = await portal.get('/schedules/', { htmx: true, headers: { 'hx-boosted': 'true', 'hx-target': 'sz-main' } });
    expect(boosted.headers.get('vary')).toMatch(/HX-Request/i);
    expect(boosted.text).not.toContain('<html');
    expect(boosted.text).toContain('<title>Schedules');
    expect(boosted.text).toContain('class="sz-toolbar"');

    const full = await portal.get('/schedules/');
    expect(full.text).toContain('<html');
    expect(full.headers.get('vary')).toMatch(/HX-Request/i);
  });

  it('pages with a cursor, keeping the filters', async () => {
    for (let i = 0; i < 5; i++) await schedule({ id: `page-${i}`, name: `Paged ${i}`, handler: 'pager' });
    const seen: string[] = [];
    let path: string | null = '/schedules/?handler=pager&limit=2';
    let pages = 0;
    while (path !== null) {
      const res = await portal.get(path);
      pages++;
      seen.push(...[...res.text.matchAll(/>Paged (\d)</g)].map((m) => `page-${m[1]}`));
      const next = /<a href="([^"]+)" rel="next">/.exec(res.text);
      path = next ? next[1]!.replace(/&amp;/g, '&') : null;
      if (path) expect(path).toContain('handler=pager');
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });
});

describe('sz_schedules: create and edit', () => {
  it('shows the create form with the trigger builder, time zones and advanced settings', async () => {
    const res = await portal.get('/schedules/new?handler=demo&method=hello');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>New schedule</h1>');
    for (const name of ['name', 'id', 'handler', 'method', 'params', 'cron_expression', 'interval_minutes', 'run_date', 'timezone', 'max_instances', 'catch_up', 'misfire_grace_seconds', 'timeout_seconds', 'retry_max_attempts', 'retry_initial_delay_seconds']) {
      control(res.text, name);
    }
    expect(control(res.text, 'handler')).toContain('value="demo"');
    expect(res.text).toMatch(/<input type="radio" name="trigger_type" value="cron" checked>/);
    expect(res.text).toContain('<option value="Europe/Berlin">');
    expect(control(res.text, 'run_date')).toContain('type="datetime-local"');
    expect(res.text).toMatch(/<details class="sz-fieldset szs-advanced"/);
    expect(res.text).toMatch(/<label for="szs-f-cron-expression">/);
    // Live validation: the trigger fields go to the preview endpoint as the user types.
    expect(res.text).toMatch(/hx-get="\/schedules\/preview" hx-trigger="input delay:400ms, change delay:400ms" hx-include="this"/);
  });

  it('creates a schedule from the form and shows it with a flash', async () => {
    await withToken();
    const res = await portal.post('/schedules/new', form({ id: 'nightly', max_instances: '2', retry_max_attempts: '3', catch_up: 'skip' }), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/schedules/nightly?flash=created');
    const page = await portal.get(res.headers.get('location')!);
    expect(page.text).toContain('Schedule created.');
    expect(page.text).toContain('Nightly report');
    const stored = await server.engine.getSchedule('nightly');
    expect(stored).toMatchObject({
      name: 'Nightly report',
      params: { name: 'ops' },
      max_instances: 2,
      catch_up: 'skip',
      retry: { max_attempts: 3 },
      trigger: { type: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' },
    });
  });

  it('refuses an invalid cron with 400, the error at the field, and every typed value kept', async () => {
    await withToken();
    const typed = form({ name: 'Broken <cron>', cron_expression: '61 * * * *', params: '{"keep": "me"}', timeout_seconds: '30' });
    const res = await portal.post('/schedules/new', typed);
    expect(res.status).toBe(400);
    const input = control(res.text, 'cron_expression');
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('value="61 * * * *"');
    expect(input).toContain('aria-describedby="szs-f-cron-expression-hint szs-f-cron-expression-error"');
    expect(res.text).toMatch(/<p class="sz-field-error" id="szs-f-cron-expression-error">[^<]*61/);
    expect(control(res.text, 'name')).toContain('value="Broken &lt;cron&gt;"');
    expect(control(res.text, 'timezone')).toContain('value="Europe/Berlin"');
    expect(control(res.text, 'timeout_seconds')).toContain('value="30"');
    expect(res.text).toContain('{&quot;keep&quot;: &quot;me&quot;}</textarea>');
    expect(res.text).toContain('href="#szs-f-cron-expression"');
    expect((await server.engine.listSchedules({ search: 'Broken', limit: 10 })).items).toHaveLength(0);
  });

  it('puts each problem at its field: params JSON, unknown time zone, identifiers, ranges, duplicate id', async () => {
    await withToken();
    const bad = await portal.post('/schedules/new', form({ params: '{"oops": ', timezone: 'Mars/Olympus', handler: 'bad handler!', max_instances: '0' }));
    expect(bad.status).toBe(400);
    expect(control(bad.text, 'params')).toContain('aria-invalid="true"');
    expect(bad.text).toMatch(/id="szs-f-params-error">Not valid JSON/);
    expect(control(bad.text, 'timezone')).toContain('aria-invalid="true"');
    expect(bad.text).toMatch(/id="szs-f-timezone-error">[^<]*Mars\/Olympus/);
    expect(control(bad.text, 'handler')).toContain('aria-invalid="true"');
    expect(control(bad.text, 'max_instances')).toContain('aria-invalid="true"');
    expect(bad.text).toMatch(/id="szs-f-max-instances-error">Must be at least 1/);
    expect(control(bad.text, 'cron_expression')).not.toContain('aria-invalid');

    const array = await portal.post('/schedules/new', form({ params: '[1, 2]' }));
    expect(array.status).toBe(400);
    expect(array.text).toMatch(/id="szs-f-params-error">Parameters must be a JSON object/);

    const dup = await portal.post('/schedules/new', form({ id: 'nightly' }));
    expect(dup.status).toBe(400);
    expect(control(dup.text, 'id')).toContain('aria-invalid="true"');
    expect(dup.text).toMatch(/id="szs-f-id-error">[^<]*exists already/);
  });

  it('creates interval and date schedules, and a paused one', async () => {
    await withToken();
    const interval = await portal.post('/schedules/new', form({ id: 'every-90m', trigger_type: 'interval', interval_hours: '1', interval_minutes: '30', cron_expression: '' }), { redirect: 'manual' });
    expect(interval.status).toBe(303);
    expect((await server.engine.getSchedule('every-90m')).trigger).toMatchObject({ type: 'interval', hours: 1, minutes: 30 });
    const date = await portal.post('/schedules/new', form({ id: 'once', trigger_type: 'date', run_date: '2031-01-02T03:04', timezone: 'America/New_York', paused: 'on' }), { redirect: 'manual' });
    expect(date.status).toBe(303);
    const once = await server.engine.getSchedule('once');
    expect(once.paused).toBe(true);
    expect(once.trigger).toMatchObject({ type: 'date', run_date: '2031-01-02T08:04:00.000Z' });
  });

  it('edits a schedule: the form is filled in, unrelated edits keep the pending run, a new trigger applies', async () => {
    const before = await schedule({ id: 'edit-me', name: 'Edit me', params: { a: 1 }, trigger: { type: 'cron', expression: '15 4 * * *', timezone: 'Asia/Tokyo' }, timeout_seconds: 60 });
    const page = await portal.get('/schedules/edit-me/edit');
    expect(page.status).toBe(200);
    expect(control(page.text, 'cron_expression')).toContain('value="15 4 * * *"');
    expect(control(page.text, 'timezone')).toContain('value="Asia/Tokyo"');
    expect(control(page.text, 'timeout_seconds')).toContain('value="60"');
    expect(page.text).not.toMatch(/name="id"/);

    const rename = await portal.post('/schedules/edit-me/edit', { ...form({ name: 'Edited', cron_expression: '15 4 * * *', timezone: 'Asia/Tokyo', params: '{"a": 2}' }), timeout_seconds: '' }, { redirect: 'manual' });
    expect(rename.status).toBe(303);
    expect(rename.headers.get('location')).toBe('/schedules/edit-me?flash=updated');
    const renamed = await server.engine.getSchedule('edit-me');
    expect(renamed).toMatchObject({ name: 'Edited', params: { a: 2 }, timeout_seconds: null, next_run_at: before.next_run_at });

    const bad = await portal.post('/schedules/edit-me/edit', form({ name: 'Edited', cron_expression: 'every day' }));
    expect(bad.status).toBe(400);
    expect(control(bad.text, 'cron_expression')).toContain('value="every day"');
    expect((await server.engine.getSchedule('edit-me')).trigger).toMatchObject({ expression: '15 4 * * *' });

    const retrigger = await portal.post('/schedules/edit-me/edit', form({ name: 'Edited', trigger_type: 'interval', interval_minutes: '10' }), { redirect: 'manual' });
    expect(retrigger.status).toBe(303);
    expect((await server.engine.getSchedule('edit-me')).trigger).toMatchObject({ type: 'interval', minutes: 10 });
  });
});

describe('sz_schedules: live trigger preview', () => {
  it('describes a valid cron and lists its next five fire times in the zone and in UTC', async () => {
    const res = await portal.get('/schedules/preview?trigger_type=cron&cron_expression=0+9+*+*+MON-FRI&timezone=Europe%2FBerlin', { htmx: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/HX-Request/i);
    expect(res.text).not.toContain('<html');
    expect(res.text).toMatch(/09:00 AM, Monday through Friday/);
    const times = [...res.text.matchAll(/<time datetime="([^"]+)">/g)].map((m) => Date.parse(m[1]!));
    expect(times).toHaveLength(5);
    for (const t of times) {
      expect(t).toBeGreaterThan(Date.now());
      expect([7, 8]).toContain(new Date(t).getUTCHours());
    }
    expect(res.text).toContain('<th scope="col">Europe/Berlin</th>');
    expect(res.text).toContain('<th scope="col">UTC</th>');
    expect(res.text).toMatch(/\d{4}-\d{2}-\d{2} 0[78]:00:00 UTC/);
  });

  it('names the field of an invalid trigger', async () => {
    const cron = await portal.get('/schedules/preview?trigger_type=cron&cron_expression=0+25+*+*+*', { htmx: true });
    expect(cron.text).toMatch(/role="alert"><strong>Cron expression:<\/strong>/);
    const zone = await portal.get('/schedules/preview?trigger_type=cron&cron_expression=*+*+*+*+*&timezone=Nowhere%2FLand', { htmx: true });
    expect(zone.text).toMatch(/<strong>Time zone:<\/strong>[^<]*Nowhere\/Land/);
    const interval = await portal.get('/schedules/preview?trigger_type=interval&interval_minutes=abc', { htmx: true });
    expect(interval.text).toContain('<strong>Minutes:</strong>');
  });

  it('previews intervals and dates, and asks for input when there is none', async () => {
    const interval = await portal.get('/schedules/preview?trigger_type=interval&interval_minutes=15', { htmx: true });
    const times = [...interval.text.matchAll(/<time datetime="([^"]+)">/g)].map((m) => Date.parse(m[1]!));
    expect(times).toHaveLength(5);
    expect(times[1]! - times[0]!).toBe(15 * 60_000);
    const date = await portal.get('/schedules/preview?trigger_type=date&run_date=2031-01-02T03%3A04&timezone=UTC', { htmx: true });
    expect([...date.text.matchAll(/<time datetime="([^"]+)">/g)].map((m) => m[1])).toEqual(['2031-01-02T03:04:00.000Z']);
    const empty = await portal.get('/schedules/preview?trigger_type=cron&cron_expression=', { htmx: true });
    expect(empty.text).toContain('Enter a cron expression');
  });

  it('keeps a cron trigger of the field form when the edit leaves the expression empty', async () => {
    const before = await schedule({ id: 'field-form', trigger: { type: 'cron', hour: '*/2', minute: '0' } });
    const page = await portal.get('/schedules/field-form/edit');
    expect(page.text).toContain('hour=*/2, minute=0');
    expect(page.text).toContain('<input type="hidden" name="for_schedule" value="field-form">');
    const preview = await portal.get('/schedules/preview?for_schedule=field-form&trigger_type=cron&cron_expression=&timezone=UTC', { htmx: true });
    expect(preview.text).toMatch(/every 2 hours/i);
    const saved = await portal.post('/schedules/field-form/edit', form({ name: 'Renamed', cron_expression: '', timezone: 'UTC' }), { redirect: 'manual' });
    expect(saved.status).toBe(303);
    const after = await server.engine.getSchedule('field-form');
    expect(after.name).toBe('Renamed');
    expect(after.trigger).toEqual(before.trigger);
  });
});

describe('sz_schedules: detail and actions', () => {
  it('shows settings, the trigger in words and the next five fire times', async () => {
    await schedule({ id: 'detail', name: 'Detail page', params: { region: 'eu' }, trigger: { type: 'cron', expression: '0 6 * * *', timezone: 'UTC' } });
    const res = await portal.get('/schedules/detail');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Detail page');
    expect(res.text).toMatch(/At 06:00 AM/);
    expect(res.text).toContain('class="sz-kv"');
    expect(res.text).toContain('&quot;region&quot;: &quot;eu&quot;');
    const upcoming = /<caption>Next 5 runs<\/caption>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(res.text)![1]!;
    const times = [...upcoming.matchAll(/<td><time datetime="([^"]+)">/g)].map((m) => Date.parse(m[1]!));
    expect(times).toHaveLength(5);
    expect(times.every((t) => new Date(t).getUTCHours() === 6 && new Date(t).getUTCMinutes() === 0)).toBe(true);
    expect(times[1]! - times[0]!).toBe(24 * 3600_000);
    expect(res.text).toContain('action="/schedules/detail/run"');
    expect(res.text).toContain('action="/schedules/detail/pause"');
    expect(res.text).toContain('href="/schedules/detail/edit"');
    expect(res.text).toMatch(/href="\/schedules\/detail\/delete"\s+hx-post="\/schedules\/detail\/delete"[^>]*hx-confirm="Delete the schedule/);
    expect(res.text).toContain('No runs yet.');
  });

  it('answers an unknown schedule or run with 404', async () => {
    const res = await portal.get('/schedules/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.text).toContain('does-not-exist');
    expect((await portal.get('/schedules/does-not-exist/edit')).status).toBe(404);
    expect((await portal.get('/schedules/runs/no-such-run')).status).toBe(404);
  });

  it('refuses an action without the CSRF token', async () => {
    await schedule({ id: 'csrf' });
    const res = await portal.post('/schedules/csrf/pause', {}, { csrf: 'none' });
    expect(res.status).toBe(403);
    expect((await server.engine.getSchedule('csrf')).paused).toBe(false);
  });

  it('pauses and resumes with a 303 and a flash, by header or by form field', async () => {
    await withToken();
    const paused = await portal.post('/schedules/csrf/pause', undefined, { csrf: 'field', redirect: 'manual' });
    expect(paused.status).toBe(303);
    expect(paused.headers.get('location')).toBe('/schedules/csrf?flash=paused');
    expect((await server.engine.getSchedule('csrf')).paused).toBe(true);
    const page = await portal.get('/schedules/csrf?flash=paused');
    expect(page.text).toMatch(/class="sz-flash sz-flash-info" role="status">Schedule paused/);
    expect(page.text).toContain('action="/schedules/csrf/resume"');

    await withToken();
    const resumed = await portal.post('/schedules/csrf/resume', {}, { htmx: true });
    expect(resumed.status).toBe(200);
    expect(resumed.text).not.toContain('<html');
    expect(resumed.text).toContain('Schedule resumed.');
    expect((await server.engine.getSchedule('csrf')).paused).toBe(false);
  });

  it('goes back to the list (with its filters) after a row action there', async () => {
    await withToken();
    const res = await portal.post('/schedules/csrf/pause', { back: '/schedules/?q=csrf' }, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/schedules/?q=csrf&flash=paused');
    const elsewhere = await portal.post('/schedules/csrf/resume', { back: 'https://evil.example/' }, { redirect: 'manual' });
    expect(elsewhere.headers.get('location')).toBe('/schedules/csrf?flash=resumed');
    const sneaky = await portal.post('/schedules/csrf/pause', { back: '//evil.example/schedules/' }, { redirect: 'manual' });
    expect(sneaky.headers.get('location')).toBe('/schedules/csrf?flash=paused');
  });

  it('shows only known flash messages', async () => {
    const res = await portal.get(`/schedules/?flash=${encodeURIComponent(XSS)}`);
    expect(res.text).not.toContain('sz-flash');
    expect(res.text).not.toContain('onerror');
  });

  it('runs now and shows the run in the history, with its result', async () => {
    await schedule({ id: 'runner', name: 'Runner', params: { name: 'Ada' } });
    await withToken();
    const res = await portal.post('/schedules/runner/run', {}, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/schedules\/runner\?flash=run&run=/);
    await waitFor(async () => (await runsOf('runner')).some((r) => r.status === 'succeeded'));
    const page = await portal.get('/schedules/runner');
    expect(page.text).toContain('sz-status-succeeded');
    expect(page.text).toContain('>Manual<');
    expect(page.text).toContain('1 / 1');
    expect(page.text).toContain('&quot;greeted&quot;: &quot;Ada&quot;');
    const [run] = await runsOf('runner');
    expect(page.text).toContain(`href="/schedules/runs/${run!.id}"`);
    // The list shows how the newest run went, manual ones included.
    const list = await portal.get('/schedules/?q=runner');
    expect(list.text).toMatch(new RegExp(`href="/schedules/runs/${run!.id}" class="szs-run-link"><span class="sz-badge sz-status-succeeded">`));

    const detail = await portal.get(`/schedules/runs/${run!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('sz-status-succeeded');
    expect(detail.text).toContain('&quot;greeted&quot;: &quot;Ada&quot;');
    expect(detail.text).toMatch(/<h2 id="szs-attempts-title">Attempts<\/h2>[\s\S]*<td class="sz-num">1<\/td>/);
    expect(detail.text).toContain('href="/schedules/runner"');
    expect(detail.text).not.toContain('/retry"');
  });

  it('retries a failed run as a new run', async () => {
    await schedule({ id: 'failing', name: 'Failing', method: 'fail' });
    await withToken();
    await portal.post('/schedules/failing/run', {});
    const failed = await waitFor(async () => (await runsOf('failing')).find((r) => r.status === 'failed'));
    expect(failed.error?.message).toBe('the report server said no');

    const history = await portal.get('/schedules/failing');
    expect(history.text).toContain('sz-status-failed');
    expect(history.text).toContain('the report server said no');
    expect(history.text).toContain(`action="/schedules/runs/${failed.id}/retry"`);

    const runPage = await portal.get(`/schedules/runs/${failed.id}`);
    expect(runPage.text).toContain('the report server said no');

    const retry = await portal.post(`/schedules/runs/${failed.id}/retry`, {}, { redirect: 'manual' });
    expect(retry.status).toBe(303);
    const runs = await runsOf('failing');
    expect(runs).toHaveLength(2);
    const fresh = runs.find((r) => r.id !== failed.id)!;
    expect(retry.headers.get('location')).toBe(`/schedules/runs/${fresh.id}?flash=retried`);

    const fromHistory = await portal.post(`/schedules/runs/${failed.id}/retry`, { back: '/schedules/failing' }, { redirect: 'manual' });
    expect(fromHistory.headers.get('location')).toMatch(/^\/schedules\/failing\?flash=retried&run=/);
    expect(await runsOf('failing')).toHaveLength(3);
  });

  it('cancels a running run', async () => {
    await schedule({ id: 'slowpoke', method: 'slow' });
    await withToken();
    await portal.post('/schedules/slowpoke/run', {});
    const running = await waitFor(async () => (await runsOf('slowpoke')).find((r) => r.status === 'running'));
    const page = await portal.get('/schedules/slowpoke');
    expect(page.text).toContain(`action="/schedules/runs/${running.id}/cancel"`);
    // While a run is pending the history polls itself.
    expect(page.text).toMatch(/hx-trigger="every 2s" hx-select="#szs-history"/);
    await withToken();
    const res = await portal.post(`/schedules/runs/${running.id}/cancel`, {}, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/schedules/runs/${running.id}?flash=cancelled`);
    await waitFor(async () => (await runsOf('slowpoke')).every((r) => r.status === 'cancelled'));
  });

  it('deletes after a confirmation page (without JS) and returns to the list', async () => {
    await schedule({ id: 'doomed', name: 'Doomed' });
    const confirm = await portal.get('/schedules/doomed/delete');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Delete “Doomed”?');
    expect(confirm.text).toMatch(/<form method="post" action="\/schedules\/doomed\/delete"[^>]*>\s*<input type="hidden" name="_csrf"/);
    const res = await portal.post('/schedules/doomed/delete', undefined, { csrf: 'field', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/schedules/?flash=deleted');
    await expect(server.engine.getSchedule('doomed')).rejects.toThrow(/does not exist/);
    expect((await portal.get('/schedules/doomed')).status).toBe(404);
  });

  it('handles ids with reserved URL characters', async () => {
    await schedule({ id: 'reports/daily@eu', name: 'Slashed' });
    const list = await portal.get('/schedules/?q=slashed');
    expect(list.text).toContain('href="/schedules/reports%2Fdaily%40eu"');
    const page = await portal.get('/schedules/reports%2Fdaily%40eu');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Slashed');
    await withToken();
    const paused = await portal.post('/schedules/reports%2Fdaily%40eu/pause', {}, { redirect: 'manual' });
    expect(paused.headers.get('location')).toBe('/schedules/reports%2Fdaily%40eu?flash=paused');
    expect((await server.engine.getSchedule('reports/daily@eu')).paused).toBe(true);
  });
});

describe('sz_schedules: escaping', () => {
  it('shows a hostile schedule name as text in the list, the detail and the edit pages', async () => {
    await schedule({ id: 'xss', name: XSS, params: { html: '</textarea><script>alert(1)</script>' } });
    for (const path of ['/schedules/?q=xss', '/schedules/xss', '/schedules/xss/edit', '/schedules/xss/delete']) {
      const res = await portal.get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain(XSS_TEXT);
      expect(res.text, path).not.toContain(XSS);
      expect(res.text, path).not.toContain('<script>alert(1)');
    }
  });
});
