import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restartDelayMs } from '../../src/governor/backoff.js';
import { governedSpecs, startGovernor, type Governor } from '../../src/governor/index.js';
import { loadHandlerRegistry } from '../../src/handlers/registry.js';
import { tempDir, waitFor } from '../helpers.js';
import { SLEEPER, alive, changeRecorder, recordingLogger, stateWhen, writeRegistry, writeScript } from './support.js';

const dir = tempDir('sz-governor-');
const SERVER = 'http://127.0.0.1:65000';
let running: Governor[] = [];

afterEach(async () => {
  // A failing assertion must not leave processes behind.
  await Promise.all(running.map((g) => g.stop()));
  running = [];
});
afterAll(() => dir.cleanup());

async function govern(handlers: object[], name: string) {
  const logger = recordingLogger();
  const { changes, onChange } = changeRecorder();
  const registry = loadHandlerRegistry(writeRegistry(dir.path, handlers, `${name}.yaml`));
  const governor = await startGovernor(registry, { logger, serverUrl: SERVER, onChange });
  running.push(governor);
  return { governor, logger, changes };
}

const node = (script: string) => [process.execPath, script];

describe('restart back-off', () => {
  it('doubles from the initial delay up to the cap, with at most 10 % taken off as jitter', () => {
    const policy = { initialMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(n, policy, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(restartDelayMs(1, policy, () => 0.999)).toBe(900);
    expect(restartDelayMs(7, policy, () => 0.999)).toBe(54_006);
    expect(restartDelayMs(10_000, policy, () => 0)).toBe(60_000);
    // Whatever the jitter, each wait is longer than the one before until the cap.
    for (let n = 1; n < 6; n++) expect(restartDelayMs(n + 1, policy, () => 0.999)).toBeGreaterThan(restartDelayMs(n, policy, () => 0));
  });

  it('reads the registry with its defaults; fractions of seconds are kept', () => {
    const registry = loadHandlerRegistry(
      writeRegistry(dir.path, [
        { id: 'plain', type: 'worker', methods: {}, run: { command: 'node worker.js' } },
        { id: 'tuned', type: 'worker', methods: {}, run: { command: ['node', 'w.js'], max_restarts: 2, backoff_initial_seconds: 0.05, backoff_max_seconds: 0.2, stable_seconds: 0.5, stop_grace_seconds: 0.25, env: { A: 'b' }, cwd: 'sub', log_file: 'x/y.log' } },
        { id: 'unsupervised', type: 'worker', methods: {} },
        { id: 'hook', type: 'http', url: 'http://127.0.0.1:1/', methods: { m: null } },
      ], 'defaults.yaml'),
    );
    const [plain, tuned, ...rest] = governedSpecs(registry);
    expect(rest).toEqual([]);
    expect(plain).toMatchObject({
      handler: 'plain',
      command: ['/bin/sh', '-c', 'node worker.js'],
      cwd: dir.path,
      logFile: join(dir.path, 'logs', 'plain.log'),
      maxRestarts: 10,
      backoff: { initialMs: 1000, maxMs: 60_000 },
      stableMs: 30_000,
      stopGraceMs: 10_000,
    });
    expect(tuned).toMatchObject({
      command: ['node', 'w.js'],
      cwd: join(dir.path, 'sub'),
      env: { A: 'b' },
      logFile: join(dir.path, 'x', 'y.log'),
      maxRestarts: 2,
      backoff: { initialMs: 50, maxMs: 200 },
      stableMs: 500,
      stopGraceMs: 250,
    });
  });
});

describe('the governor', () => {
  it('restarts a crashing worker with growing delays and gives up after max_restarts, logging why', async () => {
    const starts = join(dir.path, 'crash-starts.txt');
    const script = writeScript(dir.path, 'crash.mjs', `
      import { appendFileSync } from 'node:fs';
      appendFileSync(${JSON.stringify(starts)}, Date.now() + '\\n');
      console.log('crashing now');
      process.exit(3);
    `);
    const { governor, logger, changes } = await govern(
      [{ id: 'crasher', type: 'worker', methods: { m: null }, run: { command: node(script), max_restarts: 3, backoff_initial_seconds: 0.3, backoff_max_seconds: 10, log_file: 'logs/crasher.log' } }],
      'crash',
    );
    const failed = await stateWhen(() => governor, 'crasher', (s) => s.state === 'failed', 15_000);
    expect(failed).toMatchObject({ state: 'failed', pid: null, restarts: 3, consecutive_crashes: 4, max_restarts: 3, next_restart_at: null, last_exit: { code: 3, signal: null } });

    // The planned waits: 0.3, 0.6, 1.2 s, each less at most 10 % jitter, and each longer than the last.
    const waits = changes.filter((c) => c.state === 'backoff').map((c) => c.next_restart_at! - c.last_exit!.at);
    expect(waits).toHaveLength(3);
    waits.forEach((w, i) => {
      const base = 300 * 2 ** i;
      expect(w).toBeGreaterThanOrEqual(base * 0.9 - 1);
      expect(w).toBeLessThanOrEqual(base);
    });
    expect(waits[1]!).toBeGreaterThan(waits[0]!);
    expect(waits[2]!).toBeGreaterThan(waits[1]!);
    // And the real gaps between the starts grow too: 4 starts, then no more.
    const times = readFileSync(starts, 'utf8').trim().split('\n').map(Number);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(waits[i]!));
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
    await new Promise((r) => setTimeout(r, 500));
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(4);

    const gaveUp = logger.lines.filter((l) => l.level === 'error');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.msg).toContain('gave up: it ended 4 times in a row (exit code 3)');
    expect(gaveUp[0]!.obj).toMatchObject({ handler: 'crasher', max_restarts: 3, log_file: join(dir.path, 'logs', 'crasher.log') });
    expect(logger.lines.filter((l) => l.level === 'warn' && l.msg.includes('exited; restarting'))).toHaveLength(3);

    // The log file has the process's output between the governor's timestamped markers.
    const log = readFileSync(join(dir.path, 'logs', 'crasher.log'), 'utf8');
    expect(log.match(/crashing now/g)).toHaveLength(4);
    expect(log.match(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] schedulezero governor: starting \(first start\): .+crash\.mjs\ncrashing now$/gm)).toHaveLength(1);
    expect(log.match(/starting \(restart [123]\): .+crash\.mjs\ncrashing now\n/g)).toHaveLength(3);
    expect(log.match(/^\[[^\]]+\] schedulezero governor: pid \d+ exited \(exit code 3\) after [\d.]+ s$/gm)).toHaveLength(4);

    // A given-up process stays failed through stop().
    await governor.stop();
    expect(governor.state('crasher')!.state).toBe('failed');
  });

  it('keeps a stable worker running with its environment, logs its output, and stops its whole group on stop()', async () => {
    const script = writeScript(dir.path, 'sleeper.mjs', SLEEPER);
    const { governor, changes } = await govern(
      [{ id: 'sleepy', type: 'worker', methods: {}, run: { command: node(script), env: { EXTRA: 'configured', OUT_DIR: dir.path }, stop_grace_seconds: 5 } }],
      'stable',
    );
    const state = await stateWhen(() => governor, 'sleepy', (s) => s.state === 'running');
    const pid = state.pid!;
    expect(alive(pid)).toBe(true);
    expect(state).toMatchObject({ restarts: 0, consecutive_crashes: 0, last_exit: null, command: [process.execPath, script], log_file: join(dir.path, 'logs', 'sleepy.log') });
    expect(changes.map((c) => c.state)).toEqual(['starting', 'running']);

    const envFile = join(dir.path, 'env-sleepy.json');
    const env = await waitFor(() => existsSync(envFile) && JSON.parse(readFileSync(envFile, 'utf8')));
    expect(env).toEqual({ server: SERVER, handler: 'sleepy', extra: 'configured', pid });
    const helperFile = join(dir.path, 'helper-sleepy.pid');
    const helper = Number(await waitFor(() => existsSync(helperFile) && readFileSync(helperFile, 'utf8')));
    expect(alive(helper)).toBe(true);
    await waitFor(() => readFileSync(join(dir.path, 'logs', 'sleepy.log'), 'utf8').includes('a line on stderr'));

    await governor.stop();
    expect(alive(pid)).toBe(false);
    // The helper ignored SIGTERM; it went with its group when the worker exited.
    await waitFor(() => !alive(helper), 3000);
    expect(governor.state('sleepy')).toMatchObject({ state: 'stopped', pid: null, last_exit: { code: 0, signal: null } });
    expect(changes.map((c) => c.state)).toEqual(['starting', 'running', 'stopping', 'stopped']);
    const log = readFileSync(join(dir.path, 'logs', 'sleepy.log'), 'utf8');
    expect(log).toMatch(/schedulezero governor: starting \(first start\): \S+ \S+sleeper\.mjs\nsleeper up, pid \d+\n/);
    expect(log).toContain('sleeper got SIGTERM\n');
    expect(log).toMatch(/pid \d+ exited \(exit code 0\) after [\d.]+ s\n$/);
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    const script = writeScript(dir.path, 'stubborn.mjs', `
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      console.log('stubborn up');
      setInterval(() => {}, 1000);
    `);
    const { governor } = await govern([{ id: 'stubborn', type: 'worker', methods: {}, run: { command: node(script), stop_grace_seconds: 0.6 } }], 'stubborn');
    const { pid } = await stateWhen(() => governor, 'stubborn', (s) => s.state === 'running');
    await waitFor(() => readFileSync(join(dir.path, 'logs', 'stubborn.log'), 'utf8').includes('stubborn up'));
    const t0 = Date.now();
    await governor.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(5000);
    expect(alive(pid!)).toBe(false);
    expect(governor.state('stubborn')).toMatchObject({ state: 'stopped', last_exit: { code: null, signal: 'SIGKILL' } });
    expect(readFileSync(join(dir.path, 'logs', 'stubborn.log'), 'utf8')).toContain('ignoring SIGTERM');
  });

  it('counts a program that cannot start as a crash, says why, and gives up', async () => {
    const { governor, logger } = await govern(
      [
        { id: 'missing', type: 'worker', methods: {}, run: { command: ['/nonexistent/worker-program', '--flag'], max_restarts: 1, backoff_initial_seconds: 0.05 } },
        { id: 'nowhere', type: 'worker', methods: {}, run: { command: [process.execPath, '-e', ''], cwd: 'no/such/folder', max_restarts: 0 } },
      ],
      'enoent',
    );
    const missing = await stateWhen(() => governor, 'missing', (s) => s.state === 'failed');
    expect(missing).toMatchObject({ restarts: 1, pid: null, last_exit: { code: null, signal: null }, last_error: 'program not found: /nonexistent/worker-program (spawn ENOENT)' });
    const nowhere = await stateWhen(() => governor, 'nowhere', (s) => s.state === 'failed');
    expect(nowhere).toMatchObject({ restarts: 0, last_error: `working folder does not exist: ${join(dir.path, 'no/such/folder')}` });
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors).toContain('supervised process could not start: program not found: /nonexistent/worker-program (spawn ENOENT); restarting');
    expect(errors.filter((m) => m.includes('gave up'))).toHaveLength(2);
    expect(readFileSync(join(dir.path, 'logs', 'missing.log'), 'utf8')).toMatch(/schedulezero governor: could not start: program not found/);
  });

  it('resets the crash count once a process stayed up for stable_seconds, so it is never given up', async () => {
    const script = writeScript(dir.path, 'flaky.mjs', `setTimeout(() => process.exit(1), 300);`);
    const { governor } = await govern(
      [{ id: 'flaky', type: 'worker', methods: {}, run: { command: node(script), max_restarts: 1, backoff_initial_seconds: 0.05, stable_seconds: 0.15 } }],
      'flaky',
    );
    const state = await stateWhen(() => governor, 'flaky', (s) => s.restarts >= 3, 15_000);
    expect(state.state).not.toBe('failed');
    expect(state.consecutive_crashes).toBeLessThanOrEqual(1);
  });

  it('stops a process waiting to restart at once, and stops only once when asked twice', async () => {
    const script = writeScript(dir.path, 'quick.mjs', `process.exit(2);`);
    const { governor } = await govern([{ id: 'quick', type: 'worker', methods: {}, run: { command: node(script), backoff_initial_seconds: 30 } }], 'backoff');
    const waiting = await stateWhen(() => governor, 'quick', (s) => s.state === 'backoff');
    expect(waiting.next_restart_at! - waiting.last_exit!.at).toBeGreaterThan(25_000);
    const t0 = Date.now();
    await Promise.all([governor.stop(), governor.stop()]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(governor.state('quick')).toMatchObject({ state: 'stopped', next_restart_at: null, restarts: 0 });
  });

  it('supervises nothing when no worker handler has a run section', async () => {
    const { governor } = await govern([{ id: 'w', type: 'worker', methods: {} }], 'none');
    expect(governor.states()).toEqual([]);
    expect(governor.state('w')).toBeNull();
    await governor.stop();
  });
});
