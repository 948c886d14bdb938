import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, freePort, tempDir, waitFor } from '../helpers.js';

const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));
const dir = tempDir('sz-serve-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  dir.cleanup();
});

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: dir.path, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('schedulezero serve', () => {
  it('honours the environment, keeps data in ./data by default, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = serve([], { SCHEDULEZERO_PORT: String(port), LOG_LEVEL: 'info' });
    const api = client(`http://127.0.0.1:${port}`);
    await waitFor(async () => (await api('GET', '/api/v1/health')).status === 200, 15_000);
    expect(JSON.parse(server.output().split('\n').find((l) => l.includes('ScheduleZero listening'))!)).toMatchObject({
      msg: 'ScheduleZero listening',
      url: `http://127.0.0.1:${port}`,
    });
    await api('POST', '/api/v1/schedules', { id: 'kept', handler: 'h', method: 'm', trigger: { type: 'interval', hours: 1 } });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shutting down');

    // Started again in the same directory, the schedule is still there.
    const again = serve(['--port', String(port)]);
    await waitFor(async () => (await api('GET', '/api/v1/health').catch(() => ({ status: 0 }))).status === 200, 15_000);
    expect((await api('GET', '/api/v1/schedules/kept')).status).toBe(200);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 40_000);

  it('refuses a second server on the same database file, and takes over a stale lock', async () => {
    const database = `sqlite:${join(dir.path, 'shared.db')}`;
    const port = await freePort();
    const first = serve(['--database', database, '--port', String(port)]);
    await waitFor(async () => (await client(`http://127.0.0.1:${port}`)('GET', '/api/v1/health').catch(() => ({ status: 0 }))).status === 200, 15_000);
    const second = serve(['--database', database, '--port', String(await freePort())]);
    expect(await second.exited).toBe(2);
    expect(second.output()).toMatch(/shared\.db is in use by another ScheduleZero server \(pid \d+\)/);
    first.child.kill('SIGKILL');
    await first.exited;
    // The lock file of a process that is gone does not keep the next one out.
    const third = serve(['--database', database, '--port', String(port)]);
    await waitFor(async () => (await client(`http://127.0.0.1:${port}`)('GET', '/api/v1/health').catch(() => ({ status: 0 }))).status === 200, 15_000);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 40_000);

  it('stops at start-up with the file, line and key of a bad setting', async () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'port: 8080\nretention:\n  dayz: 3\n');
    const server = serve(['--config', file]);
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain(`${file}:3:3: retention.dayz: unknown key`);
    expect(server.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses a public address without tokens, with advice', async () => {
    const server = serve(['--host', '0.0.0.0', '--port', String(await freePort())]);
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('refusing to listen on 0.0.0.0 without API tokens');
  });
});
