import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineSplitter, runCommand, MAX_LINE_CHARS, type CommandHandler } from '../../src/handlers/command-handler.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, tempDir, waitFor } from '../helpers.js';
import { isAlive, recordingContext, settled, startWithRegistry } from './support.js';

const node = process.execPath;
const dir = tempDir('sz-cmd-');
let server: RunningServer;

/** Scripts the handler's methods run; each is a real program started by the server. */
const scripts: Record<string, string> = {
  'echo.mjs': `
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', () => {
      console.log('starting');
      console.error('a warning');
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SZ_') || k === 'GREETING'));
      console.log(JSON.stringify({ params: JSON.parse(input), env, cwd: process.cwd() }));
    });`,
  'fail.mjs': `
    console.log('working');
    console.error('first problem');
    console.error('disk full: /var/data');
    process.exit(3);`,
  // Ignores SIGTERM, and so does the child it starts: only SIGKILL to the group ends both.
  'trap.mjs': `
    import { spawn } from 'node:child_process';
    import { writeFileSync } from 'node:fs';
    process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
    writeFileSync(process.env.PID_DIR + '/' + process.env.SZ_RUN_ID, JSON.stringify([process.pid, child.pid]));
    setInterval(() => {}, 1000);`,
  'sleeper.mjs': `
    import { writeFileSync } from 'node:fs';
    writeFileSync(process.env.PID_DIR + '/' + process.env.SZ_RUN_ID, JSON.stringify([process.pid]));
    process.on('SIGTERM', () => { console.log('got SIGTERM, leaving'); process.exit(143); });
    setInterval(() => {}, 1000);`,
};

const pidDir = join(dir.path, 'pids');

function registry(): string {
  const script = (name: string) => [node, join(dir.path, name)];
  // YAML is a superset of JSON: no quoting trouble with paths and shell strings.
  const handlers = [
    {
      id: 'cmd',
      type: 'command',
      command: script('echo.mjs'),
      cwd: 'work',
      env: { GREETING: 'hello', PID_DIR: pidDir },
      kill_grace_seconds: 0.5,
      methods: {
        echo: null,
        fail: { command: script('fail.mjs'), retry: { max_attempts: 2, initial_delay_seconds: 0 } },
        trap: { command: script('trap.mjs'), timeout_seconds: 0.5 },
        sleep: { command: script('sleeper.mjs') },
        lastline: { command: `printf 'not json\\n{"a": [1, 2]}\\n\\n   \\n'` },
        notjson: { command: 'echo one; echo two' },
        signal: { command: 'echo about to die >&2; kill -9 $$' },
        missing: { command: ['/nonexistent/program', '--flag'], retry: { max_attempts: 3, initial_delay_seconds: 0 } },
        noexec: { command: [join(dir.path, 'noexec.sh')], retry: { max_attempts: 3, initial_delay_seconds: 0 } },
        shellmissing: { command: 'no-such-command-zzz --x', retry: { max_attempts: 3, initial_delay_seconds: 0 } },
        ignorestdin: { command: 'echo done' },
        background: { command: `sleep 30 & echo $! > "$PID_DIR/$SZ_RUN_ID.bg"; echo '{"bg":true}'` },
        hang: { command: script('sleeper.mjs'), timeout_seconds: 1 },
        flood: { command: [node, '-e', "const l = 'x'.repeat(99) + '\\n'; for (let i = 0; i < 100000; i++) process.stdout.write(l); process.stderr.write('e'.repeat(3 * 1024 * 1024)); console.log('{\"flooded\":true}')"] },
      },
    },
  ];
  return JSON.stringify({ handlers }, null, 2);
}

beforeAll(async () => {
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(dir.path, name), text);
  writeFileSync(join(dir.path, 'noexec.sh'), '#!/bin/sh\necho never\n');
  chmodSync(join(dir.path, 'noexec.sh'), 0o644);
  mkdirSync(join(dir.path, 'work'));
  mkdirSync(pidDir);
  server = await startWithRegistry(dir.path, registry());
});

afterAll(async () => {
  await server?.close();
  dir.cleanup();
});

async function run(method: string, params: Record<string, unknown> = {}) {
  const created = await server.engine.createRun({ handler: 'cmd', method, params });
  return settled(server.engine, created.id);
}

function pidsOf(runId: string): number[] {
  return JSON.parse(readFileSync(join(pidDir, runId), 'utf8')) as number[];
}

describe('command handler', () => {
  it('gives the params as JSON on stdin and the run in SZ_* variables, in the configured cwd and env; the last stdout line is the result', async () => {
    const { run: done } = await run('echo', { name: 'world', list: [1, 'two'] });
    expect(done.status).toBe('succeeded');
    const result = done.result as { params: unknown; env: Record<string, string>; cwd: string };
    expect(result.params).toEqual({ name: 'world', list: [1, 'two'] });
    expect(result.cwd).toBe(join(dir.path, 'work'));
    expect(result.env).toEqual({
      GREETING: 'hello',
      SZ_RUN_ID: done.id,
      SZ_ATTEMPT: '1',
      SZ_HANDLER: 'cmd',
      SZ_METHOD: 'echo',
      SZ_SCHEDULE_ID: '',
      SZ_SCHEDULED_AT: new Date(done.scheduled_at).toISOString(),
      SZ_DEADLINE: '',
    });
  });

  it("passes the schedule's id for scheduled runs", async () => {
    const api = client(server.url);
    const created = await api('POST', '/api/v1/schedules', { id: 'echo-sched', handler: 'cmd', method: 'echo', params: { from: 'schedule' }, trigger: { type: 'interval', seconds: 3600 } });
    expect(created.status).toBe(201);
    const now = await api('POST', '/api/v1/schedules/echo-sched/run');
    const { run: done } = await settled(server.engine, now.body.id);
    expect((done.result as { env: Record<string, string> }).env.SZ_SCHEDULE_ID).toBe('echo-sched');
    await api('DELETE', '/api/v1/schedules/echo-sched');
  });

  it("stores the program's stdout and stderr as the run's log, each line with its stream and attempt", async () => {
    const { run: done } = await run('fail');
    const log = await waitFor(async () => {
      const page = await server.engine.listRunLogs(done.id, { limit: 100 });
      return page.lines.length >= 6 ? page : null;
    });
    // Order is kept within a stream; the two pipes are read independently.
    const of = (stream: string) => log.lines.filter((l) => l.stream === stream).map((l) => `${l.attempt}: ${l.message}`);
    expect(of('stdout')).toEqual(['1: working', '2: working']);
    expect(of('stderr')).toEqual(['1: first problem', '1: disk full: /var/data', '2: first problem', '2: disk full: /var/data']);
  });

  it('takes the last non-empty stdout line as the result when it is JSON, else null', async () => {
    expect((await run('lastline')).run.result).toEqual({ a: [1, 2] });
    const plain = await run('notjson');
    expect(plain.run.status).toBe('succeeded');
    expect(plain.run.result).toBeNull();
  });

  it('fails a non-zero exit with the code and the last stderr line, retried by the policy', async () => {
    const { run: done, attempts } = await run('fail');
    expect(done.status).toBe('failed');
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed']);
    expect(done.error?.message).toBe('exited with code 3: disk full: /var/data');
    expect(done.error?.retryable).toBe(true);
  });

  it('fails a program killed by a signal, naming the signal', async () => {
    const { run: done } = await run('signal');
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe('killed by signal SIGKILL: about to die');
  });

  it('fails a program that cannot start (ENOENT, EACCES, unknown shell command) at once, without retry', async () => {
    const missing = await run('missing');
    expect(missing.run.status).toBe('failed');
    expect(missing.attempts).toHaveLength(1);
    expect(missing.run.error?.message).toBe('cannot start "/nonexistent/program": no such program (ENOENT; give a path or put it on PATH)');
    expect(missing.run.error?.retryable).toBe(false);

    const noexec = await run('noexec');
    expect(noexec.attempts).toHaveLength(1);
    expect(noexec.run.error?.message).toBe(`cannot start "${join(dir.path, 'noexec.sh')}": permission denied (EACCES; is it executable?)`);

    const shell = await run('shellmissing');
    expect(shell.attempts).toHaveLength(1);
    expect(shell.run.error?.message).toMatch(/^exited with code 127 \(the shell found no such command\): .*no-such-command-zzz.*not found/);
  });

  it('survives a program that never reads its stdin (EPIPE on a large params document)', async () => {
    const { run: done } = await run('ignorestdin', { blob: 'z'.repeat(2 * 1024 * 1024) });
    expect(done.status).toBe('succeeded');
    expect(done.result).toBeNull();
    expect((await client(server.url)('GET', '/api/v1/health')).status).toBe(200);
  });

  it('ends the run when the program exits, even if something it left in the background holds its output open', async () => {
    const started = Date.now();
    const { run: done } = await run('background');
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ bg: true });
    expect(Date.now() - started).toBeLessThan(6000);
    const pid = Number(readFileSync(join(pidDir, `${done.id}.bg`), 'utf8'));
    // Not the handler's to stop: it was not asked to. The test started it, the test ends it.
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('on timeout sends SIGTERM to the process group, then SIGKILL after kill_grace_seconds to what ignores it', async () => {
    const started = Date.now();
    const { run: done } = await run('trap');
    expect(done.status).toBe('timed_out');
    expect(done.error?.message).toBe('timed out after 0.5 s');
    // The run is recorded at its deadline; the program, deaf to SIGTERM, lives on for the grace.
    const [main, grandchild] = pidsOf(done.id);
    expect(isAlive(main!)).toBe(true);
    await waitFor(() => !isAlive(main!) && !isAlive(grandchild!), 3000, 10);
    // 0.5 s timeout + 0.5 s grace before SIGKILL reached both.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('a cancelled run stops its program (SIGTERM honoured at once)', async () => {
    const created = await server.engine.createRun({ handler: 'cmd', method: 'sleep', params: {} });
    const [pid] = await waitFor(() => {
      try {
        return pidsOf(created.id);
      } catch {
        return null;
      }
    });
    expect(isAlive(pid!)).toBe(true);
    const res = await client(server.url)('POST', `/api/v1/runs/${created.id}/cancel`);
    expect(res.status).toBe(200);
    const { run: done } = await settled(server.engine, created.id);
    expect(done.status).toBe('cancelled');
    await waitFor(() => !isAlive(pid!), 2000);
  });

  it('copes with an output flood: the run completes and the result is still found', async () => {
    const { run: done } = await run('flood');
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ flooded: true });
  });

  it('bad programs do not stop other runs: hang, crash, flood and a missing program beside a good run', async () => {
    const bad = await server.engine.createRuns(['hang', 'signal', 'flood', 'missing', 'fail'].map((method) => ({ handler: 'cmd', method, params: {} })));
    const good = await server.engine.createRun({ handler: 'cmd', method: 'echo', params: { ok: 1 } });
    const ok = await settled(server.engine, good.id);
    expect(ok.run.status).toBe('succeeded');
    const outcomes = await Promise.all(bad.map((r) => settled(server.engine, r.id)));
    expect(outcomes.map((o) => o.run.status)).toEqual(['timed_out', 'failed', 'succeeded', 'failed', 'failed']);
    expect((await client(server.url)('GET', '/api/v1/health')).status).toBe(200);
  });
});

describe('command output as the run log', () => {
  const handler = (command: string | string[], extra: Partial<CommandHandler> = {}): CommandHandler => ({
    id: 'direct',
    type: 'command',
    command,
    cwd: dir.path,
    methods: { m: {} },
    where: 'test',
    ...extra,
  });
  const deps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };

  it('passes stdout and stderr to ctx.log line by line, with their stream', async () => {
    const ctx = recordingContext();
    const result = await runCommand(handler(`printf 'one\\r\\ntwo\\n'; echo oops >&2; printf 'é €\\nlast'`), {}, ctx, deps);
    expect(result).toBeNull();
    expect(ctx.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['one', 'two', 'é €', 'last']);
    expect(ctx.lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['oops']);
  });

  it('logs the SIGTERM and the SIGKILL when a program ignores a stop', async () => {
    const ctx = recordingContext();
    const running = runCommand(handler([node, '-e', "process.on('SIGTERM', () => console.log('nope')); console.log('up'); setInterval(() => {}, 1000)"], { kill_grace_seconds: 0.3 }), {}, ctx, deps);
    await waitFor(() => ctx.lines.some((l) => l.line === 'up'));
    ctx.controller.abort(new Error('timed out after 1 s'));
    await expect(running).rejects.toThrow('timed out after 1 s');
    expect(ctx.lines.map((l) => `${l.stream}: ${l.line}`)).toEqual([
      'stdout: up',
      'log: timed out after 1 s: SIGTERM to the process group, SIGKILL in 0.3 s if it is still running',
      'stdout: nope',
      'log: still running after the grace period: SIGKILL',
    ]);
  });

  it('cuts lines without a newline at MAX_LINE_CHARS, so a flood cannot grow memory', async () => {
    let count = 0;
    let longest = 0;
    const ctx = recordingContext({
      log: (line) => {
        count++;
        longest = Math.max(longest, line.length);
      },
    });
    await runCommand(handler([node, '-e', `process.stdout.write('y'.repeat(${5 * MAX_LINE_CHARS + 10}))`]), {}, ctx, deps);
    expect(longest).toBe(MAX_LINE_CHARS);
    expect(count).toBe(6);
  });

  it('does not start a program when the run was stopped before, nor when the working directory is missing', async () => {
    const ctx = recordingContext();
    ctx.controller.abort(new Error('cancelled by request'));
    await expect(runCommand(handler('echo hi'), {}, ctx, deps)).rejects.toThrow('cancelled by request');
    await expect(runCommand(handler('echo hi', { cwd: join(dir.path, 'nope') }), {}, recordingContext(), deps)).rejects.toMatchObject({
      message: `cannot start "/bin/sh": working directory ${join(dir.path, 'nope')} does not exist`,
      retryable: false,
    });
  });

  it('a log sink that throws does not crash the server process', async () => {
    const ctx = recordingContext({
      log: () => {
        throw new Error('log store is full');
      },
    });
    await expect(runCommand(handler('echo a; echo b >&2; echo \'{"x":1}\''), {}, ctx, deps)).resolves.toEqual({ x: 1 });
  });
});

describe('LineSplitter', () => {
  it('joins lines across chunks, keeps UTF-8 characters split between chunks, and handles CRLF', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 8);
    const euro = Buffer.from('€');
    s.push(Buffer.from('ab'));
    s.push(Buffer.concat([Buffer.from('c\r\n'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('\n\n0123456789\nend')]));
    s.end();
    expect(lines).toEqual(['abc', '€', '', '01234567', '89', 'end']);
  });
});
