import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../schedulezero/src/server/server.js';
import { api, startTestServer, waitForRun, workerFactory, type Api } from './helpers.js';

let server: RunningServer;
let call: Api;
const workers = workerFactory();

beforeAll(async () => {
  server = await startTestServer();
  call = api(server.url);
});
afterEach(() => workers.stopAll());
afterAll(() => server.close());

describe('Worker: method schemas', () => {
  it('sends its methods\' params schemas; the server then refuses params that break them', async () => {
    const worker = workers.create({
      server: server.url,
      handler: 'typed',
      methods: { greet: (params) => `hello ${String(params.name)}` },
      methodInfo: {
        greet: { description: 'Say hello', params_schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
      },
    });
    await worker.start();
    const bad = await call<{ error: { field: string } }>('POST', '/runs', { handler: 'typed', method: 'greet', params: { name: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('params.name');
    const good = await call<{ id: string }>('POST', '/runs', { handler: 'typed', method: 'greet', params: { name: 'Ada' } });
    expect(good.status).toBe(202);
    expect((await waitForRun(call, good.body.id, 'succeeded')).result).toBe('hello Ada');
    const detail = await call<{ methods: { name: string; description: string; source: string }[] }>('GET', '/handlers/typed');
    expect(detail.body.methods[0]).toMatchObject({ name: 'greet', description: 'Say hello', source: 'worker' });
  });

  it('refuses methodInfo for a method it does not have', () => {
    expect(() => workers.create({ server: server.url, handler: 'typed2', methods: { a: () => 1 }, methodInfo: { b: {} } })).toThrow(/methodInfo names "b"/);
  });
});
