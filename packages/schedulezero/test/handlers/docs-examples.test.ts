import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { freePort, tempDir, waitFor } from '../helpers.js';
import { settled, startWithRegistry } from './support.js';

/**
 * The receivers and the command in docs/handlers.md, run as they are written: the Node and the
 * Python webhook verify real signed requests from a real server, and refuse a wrong secret.
 */
const docs = readFileSync(fileURLToPath(new URL('../../../../docs/handlers.md', import.meta.url)), 'utf8');

function codeBlock(language: string, containing: string): string {
  const blocks = [...docs.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === language && m[2]!.includes(containing));
  if (blocks.length !== 1) throw new Error(`docs/handlers.md: expected one ${language} block with "${containing}", found ${blocks.length}`);
  return blocks[0]![2]!;
}

const SECRET = 'docs-example-secret';
process.env.DOCS_GOOD_SECRET = SECRET;
process.env.DOCS_WRONG_SECRET = 'not-the-receivers-secret';

const dir = tempDir('sz-docs-');
const children: ChildProcess[] = [];
let server: RunningServer;

async function startReceiver(program: string[], port: number): Promise<void> {
  const child = spawn(program[0]!, program.slice(1), {
    env: { ...process.env, PORT: String(port), BILLING_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  // Kept for the failure message (Python's http.server logs every request there).
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (code !== null && code !== 0) throw new Error(`${program.join(' ')} exited with ${code}: ${stderr}`);
  });
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
    50,
  );
}

beforeAll(async () => {
  const nodeFile = join(dir.path, 'receiver.mjs');
  const pyFile = join(dir.path, 'receiver.py');
  const commandFile = join(dir.path, 'report.py');
  writeFileSync(nodeFile, codeBlock('js', 'function verifySignature'));
  writeFileSync(pyFile, codeBlock('python', 'def verify_signature'));
  writeFileSync(commandFile, codeBlock('python', 'json.load(sys.stdin)'));
  chmodSync(commandFile, 0o755);
  const [nodePort, pyPort] = [await freePort(), await freePort()];
  await startReceiver([process.execPath, nodeFile], nodePort);
  await startReceiver(['python3', pyFile], pyPort);
  const hook = (id: string, port: number, secretEnv: string) => `
  - id: ${id}
    type: http
    url: http://127.0.0.1:${port}/schedulezero/jobs
    secret_env: ${secretEnv}
    methods:
      send_invoices: { retry: { max_attempts: 3, initial_delay_seconds: 0 } }`;
  server = await startWithRegistry(
    dir.path,
    `handlers:${hook('node-hook', nodePort, 'DOCS_GOOD_SECRET')}${hook('py-hook', pyPort, 'DOCS_GOOD_SECRET')}${hook('node-wrong', nodePort, 'DOCS_WRONG_SECRET')}${hook('py-wrong', pyPort, 'DOCS_WRONG_SECRET')}
  - id: reports
    type: command
    command: [${JSON.stringify(commandFile)}]
    methods: { daily: null }
`,
  );
});

afterAll(async () => {
  await server?.close();
  for (const child of children) child.kill('SIGTERM');
  dir.cleanup();
});

describe('the examples in docs/handlers.md', () => {
  it.each(['node-hook', 'py-hook'])('the %s receiver accepts signed jobs and answers the result', async (handler) => {
    const run = await server.engine.createRun({ handler, method: 'send_invoices', params: { region: 'eu' } });
    const { run: done } = await settled(server.engine, run.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ handled: 'send_invoices', run_id: run.id, params: { region: 'eu' } });
  });

  it.each(['node-wrong', 'py-wrong'])('the %s receiver refuses a wrong signature with 401, and the run is not retried', async (handler) => {
    const run = await server.engine.createRun({ handler, method: 'send_invoices', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.message).toMatch(/answered 401 Unauthorized \(not retried: the receiver refused the request\): body "\{\\"error\\": ?\\"bad signature\\"\}"/);
  });

  it('the Python command reads its params from stdin, logs, and prints its result last', async () => {
    const run = await server.engine.createRun({ handler: 'reports', method: 'daily', params: { date: '2026-11-27' } });
    const { run: done } = await settled(server.engine, run.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ rows: 1234 });
  });
});
