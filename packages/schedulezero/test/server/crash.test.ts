import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, freePort, tempDir, waitFor } from '../helpers.js';

const fixture = fileURLToPath(new URL('../fixtures/embedded-server.mjs', import.meta.url));
const dir = tempDir('sz-crash-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  dir.cleanup();
});

function startProcess(port: number, db: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${db}`, LEASE_SECONDS: '3' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

describe('kill -9 of the server', () => {
  it('loses and duplicates no occurrence, and recovers interrupted runs per policy', async () => {
    const db = join(dir.path, 'crash.db');
    const port = await freePort();
    const first = await startProcess(port, db);
    const api = client(first.url);

    // An occurrence every 100 ms; catch_up `all` so that the downtime is filled in too.
    const schedule = (
      await api('POST', '/api/v1/schedules', {
        id: 'ticker',
        handler: 'nobody',
        method: 'tick',
        max_instances: 1000,
        catch_up: 'all',
        catch_up_limit: 1000,
        trigger: { type: 'interval', seconds: 0.1 },
      })
    ).body;
    expect(schedule.id).toBe('ticker');

    // An in-process run that is mid-way when the server dies; one retry allowed.
    const inproc = (await api('POST', '/api/v1/runs', { handler: 'embedded', method: 'slow', params: { ms: 60_000 }, retry: { max_attempts: 2, initial_delay_seconds: 0 } })).body;
    // A remote worker that survives the crash, and one that dies with it.
    const survivor = (await api('POST', '/api/v1/workers', { handler: 'remote', methods: ['job'] })).body.worker_id;
    const casualty = (await api('POST', '/api/v1/workers', { handler: 'remote', methods: ['job'] })).body.worker_id;
    const kept = (await api('POST', '/api/v1/runs', { handler: 'remote', method: 'job' })).body;
    expect((await api('POST', `/api/v1/workers/${survivor}/poll`, { max_jobs: 1, wait_seconds: 1 })).body.jobs[0].run_id).toBe(kept.id);
    const orphan = (await api('POST', '/api/v1/runs', { handler: 'remote', method: 'job', retry: { max_attempts: 2, initial_delay_seconds: 0 } })).body;
    expect((await api('POST', `/api/v1/workers/${casualty}/poll`, { max_jobs: 1, wait_seconds: 1 })).body.jobs[0].run_id).toBe(orphan.id);

    // The survivor heartbeats its job throughout, through whichever server is up.
    let currentUrl = first.url;
    const keepAlive = setInterval(() => {
      client(currentUrl)('POST', `/api/v1/runs/${kept.id}/heartbeat`, { worker_id: survivor }).catch(() => undefined);
    }, 200);

    await waitFor(async () => (await api('GET', `/api/v1/runs/${inproc.id}`)).body.status === 'running');
    await new Promise((r) => setTimeout(r, 450));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 700));

    const second = await startProcess(port, db);
    currentUrl = second.url;
    const api2 = client(second.url);
    // The surviving worker finishes its job after the restart.
    const done = await api2('POST', `/api/v1/runs/${kept.id}/complete`, { worker_id: survivor, status: 'succeeded', result: 'ok' });
    expect(done.body.status).toBe('succeeded');
    clearInterval(keepAlive);

    // The in-process run: attempt 1 lost with the old process, attempt 2 runs in the new one.
    const retried = await waitFor(async () => {
      const r = (await api2('GET', `/api/v1/runs/${inproc.id}`)).body;
      return r.attempt === 2 && r.status === 'running' ? r : null;
    });
    expect(retried.attempts[0].status).toBe('lost');

    // The dead worker's run is lost when its lease runs out, then retried on the survivor.
    const poll = await api2('POST', `/api/v1/workers/${survivor}/poll`, { max_jobs: 1, wait_seconds: 8 });
    expect(poll.body.jobs[0]).toMatchObject({ run_id: orphan.id, attempt: 2 });

    await new Promise((r) => setTimeout(r, 400));
    await api2('POST', '/api/v1/schedules/ticker/pause');
    const runs: { scheduled_at: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { scheduled_at: string }[]; next_cursor: string | null } } = await api2(
        'GET',
        `/api/v1/runs?schedule_id=ticker&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      runs.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    const times = runs.map((r) => Date.parse(r.scheduled_at)).sort((a, b) => a - b);
    expect(new Set(times).size).toBe(times.length);
    // Every occurrence from the first to the last exists: nothing lost across the crash.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(100);
    expect(times.length).toBeGreaterThan(12);
    second.child.kill('SIGTERM');
  }, 30_000);
});
