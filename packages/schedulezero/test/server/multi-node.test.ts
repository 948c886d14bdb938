import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { postgresOptions } from '../../src/server/store-factory.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { client, startTestServer, waitFor } from '../helpers.js';
import { PG_URL, pgAvailable } from '../store/pg-support.js';

const available = await pgAvailable();

/** Two scheduler nodes on one PostgreSQL schema, each with its own in-process worker. */
describe.runIf(available)('several nodes on one PostgreSQL database', () => {
  const schema = `sz_multi_${randomBytes(5).toString('hex')}`;
  const url = `${PG_URL}?schema=${schema}`;
  const ranOn = { a: new Set<string>(), b: new Set<string>() };
  let nodeA: RunningServer | undefined;
  let nodeB: RunningServer;

  const start = (node: 'a' | 'b') =>
    startTestServer(
      { database_url: url },
      {
        beforeStart: (engine) =>
          engine.registerLocalHandler(
            'multi',
            {
              tick: async (_params, ctx) => {
                ranOn[node].add(ctx.run_id);
                await new Promise((r) => setTimeout(r, 20));
                return { node };
              },
            },
            { concurrency: 4 },
          ),
      },
    );

  beforeAll(async () => {
    nodeA = await start('a');
    nodeB = await start('b');
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await new PostgresStore({ ...postgresOptions(url), dropSchemaOnClose: true }).close();
  });

  const db = () => (nodeB.store as PostgresStore).database;

  it('leaves the other nodes\' in-process workers alone when a node starts', async () => {
    const workers = await db().query<{ id: string }>(`SELECT id FROM workers WHERE kind = 'local' AND status = 'online'`);
    expect(workers).toHaveLength(2);
  });

  it('fires every occurrence exactly once, executed on both nodes', async () => {
    const api = client(nodeA!.url);
    for (let i = 0; i < 20; i++) {
      const res = await api('POST', '/api/v1/schedules', { id: `s${i}`, handler: 'multi', method: 'tick', trigger: { type: 'interval', seconds: 0.5 } });
      expect(res.status).toBe(201);
    }
    await new Promise((r) => setTimeout(r, 3000));
    // A loaded database may lag: go on until every schedule fired a few times.
    await waitFor(async () => {
      const [row] = await db().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT schedule_id FROM runs WHERE origin = 'scheduled' GROUP BY schedule_id HAVING count(*) >= 4) s`,
      );
      return row!.n === 20;
    }, 15_000);
    for (let i = 0; i < 20; i++) await api('POST', `/api/v1/schedules/s${i}/pause`);
    // Let the runs in flight finish.
    await waitFor(async () => {
      const [row] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status IN ('queued', 'running')`);
      return row!.n === 0;
    });

    const rows = await db().query<{ schedule_id: string; scheduled_at: number; n: number }>(
      `SELECT schedule_id, scheduled_at, count(*)::int AS n FROM runs WHERE origin = 'scheduled' GROUP BY schedule_id, scheduled_at`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(20 * 4);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    const perSchedule = new Map<string, number>();
    for (const r of rows) perSchedule.set(r.schedule_id, (perSchedule.get(r.schedule_id) ?? 0) + 1);
    expect(perSchedule.size).toBe(20);
    const [failed] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status <> 'succeeded'`);
    expect(failed!.n).toBe(0);
    expect(ranOn.a.size).toBeGreaterThan(0);
    expect(ranOn.b.size).toBeGreaterThan(0);
  });

  it('hands a run created on one node to a remote worker polling another within a second', async () => {
    const apiA = client(nodeA!.url);
    const apiB = client(nodeB.url);
    const registered = await apiB('POST', '/api/v1/workers', { handler: 'remote_multi', methods: ['go'] });
    expect(registered.status).toBe(201);
    const workerId = registered.body.worker_id as string;
    const polled = apiB('POST', `/api/v1/workers/${workerId}/poll`, { wait_seconds: 10 });
    // The poll must be waiting before the run exists.
    await new Promise((r) => setTimeout(r, 200));
    const created = await apiA('POST', '/api/v1/runs', { handler: 'remote_multi', method: 'go', params: { x: 1 } });
    expect(created.status).toBe(202);
    const createdAt = Date.now();
    const res = await polled;
    const latency = Date.now() - createdAt;
    expect(res.status).toBe(200);
    expect(res.body.jobs).toHaveLength(1);
    expect(res.body.jobs[0].run_id).toBe(created.body.id);
    expect(latency).toBeLessThan(1000);
    const done = await apiB('POST', `/api/v1/runs/${created.body.id}/complete`, { worker_id: workerId, status: 'succeeded', result: { ok: true } });
    expect(done.status).toBeLessThan(300);
  });

  it('still hands it out, by the slow poll, when the notification is lost', async () => {
    const storeA = nodeA!.store as PostgresStore & { announce: PostgresStore['announce'] };
    storeA.announce = () => undefined;
    try {
      const apiB = client(nodeB.url);
      const registered = await apiB('POST', '/api/v1/workers', { handler: 'remote_quiet', methods: ['go'] });
      const workerId = registered.body.worker_id as string;
      const polled = apiB('POST', `/api/v1/workers/${workerId}/poll`, { wait_seconds: 10 });
      await new Promise((r) => setTimeout(r, 200));
      const created = await client(nodeA!.url)('POST', '/api/v1/runs', { handler: 'remote_quiet', method: 'go' });
      const createdAt = Date.now();
      const res = await polled;
      expect(res.body.jobs.map((j: { run_id: string }) => j.run_id)).toEqual([created.body.id]);
      expect(Date.now() - createdAt).toBeLessThan(1500);
    } finally {
      delete (storeA as Partial<typeof storeA>).announce;
    }
  });

  it('keeps the other node working when one stops', async () => {
    await nodeA!.close();
    nodeA = undefined;
    const [online] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM workers WHERE kind = 'local' AND status = 'online'`);
    expect(online!.n).toBe(1);
    const apiB = client(nodeB.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await apiB('POST', '/api/v1/runs', { handler: 'multi', method: 'tick' });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    for (const id of ids) {
      const run = await waitFor(async () => {
        const res = await apiB('GET', `/api/v1/runs/${id}`);
        return res.body.status === 'succeeded' ? res.body : null;
      }, 5000);
      expect(run.result).toEqual({ node: 'b' });
    }
  });
});
