import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocSite } from '../../packages/schedulezero/src/docs/index.js';
import type { RunningServer } from '../../packages/schedulezero/src/server/server.js';
import { startTestServer } from '../../packages/schedulezero/test/helpers.js';

/**
 * The Python SDK's own unittest suite (handlers-python/tests), run with the machine's python3
 * against a real server: short heartbeats and leases so that "alive past the lease" takes
 * seconds, a fast reaper for deadlines, and an API token so that every request of the SDK
 * carries one.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TESTS = fileURLToPath(new URL('../tests/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const MODULES = readdirSync(TESTS)
  .filter((f) => /^test_.*\.py$/.test(f))
  .sort();
const TOKEN = `py-sdk-${randomBytes(12).toString('hex')}`;
/** A skipped Python test fails the wrapper unless its reason is one of these. */
/** Skips the suite may report: none (Python 3.9 runs are a separate test, skipped when 3.9 is absent). */
const ALLOWED_SKIPS: RegExp[] = [];

let server: RunningServer;

/**
 * The oldest Python the SDK supports, when this machine has it: `python3.9` on the PATH, or a
 * pyenv 3.9 (its shim runs only with PYENV_VERSION set). null when there is none.
 */
function findPython39(): Record<string, string> | null {
  const works = (env: Record<string, string>) =>
    spawnSync('python3.9', ['-c', 'import sys; assert sys.version_info[:2] == (3, 9)'], { env: { ...process.env, ...env }, stdio: 'ignore' }).status === 0;
  if (works({})) return {};
  const pyenv = spawnSync('pyenv', ['versions', '--bare'], { encoding: 'utf8' });
  const version = pyenv.status === 0 ? pyenv.stdout.split('\n').find((v) => /^3\.9\.\d+$/.test(v.trim()))?.trim() : undefined;
  return version && works({ PYENV_VERSION: version }) ? { PYENV_VERSION: version } : null;
}
const PYTHON39 = findPython39();

beforeAll(async () => {
  server = await startTestServer(
    {
      heartbeat_seconds: 0.5,
      lease_seconds: 2.5,
      shutdown_grace_seconds: 1,
      api_token_hashes: [createHash('sha256').update(TOKEN).digest('hex')],
    },
    { reapIntervalMs: 100 },
  );
});

afterAll(async () => {
  await server?.close();
});

function runPython(args: string[], timeoutMs: number, python = 'python3', extraEnv: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: REPO,
      env: {
        ...process.env,
        ...extraEnv,
        SCHEDULEZERO_SERVER: server.url,
        SCHEDULEZERO_TOKEN: TOKEN,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the Python SDK (python3 -m unittest)', () => {
  it('finds its test modules', () => {
    expect(MODULES).toEqual(expect.arrayContaining(['test_jobs.py', 'test_lifecycle.py', 'test_logs.py', 'test_registration.py', 'test_package.py']));
  });

  for (const module of MODULES) {
    it(`passes ${module}`, async () => {
      expectPassed(await runPython(['-m', 'unittest', 'discover', '-s', 'handlers-python/tests', '-p', module, '-v'], 170_000));
    }, 180_000);
  }

  // The behaviour tests once more on the oldest Python the SDK supports, where the machine has it.
  it.runIf(PYTHON39 !== null)('passes the job, lifecycle, logs and registration tests on Python 3.9', async () => {
    const args = ['-m', 'unittest', 'discover', '-s', 'handlers-python/tests', '-p', 'test_[jlr]*.py', '-v'];
    expectPassed(await runPython(args, 170_000, 'python3.9', PYTHON39 ?? {}), ['test_jobs', 'test_lifecycle', 'test_logs', 'test_registration']);
  }, 180_000);
});

function expectPassed({ code, output }: { code: number | null; output: string }, modules: string[] = []): void {
  expect(code, output).toBe(0);
  expect(output, output).toMatch(/^OK\b/m);
  expect(output, output).toMatch(/^Ran [1-9]\d* tests? in /m);
  for (const module of modules) expect(output, `${module} did not run`).toContain(`(${module}.`);
  const skipped = output.split('\n').filter((line) => / \.\.\. skipped /.test(line));
  for (const line of skipped) {
    expect(ALLOWED_SKIPS.some((allowed) => allowed.test(line)), `unexpected skip: ${line}\n\n${output}`).toBe(true);
  }
}

describe('the Python SDK docs', () => {
  it('are an MkDocs site of their own that loads and renders without warnings', async () => {
    const site = await DocSite.load(DOCS, { baseUrl: '/docs/handlers-python/' });
    expect(site.name).toBe('ScheduleZero Python handlers');
    expect(site.pages.map((p) => p.file).sort()).toEqual([
      'api.md',
      'deployment/docker.md',
      'deployment/kubernetes.md',
      'deployment/systemd.md',
      'examples/custom-handlers.md',
      'examples/retries.md',
      'index.md',
    ]);
    expect(await site.check()).toEqual([]);
  });
});
