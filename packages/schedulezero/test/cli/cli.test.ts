import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';

const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let server: RunningServer;
let s: (args: string[]) => Promise<Result>;

beforeAll(async () => {
  server = await startTestServer();
  s = (args) => cli(['--server', server.url, ...args]);
});
afterAll(async () => {
  await server.close();
});

describe('schedulezero CLI', () => {
  it('adds, lists, shows, pauses, resumes, runs and removes a schedule', async () => {
    const add = await s(['schedules', 'add', '--id', 'cli-1', '--name', 'From CLI', '--handler', 'demo', '--method', 'hello', '--cron', '30 9 * * *', '--timezone', 'Asia/Tokyo', '--params', '{"name":"cli"}', '--retries', '2']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('created schedule cli-1');

    const list = await s(['schedules', 'list']);
    expect(list.stdout).toMatch(/ID\s+NAME\s+JOB\s+TRIGGER\s+STATE\s+NEXT RUN/);
    expect(list.stdout).toMatch(/cli-1\s+From CLI\s+demo\.hello/);

    const json = JSON.parse((await s(['--json', 'schedules', 'list'])).stdout);
    const item = json.items.find((x: { id: string }) => x.id === 'cli-1');
    expect(item).toMatchObject({ params: { name: 'cli' }, retry: { max_attempts: 3 }, trigger: { timezone: 'Asia/Tokyo' } });
    // 09:30 in Tokyo is 00:30 UTC.
    expect(item.next_run_at).toMatch(/T00:30:00\.000Z$/);

    const show = await s(['schedules', 'show', 'cli-1']);
    expect(show.stdout).toContain('Next fire times:');
    expect(show.stdout.match(/00:30:00Z/g)?.length).toBeGreaterThanOrEqual(5);

    expect((await s(['schedules', 'pause', 'cli-1'])).stdout).toContain('paused cli-1');
    expect((await s(['schedules', 'resume', 'cli-1'])).stdout).toContain('resumed cli-1');
    const run = await s(['--json', 'schedules', 'run', 'cli-1']);
    const runId = JSON.parse(run.stdout).id as string;

    const runs = await s(['runs', 'list', '--schedule', 'cli-1']);
    expect(runs.stdout).toContain(runId);
    expect(runs.stdout).toContain('queued');
    const shown = await s(['runs', 'show', runId]);
    expect(shown.stdout).toMatch(/status:\s+queued/);
    expect((await s(['runs', 'cancel', runId])).stdout).toContain(`cancelled ${runId}`);

    expect((await s(['schedules', 'rm', 'cli-1'])).stdout).toContain('deleted cli-1');
    const gone = await s(['schedules', 'show', 'cli-1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('schedule_not_found');
  });

  it('supports --every and --at', async () => {
    const every = await s(['--json', 'schedules', 'add', '--handler', 'h', '--method', 'm', '--every', '1h30m']);
    expect(JSON.parse(every.stdout).trigger).toMatchObject({ type: 'interval', hours: 1, minutes: 30 });
    const at = await s(['--json', 'schedules', 'add', '--handler', 'h', '--method', 'm', '--at', '2032-05-06T07:08:09Z']);
    expect(JSON.parse(at.stdout).next_run_at).toBe('2032-05-06T07:08:09.000Z');
  });

  it('reports API errors with the field, and usage errors with exit code 2', async () => {
    const bad = await s(['schedules', 'add', '--handler', 'h', '--method', 'm', '--cron', '0 25 * * *']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error 400 invalid_cron: .*hour.* \(field: trigger\.expression\)/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = await s(['schedules', 'add', '--handler', 'h', '--method', 'm']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('exactly one of --cron, --every, --at or --trigger');
    const badJson = await s(['schedules', 'add', '--handler', 'h', '--method', 'm', '--every', '5m', '--params', '{oops']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--params: not valid JSON');
    const unknown = await s(['schedules', 'frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('says clearly when the server cannot be reached', async () => {
    const res = await cli(['--server', 'http://127.0.0.1:9', 'schedules', 'list']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot reach the server at http://127.0.0.1:9');
  });

  it('lists handlers', async () => {
    await fetch(`${server.url}/api/v1/workers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handler: 'mailer', methods: ['send', 'digest'] }),
    });
    const res = await s(['handlers', 'list']);
    expect(res.stdout).toMatch(/mailer\s+online\s+1\/1\s+0\s+\S+ \S+\s+digest, send/);
    const show = await s(['handlers', 'show', 'mailer']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^mailer\s+worker\s+online\s+health: healthy/);
    expect(show.stdout).toMatch(/digest\s+0\s+-\s+-\s+-\s+1\s+no\s+observed/);
    const missing = await s(['handlers', 'show', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('handler "nobody" is not known');
  });

  it('creates, lists and revokes API tokens (shown once, stored hashed)', async () => {
    const dir = tempDir();
    try {
      const database = `sqlite:${join(dir.path, 'tokens.db')}`;
      const created = JSON.parse((await cli(['--json', 'tokens', 'create', '--name', 'ci', '--database', database])).stdout);
      expect(created.token).toMatch(/^sz_[A-Za-z0-9_-]{40,}$/);
      const list = await cli(['tokens', 'list', '--database', database]);
      expect(list.stdout).toContain('ci');
      expect(list.stdout).not.toContain(created.token);
      expect((await cli(['tokens', 'revoke', created.id, '--database', database])).stdout).toContain('revoked');
      expect((await cli(['tokens', 'list', '--database', database])).stdout).toContain('no tokens');
    } finally {
      dir.cleanup();
    }
  });
});
