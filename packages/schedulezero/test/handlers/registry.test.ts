import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHandlerRegistry } from '../../src/handlers/registry.js';
import { startTestServer, tempDir } from '../helpers.js';
import { writeRegistry } from './support.js';

const dir = tempDir('sz-registry-');
afterAll(() => dir.cleanup());

let n = 0;
/** Load registry text from a real file; returns the ConfigError message (or throws if it loaded). */
function problem(yaml: string, env: NodeJS.ProcessEnv = {}): { file: string; message: string } {
  const file = writeRegistry(dir.path, yaml, `registry-${++n}.yaml`);
  try {
    loadHandlerRegistry(file, env);
  } catch (err) {
    expect((err as Error).name).toBe('ConfigError');
    return { file, message: (err as Error).message };
  }
  throw new Error('the registry loaded without an error');
}

describe('loadHandlerRegistry errors name file:line:col and the key', () => {
  it.each([
    [
      'a value of the wrong form',
      'handlers:\n  - id: a\n    type: http\n    url: ftp://example\n    methods: { m: null }\n',
      ':4:10: handlers[0].url: must match pattern "^https?://"',
    ],
    [
      'a duplicate id',
      'handlers:\n  - id: a\n    type: command\n    command: [x]\n    methods: { m: null }\n  - id: a\n    type: command\n    command: [x]\n    methods: { m: null }\n',
      ':6:9: handlers[1].id: duplicate handler id "a" (also handlers[0])',
    ],
    [
      'an unset secret variable',
      'handlers:\n  - id: a\n    type: http\n    url: http://127.0.0.1/\n    secret_env: SZ_NOT_SET_ANYWHERE\n    methods: { m: null }\n',
      ':5:17: handlers[0].secret_env: environment variable SZ_NOT_SET_ANYWHERE is not set',
    ],
    [
      'a params_schema that is not JSON Schema',
      'handlers:\n  - id: a\n    type: command\n    command: [x]\n    methods:\n      m:\n        params_schema: { type: objekt }\n',
      ':7:24: handlers[0].methods.m.params_schema: not a valid JSON Schema',
    ],
    [
      'a zero timeout',
      'handlers:\n  - id: a\n    type: http\n    url: http://127.0.0.1/\n    methods:\n      m:\n        timeout_seconds: 0\n',
      ':7:26: handlers[0].methods.m.timeout_seconds: must be > 0 (got 0)',
    ],
    ['broken YAML', 'handlers:\n  - id: a\n    type: [command\n', ':4:1: invalid YAML'],
    // The two below need the handler union's errors narrowed to the entry's own type.
    [
      'a misspelt key',
      'handlers:\n  - id: a\n    type: command\n    command: [x]\n    comand: y\n    methods: { m: null }\n',
      ':5:5: handlers[0].comand: is not a known key',
    ],
    [
      'a negative kill grace',
      'handlers:\n  - id: a\n    type: command\n    command: [x]\n    kill_grace_seconds: -1\n    methods: { m: null }\n',
      ':5:25: handlers[0].kill_grace_seconds: must be >= 0 (got -1)',
    ],
  ])('%s', (_what, yaml, expected) => {
    const { file, message } = problem(yaml);
    expect(message.startsWith(`${file}:`)).toBe(true);
    expect(message).toContain(`${file}${expected}`);
  });

  it('reads the secret from the named variable, resolves cwd against the file, and keeps where each entry is', () => {
    const file = writeRegistry(
      dir.path,
      'handlers:\n  - id: hook\n    type: http\n    url: http://127.0.0.1:9/x\n    secret_env: HOOK_SECRET\n    methods: { m: null }\n  - id: cmd\n    type: command\n    command: ./run.sh\n    cwd: jobs\n    methods: { m: null }\n',
      'ok.yaml',
    );
    const registry = loadHandlerRegistry(file, { HOOK_SECRET: 's3cret' });
    const [hook, cmd] = registry.handlers;
    expect(hook).toMatchObject({ type: 'http', secret: 's3cret', where: `${file}:2:9` });
    expect(cmd).toMatchObject({ type: 'command', cwd: `${dir.path}/jobs`, where: `${file}:7:9` });
  });
});

describe('the example registry', () => {
  it('examples/handler_registry.example.yaml loads, with every handler type', () => {
    const file = fileURLToPath(new URL('../../../../examples/handler_registry.example.yaml', import.meta.url));
    const registry = loadHandlerRegistry(file, { BILLING_WEBHOOK_SECRET: 'x' });
    expect(registry.handlers.map((h) => `${h.id}:${h.type}`)).toEqual(['billing:http', 'reports:command', 'pydemo:worker']);
    expect(Object.keys(registry.handlers[0]!.methods)).toEqual(['send_invoices', 'ping']);
  });
});

describe('a server with a bad registry', () => {
  it('does not start, and says where the mistake is', async () => {
    const file = writeRegistry(dir.path, 'handlers:\n  - id: a\n    type: http\n    url: nope\n    methods: { m: null }\n', 'server-bad.yaml');
    await expect(startTestServer({ handler_registry: file })).rejects.toThrow(`${file}:4:10: handlers[0].url`);
  });

  it('refuses a registry handler whose id an embedding program registered in-process already', async () => {
    const file = writeRegistry(dir.path, 'handlers:\n  - id: twice\n    type: command\n    command: [x]\n    methods: { m: null }\n', 'server-twice.yaml');
    await expect(
      startTestServer({ handler_registry: file }, { beforeStart: (engine) => engine.registerLocalHandler('twice', { m: () => 1 }) }),
    ).rejects.toThrow(`${file}:2:9: handler "twice": in-process handler "twice" is already registered`);
  });
});
