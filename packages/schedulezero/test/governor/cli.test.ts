import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, tempDir, waitFor } from '../helpers.js';
import { SLEEPER, alive, stateWhen, writeRegistry, writeScript } from './support.js';

// Spawns bin/schedulezero.js: needs a build (npm test builds first).
const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));
const dir = tempDir('sz-governor-cli-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dir.cleanup();
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir.path, env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const sleeper = writeScript(dir.path, 'sleeper.mjs', SLEEPER);

describe('schedulezero governor status', () => {
  it("prints the server's supervised processes as a table, or JSON", async () => {
    const registry = writeRegistry(
      dir.path,
      [{ id: 'sleeper-a', type: 'worker', methods: {}, run: { command: [process.execPath, sleeper], env: { OUT_DIR: dir.path } } }],
      'status.yaml',
    );
    const server = await startTestServer({ handler_registry: registry });
    try {
      const { pid } = await stateWhen(server.governor, 'sleeper-a', (s) => s.state === 'running');
      const status = await cli(['--server', server.url, 'governor', 'status']);
      expect(status.code, status.stderr).toBe(0);
      const [header, row, ...rest] = status.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^HANDLER\s+STATE\s+PID\s+RESTARTS\s+LAST EXIT\s+SINCE\s+NOTE$/);
      expect(row).toMatch(new RegExp(`^sleeper-a\\s+running\\s+${pid}\\s+0\\s+-\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
      expect(rest).toEqual([]);

      const json = JSON.parse((await cli(['--server', server.url, '--json', 'governor', 'status'])).stdout);
      expect(json.items).toHaveLength(1);
      expect(json.items[0]).toMatchObject({ handler: 'sleeper-a', state: 'running', pid });
    } finally {
      await server.close();
    }
  });

  it('says so when nothing is supervised, and when the server is not there', async () => {
    const server = await startTestServer();
    try {
      const empty = await cli(['--server', server.url, 'governor', 'status']);
      expect(empty.code).toBe(0);
      expect(empty.stdout).toContain('no supervised processes');
    } finally {
      await server.close();
    }
    const down = await cli(['--server', server.url, 'governor', 'status']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the server at ${server.url}`);
  });
});

describe('schedulezero governor (standalone)', () => {
  it('starts the registry workers for the given server, prints state changes, and stops them on SIGTERM', async () => {
    const registry = writeRegistry(
      dir.path,
      [
        { id: 'remote-sleeper', type: 'worker', methods: {}, run: { command: [process.execPath, sleeper], env: { OUT_DIR: dir.path, EXTRA: 'x' } } },
        // Its secret lives on the server's host only: the governor does not need it.
        { id: 'hook', type: 'http', url: 'http://127.0.0.1:9/hook', secret_env: 'SZ_TEST_UNSET_SECRET', methods: { m: null } },
      ],
      'standalone.yaml',
    );
    const child = spawn(process.execPath, [bin, 'governor', '--registry', registry, '--server', 'http://127.0.0.1:5999'], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const pid = Number((await waitFor(() => /remote-sleeper\s+running\s+pid (\d+)/.exec(output), 15_000))[1]);
    expect(output).toContain(`supervising 1 process from ${registry} for http://127.0.0.1:5999`);
    expect(alive(pid)).toBe(true);
    const envFile = join(dir.path, 'env-remote-sleeper.json');
    const env = await waitFor(() => existsSync(envFile) && JSON.parse(readFileSync(envFile, 'utf8')));
    expect(env).toMatchObject({ server: 'http://127.0.0.1:5999', handler: 'remote-sleeper', extra: 'x', pid });
    const helperFile = join(dir.path, 'helper-remote-sleeper.pid');
    const helper = Number(await waitFor(() => existsSync(helperFile) && readFileSync(helperFile, 'utf8')));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(pid)).toBe(false);
    await waitFor(() => !alive(helper), 3000);
    expect(output).toMatch(/remote-sleeper\s+stopping\s+pid \d+/);
    expect(output).toMatch(/remote-sleeper\s+stopped\s+exit code 0/);
    expect(output).toContain('all processes stopped');
    expect(readFileSync(join(dir.path, 'logs', 'remote-sleeper.log'), 'utf8')).toContain('sleeper got SIGTERM');
  });

  it('refuses to start without a registry or without anything to supervise', async () => {
    const none = await cli(['governor']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no handler registry: pass --registry FILE');

    const idle = writeRegistry(dir.path, [{ id: 'w', type: 'worker', methods: {} }], 'idle.yaml');
    const nothing = await cli(['governor'], { SCHEDULEZERO_HANDLER_REGISTRY: idle });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain(`${idle}: no worker handler has a \`run\` section: nothing to supervise`);

    const broken = writeRegistry(dir.path, [{ id: 'w', type: 'worker', methods: {}, run: { command: ['x'], max_restarts: -1 } }], 'broken.yaml');
    const bad = await cli(['governor', '--registry', broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`configuration error: ${broken}:\\d+:\\d+`));
  });
});
