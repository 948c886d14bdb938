import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, tempDir } from '../helpers.js';
import { settled, startWithRegistry } from './support.js';

/**
 * A registry method's params_schema guards every way work is created through the REST API: the
 * request is refused with 400 naming the field, and nothing runs.
 */
const dir = tempDir('sz-params-');
let server: RunningServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startWithRegistry(
    dir.path,
    `handlers:
  - id: mailer
    type: command
    command: ["${process.execPath}", "-e", "process.stdin.pipe(process.stdout)"]
    methods:
      send:
        description: Send one mail
        params_schema:
          type: object
          required: [to]
          additionalProperties: false
          properties:
            to: { type: string }
            count: { type: integer, minimum: 1 }
            mode: { enum: [plain, html] }
            meta:
              type: object
              properties:
                tags: { type: array, items: { type: string } }
`,
  );
  api = client(server.url);
});

afterAll(async () => {
  await server?.close();
  dir.cleanup();
});

describe('params checked against the registry schema', () => {
  it.each([
    [{ count: 2 }, 'params.to', 'params.to is required'],
    [{ to: 'a@example.com', count: 'two' }, 'params.count', 'params.count must be integer'],
    [{ to: 'a@example.com', count: 0 }, 'params.count', 'params.count must be >= 1'],
    [{ to: 'a@example.com', mode: 'rtf' }, 'params.mode', 'params.mode must be one of "plain", "html"'],
    [{ to: 'a@example.com', bcc: 'x' }, 'params.bcc', 'params.bcc is not a parameter of this method'],
    [{ to: 'a@example.com', meta: { tags: ['ok', 3] } }, 'params.meta.tags.1', 'params.meta.tags.1 must be string'],
  ])('POST /api/v1/runs with %j is refused naming %s', async (params, field, message) => {
    const res = await api('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_params', field });
    expect(res.body.error.message).toContain(message);
    expect(res.body.error.message).toContain('(schema of mailer.send)');
  });

  it('refuses a schedule whose params break the schema, and an update that would break them', async () => {
    const bad = await api('POST', '/api/v1/schedules', { handler: 'mailer', method: 'send', params: { to: 42 }, trigger: { type: 'interval', seconds: 60 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_params', field: 'params.to' });

    const good = await api('POST', '/api/v1/schedules', { id: 'mail-ok', handler: 'mailer', method: 'send', params: { to: 'a@example.com' }, trigger: { type: 'interval', seconds: 60 }, paused: true });
    expect(good.status).toBe(201);
    const patch = await api('PATCH', '/api/v1/schedules/mail-ok', { params: { to: 'a@example.com', count: -1 } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.field).toBe('params.count');
    expect((await api('GET', '/api/v1/schedules')).body.items.map((s: { id: string }) => s.id)).toEqual(['mail-ok']);
  });

  it('refuses a method the registry handler does not have, naming the field "method"', async () => {
    const res = await api('POST', '/api/v1/runs', { handler: 'mailer', method: 'sned', params: { to: 'a@example.com' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'unknown_method', field: 'method' });
    expect(res.body.error.message).toContain('has no method "sned" (it has send)');
  });

  it('accepts and runs valid params; nothing was created by the refused requests', async () => {
    const res = await api('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: { to: 'a@example.com', count: 1, meta: { tags: ['x'] } } });
    expect(res.status).toBe(202);
    const { run } = await settled(server.engine, res.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toEqual({ to: 'a@example.com', count: 1, meta: { tags: ['x'] } });
    const all = await api('GET', '/api/v1/runs?handler=mailer');
    expect(all.body.items).toHaveLength(1);
  });
});
