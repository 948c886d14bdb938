import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../schedulezero/src/server/server.js';
import { api, createRun, listWorkers, startTestServer, waitFor, waitForRun, type Api } from './helpers.js';

/** The example a new user starts with `npm run handler` (compiled by the root build). */
const EXAMPLE = fileURLToPath(new URL('../../../examples/typescript-handler/dist/handler.js', import.meta.url));

let server: RunningServer | undefined;
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.close();
});

// `npm test` builds first, so the compiled example is always there; a missing build is a failure.
describe('the TypeScript example handler (examples/typescript-handler)', () => {
  it('is built', () => {
    expect(existsSync(EXAMPLE), `${EXAMPLE} is missing: run npm run build`).toBe(true);
  });

  it('runs hello, sleep and fail, and stops on SIGINT', async () => {
    server = await startTestServer();
    const call: Api = api(server.url);
    let output = '';
    child = spawn(process.execPath, [EXAMPLE], {
      env: { ...process.env, SCHEDULEZERO_SERVER: server.url, SCHEDULEZERO_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await waitFor(async () => (await listWorkers(call)).some((w) => w.status === 'online'));

    const hello = await createRun(call, { handler: 'demo', method: 'hello', params: { name: 'Ada' } });
    expect((await waitForRun(call, hello, 'succeeded')).result).toEqual({ greeting: 'Hello, Ada!', attempt: 1 });

    const fail = await createRun(call, { handler: 'demo', method: 'fail' });
    expect(await waitForRun(call, fail, 'failed')).toMatchObject({ attempt: 1, error: { message: 'failed on purpose (attempt 1)', type: 'Error' } });
    const final = await createRun(call, { handler: 'demo', method: 'fail', params: { retryable: false }, retry: { max_attempts: 3 } });
    expect(await waitForRun(call, final, 'failed')).toMatchObject({ attempt: 1, error: { type: 'NonRetryableError', retryable: false } });

    const sleep = await createRun(call, { handler: 'demo', method: 'sleep', params: { seconds: 0.5 } });
    await waitForRun(call, sleep, 'running');
    child.kill('SIGINT');
    expect(await exited, output).toBe(0);
    expect((await waitForRun(call, sleep, 'succeeded')).result).toEqual({ slept_seconds: 0.5 });
    expect((await listWorkers(call))[0]!.status).toBe('left');
  });
});
