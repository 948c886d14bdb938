import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/domain/types.js';
import type { RunningServer } from '../../src/server/server.js';
import { postgresOptions } from '../../src/server/store-factory.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { client, startTestServer, waitFor } from '../helpers.js';
import { openEventStream } from '../sse.js';
import { PG_URL, pgAvailable } from '../store/pg-support.js';

const available = await pgAvailable();

/**
 * Live views on one node show work done on another: a run executes on node A, its log is
 * followed and its end seen through node B.
 */
describe.runIf(available)('live views across nodes', () => {
  const schema = `sz_live_${randomBytes(5).toString('hex')}`;
  const url = `${PG_URL}?schema=${schema}`;
  let release: () => void = () => undefined;
  let nodeA: RunningServer;
  let nodeB: RunningServer;

  beforeAll(async () => {
    nodeA = await startTestServer(
      { database_url: url },
      {
        beforeStart: (engine) =>
          engine.registerLocalHandler('talker', {
            talk: async (_params, ctx) => {
              ctx.log('first line from node A');
              await new Promise<void>((resolve) => (release = resolve));
              ctx.log('second line from node A', 'stderr');
              return { done: true };
            },
          }),
      },
    );
    // Node B has no handler of its own: everything it shows comes from node A.
    nodeB = await startTestServer({ database_url: url });
  });
  afterAll(async () => {
    release();
    await nodeA?.close();
    await nodeB?.close();
    await new PostgresStore({ ...postgresOptions(url), dropSchemaOnClose: true }).close();
  });

  it("follows a run's log and sees its end on another node than the one running it", async () => {
    const created = await client(nodeA.url)('POST', '/api/v1/runs', { handler: 'talker', method: 'talk' });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await waitFor(async () => ((await client(nodeB.url)('GET', `/api/v1/runs/${id}`)).body.status === 'running' ? true : null));

    const stream = await openEventStream(`${nodeB.url}/api/v1/runs/${id}/logs/stream`);
    try {
      const first = await stream.next((e) => e.event === 'logs' && e.data.includes('first line from node A'), 0, 10_000);
      expect(first).toBeTruthy();
      const updates: { run: RunRow; remote: boolean | undefined }[] = [];
      nodeB.engine.events.on('run.updated', (run, remote) => updates.push({ run, remote }));

      release();
      const second = await stream.next((e) => e.event === 'logs' && e.data.includes('second line from node A'), 0, 10_000);
      expect(JSON.parse(second.data).lines[0]).toMatchObject({ stream: 'stderr', message: 'second line from node A' });
      const end = await stream.next((e) => e.event === 'end', 0, 10_000);
      expect(JSON.parse(end.data)).toEqual({ status: 'succeeded' });
      // Relayed events are marked: node B's metrics do not count node A's work.
      expect(updates.find((u) => u.run.id === id)).toMatchObject({ remote: true, run: { status: 'succeeded' } });
    } finally {
      stream.close();
    }
  });

  it('checks params against a schema that a worker declared through another node', async () => {
    const reg = await client(nodeA.url)('POST', '/api/v1/workers', {
      handler: 'mailer',
      methods: ['send'],
      method_info: { send: { params_schema: { type: 'object', required: ['to'], properties: { to: { type: 'string', format: 'email' } } } } },
    });
    expect(reg.status).toBe(201);
    const apiB = client(nodeB.url);
    const bad = await waitFor(async () => {
      const res = await apiB('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: { to: 'not an address' } });
      return res.status === 400 ? res : null;
    }, 5_000, 50);
    expect(bad.body.error).toMatchObject({ code: 'invalid_params', field: 'params.to' });
    expect((await apiB('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: { to: 'ops@example.com' } })).status).toBe(202);

    // A node that starts later learns it from the database.
    const nodeC = await startTestServer({ database_url: url });
    try {
      const res = await client(nodeC.url)('POST', '/api/v1/runs', { handler: 'mailer', method: 'send', params: {} });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_params', field: 'params.to' });
    } finally {
      await nodeC.close();
    }
  });
});
