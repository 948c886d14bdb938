import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/auth.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, waitFor } from '../helpers.js';

const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));
const TOKEN = 'sz_test_logs_token';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let server: RunningServer;
const gates = new Map<string, () => void>();

function cli(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '--server', server.url, '--token', TOKEN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI as a running process: its output so far, and its exit. */
function cliProcess(args: string[]) {
  const child = spawn(process.execPath, [bin, '--server', server.url, ...args], {
    env: { ...process.env, SCHEDULEZERO_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void exit.then(() => clearTimeout(timer));
  return { out, exit, child };
}

beforeAll(async () => {
  server = await startTestServer(
    { api_token_hashes: [hashToken(TOKEN)] },
    {
      beforeStart: (engine) =>
        engine.registerLocalHandler('clilog', {
          talk: (_params, ctx) => {
            ctx.log('hello from the job');
            ctx.log('\u001b[31mred\u001b[0m and a bell\u0007', 'stderr');
            ctx.log('out line', 'stdout');
            return 'ok';
          },
          held: (params, ctx) =>
            new Promise((resolve, reject) => {
              ctx.log('waiting for the test');
              gates.set(String(params.gate), () => {
                ctx.log('let go');
                if (params.fail) reject(new Error('failed on purpose'));
                else resolve('done');
              });
            }),
        }),
    },
  );
});

afterAll(async () => {
  for (const open of gates.values()) open();
  await server.close();
});

describe('schedulezero runs logs', () => {
  it('prints a run\'s log: time, stream, message; control characters escaped; --json gives the page', async () => {
    const run = await server.engine.createRun({ handler: 'clilog', method: 'talk' });
    await waitFor(async () => (await server.engine.getRun(run.id)).run.status === 'succeeded');

    const text = await cli(['runs', 'logs', run.id]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z {2}log {5}hello from the job$/);
    expect(lines[1]).toMatch(/ {2}stderr {2}\\x1b\[31mred\\x1b\[0m and a bell\\x07$/);
    expect(lines[2]).toMatch(/ {2}stdout {2}out line$/);
    expect(text.stdout).not.toContain('\u001b');

    const json = await cli(['--json', 'runs', 'logs', run.id]);
    const page = JSON.parse(json.stdout);
    expect(page).toMatchObject({ truncated: false, last_seq: 3, next_seq: 3, run_status: 'succeeded' });
    expect(page.lines[1]).toMatchObject({ seq: 2, stream: 'stderr', message: '\u001b[31mred\u001b[0m and a bell\u0007', attempt: 1 });
  });

  it('--follow prints lines as they come and exits 0 when the run succeeds', async () => {
    const run = await server.engine.createRun({ handler: 'clilog', method: 'held', params: { gate: 'ok' } });
    const follow = cliProcess(['runs', 'logs', run.id, '--follow']);
    await waitFor(() => follow.out.stdout.includes('waiting for the test'));
    expect(follow.out.stdout).not.toContain('let go');
    gates.get('ok')!();
    expect(await follow.exit).toBe(0);
    expect(follow.out.stdout).toMatch(/waiting for the test\n.*let go\n$/);
    expect(follow.out.stderr).toBe('');
  });

  it('--follow exits 1 when the run fails, and prints JSON lines with --json', async () => {
    const run = await server.engine.createRun({ handler: 'clilog', method: 'held', params: { gate: 'bad', fail: true } });
    const follow = cliProcess(['--json', 'runs', 'logs', run.id, '-f']);
    await waitFor(() => follow.out.stdout.includes('waiting for the test'));
    gates.get('bad')!();
    expect(await follow.exit).toBe(1);
    const printed = follow.out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(printed.map((l: { seq: number; message: string }) => [l.seq, l.message])).toEqual([
      [1, 'waiting for the test'],
      [2, 'let go'],
    ]);
    expect(follow.out.stderr).toContain(`run ${run.id} ended failed`);
  });

  it('--follow on a finished run prints its log and exits at once', async () => {
    const run = await server.engine.createRun({ handler: 'clilog', method: 'talk' });
    await waitFor(async () => (await server.engine.getRun(run.id)).run.status === 'succeeded');
    const result = await cli(['runs', 'logs', run.id, '--follow']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('says so for an unknown run, or a missing token', async () => {
    for (const args of [['runs', 'logs', 'nope'], ['runs', 'logs', 'nope', '--follow']]) {
      const result = await cli(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('run_not_found');
    }
    const noToken = await new Promise<Result>((resolve) => {
      execFile(process.execPath, [bin, '--server', server.url, 'runs', 'logs', 'nope', '--follow'], { env: { ...process.env, SCHEDULEZERO_TOKEN: '' } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('error 401');
  });
});
