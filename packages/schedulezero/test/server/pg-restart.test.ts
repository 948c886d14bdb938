import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { StoreEvent } from '../../src/store/store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { client, startTestServer, waitFor } from '../helpers.js';
import { destroyPgClusters, pgClusterUnavailable, startPgCluster, type PgCluster } from './pg-cluster.js';

/**
 * A node on PostgreSQL rides out a database restart and a database crash: the server stays up,
 * its loops retry, the LISTEN connection comes back, schedules go on firing, every run ends, and
 * no occurrence is recorded twice. Each test restarts a private cluster (never the shared one).
 */
const unavailable = pgClusterUnavailable();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`pg-restart tests skipped: ${unavailable}`);

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'missed'];
const SCHEDULES = 5;
/**
 * How long each run works. With 5 runs a second, about 3 are always in flight, so the outage
 * always cuts some off mid-run and their ends must be recorded once the database is back.
 */
const WORK_MS = 600;

interface Execution {
  schedule_id: string | null;
  scheduled_at: number;
  at: number;
}

/** Log lines the node wrote, parsed (pino JSON). */
function captureLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string; time: number }> } {
  const lines: Array<{ level: number; msg: string; time: number }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe.skipIf(unavailable !== null && !mustRun)('a node while its PostgreSQL restarts', () => {
  let cluster: PgCluster | undefined;
  let server: RunningServer | undefined;
  let db: pg.Client | undefined;

  afterEach(async () => {
    await server?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await cluster?.destroy();
    server = undefined;
    db = undefined;
    cluster = undefined;
  });
  afterAll(destroyPgClusters);

  async function scenario(outage: (cluster: PgCluster) => Promise<void>): Promise<void> {
    cluster = await startPgCluster();
    const executions: Execution[] = [];
    const { logger, lines } = captureLogger();
    server = await startTestServer(
      { database_url: cluster.url },
      {
        logger,
        beforeStart: (engine) =>
          engine.registerLocalHandler(
            'pgr',
            {
              tick: async (_params, ctx) => {
                await new Promise((r) => setTimeout(r, WORK_MS));
                executions.push({ schedule_id: ctx.schedule_id, scheduled_at: ctx.scheduled_at.getTime(), at: Date.now() });
                return { ok: true };
              },
            },
            { concurrency: 10 },
          ),
      },
    );
    const api = client(server.url);
    for (let i = 0; i < SCHEDULES; i++) {
      const res = await api('POST', '/api/v1/schedules', { id: `r${i}`, handler: 'pgr', method: 'tick', trigger: { type: 'interval', seconds: 1 } });
      expect(res.status).toBe(201);
    }
    await waitFor(() => new Set(executions.map((e) => e.schedule_id)).size === SCHEDULES && executions.length >= 2 * SCHEDULES, 8_000);
    await new Promise((r) => setTimeout(r, 500));

    const downAt = Date.now();
    await outage(cluster);
    const upAt = Date.now();

    // The node is still here and its API reaches the database again.
    expect((await api('GET', '/api/v1/health')).status).toBe(200);
    const listed = await waitFor(async () => {
      const res = await api('GET', '/api/v1/schedules');
      return res.status === 200 ? res.body : null;
    }, 10_000);
    expect(listed.items).toHaveLength(SCHEDULES);

    db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    const unfinished = async () =>
      (await db!.query(`SELECT schedule_id, status, attempt, worker_id, scheduled_at, finished_at FROM runs WHERE NOT (status = ANY($1)) ORDER BY scheduled_at`, [TERMINAL])).rows;

    // Every schedule fires again after the restart, and those runs succeed.
    await waitFor(() => {
      const after = executions.filter((e) => e.scheduled_at > upAt);
      return new Set(after.map((e) => e.schedule_id)).size === SCHEDULES;
    }, 10_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: schedules ran after the restart: ${[...new Set(executions.filter((e) => e.scheduled_at > upAt).map((e) => e.schedule_id))]}; unfinished runs ${JSON.stringify(await unfinished())}`);
    });
    // How long until work flows again: the first run to finish after the database is back,
    // and the first occurrence that fell due after it.
    const firstRunMs = Math.min(...executions.filter((e) => e.at > upAt).map((e) => e.at)) - upAt;
    const firstNewMs = Math.min(...executions.filter((e) => e.scheduled_at > upAt).map((e) => e.at)) - upAt;

    // No run is left behind: everything due before now ends (or is retried and then ends).
    const cutoff = Date.now();
    const stuck = await waitFor(
      async () => {
        const rows = (await db!.query<{ id: string; status: string }>(`SELECT id, status FROM runs WHERE scheduled_at <= $1 AND NOT (status = ANY($2))`, [cutoff, TERMINAL])).rows;
        return rows.length === 0 ? rows : null;
      },
      12_000,
      100,
    ).catch(async () => (await db!.query(`SELECT id, schedule_id, status, attempt, worker_id, scheduled_at FROM runs WHERE scheduled_at <= $1 AND NOT (status = ANY($2))`, [cutoff, TERMINAL])).rows);
    expect(stuck).toEqual([]);

    // Exactly one run per occurrence, whatever happened to the connections.
    const duplicates = await db.query(`SELECT schedule_id, scheduled_at, count(*)::int AS n FROM runs WHERE schedule_id IS NOT NULL GROUP BY schedule_id, scheduled_at HAVING count(*) > 1`);
    expect(duplicates.rows).toEqual([]);
    const executedTimes = new Map<string, number>();
    for (const e of executions) executedTimes.set(`${e.schedule_id}@${e.scheduled_at}`, (executedTimes.get(`${e.schedule_id}@${e.scheduled_at}`) ?? 0) + 1);
    // And each occurrence ran once: a run whose end was cut off by the outage is recorded when
    // the database is back, not run again.
    expect([...executedTimes].filter(([, n]) => n > 1)).toEqual([]);
    const statuses = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM runs GROUP BY status ORDER BY status`)).rows;

    const errorMessages = new Map<string, number>();
    for (const l of lines.filter((l) => l.level >= 40)) errorMessages.set(l.msg, (errorMessages.get(l.msg) ?? 0) + 1);
    console.log(
      `outage ${upAt - downAt} ms; after it: first run finished in ${firstRunMs} ms, first new occurrence finished in ${firstNewMs} ms; ` +
        `runs ${JSON.stringify(statuses)}; ` +
        `warnings/errors logged ${JSON.stringify(Object.fromEntries(errorMessages))}`,
    );
  }

  it('survives a restart with downtime (pg_ctl -m fast, 2 s down)', async () => {
    await scenario((c) => c.restart({ downMs: 2_000 }));
  }, 40_000);

  it('survives a crash (pg_ctl -m immediate) and the recovery that follows', async () => {
    await scenario(async (c) => {
      await c.kill();
      await new Promise((r) => setTimeout(r, 1_000));
      await c.start();
    });
  }, 40_000);

  it('answers health, and not ready, while the database is away; ready again once it is back', async () => {
    cluster = await startPgCluster();
    server = await startTestServer({ database_url: cluster.url });
    const api = client(server.url);
    expect((await api('GET', '/api/v1/health/ready')).body).toMatchObject({ status: 'ready' });
    await cluster.kill();
    // Liveness stays: restarting the node would not bring the database back.
    expect((await api('GET', '/api/v1/health')).status).toBe(200);
    const ready = await api('GET', '/api/v1/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/database/) });
    const read = await api('GET', '/api/v1/schedules');
    expect(read.status).toBe(503);
    expect(read.body.error).toMatchObject({ code: 'database_unavailable' });
    expect(read.headers.get('retry-after')).toBe('2');
    await cluster.start();
    await waitFor(async () => ((await api('GET', '/api/v1/health/ready')).status === 200 ? true : null), 10_000, 100);
    expect((await api('GET', '/api/v1/schedules')).status).toBe(200);
  }, 40_000);

  it('store: a transaction cut off fails cleanly, the LISTEN connection comes back with a resync, one log line per outage', async () => {
    cluster = await startPgCluster();
    const { logger, lines } = captureLogger();
    const store = new PostgresStore({ url: cluster.url, logger, max: 4 });
    const peer = new PostgresStore({ url: cluster.url, max: 2 });
    try {
      await store.migrate();
      const events: StoreEvent[] = [];
      store.subscribe((event) => events.push(event));
      // LISTEN is up once another node's announcement arrives.
      await waitFor(() => {
        peer.announce({ kind: 'schedules' });
        return events.some((e) => e.kind === 'schedules');
      }, 5_000, 100);

      // The server crashes in the middle of a transaction: it rejects, nothing throws out of
      // the event loop (vitest fails the file on an uncaught error), and the dead client is
      // destroyed rather than handed out again.
      const cutOff = store.database.tx(async (client) => {
        await client.query('SELECT 1');
        await cluster!.kill();
        await new Promise((r) => setTimeout(r, 100));
        await client.query('SELECT 1');
      });
      await expect(cutOff).rejects.toThrow();
      await expect(store.database.query('SELECT 1')).rejects.toThrow();
      await expect(store.database.tx((client) => client.query('SELECT 1'))).rejects.toThrow();
      expect(store.database.pool.totalCount).toBe(0);

      await new Promise((r) => setTimeout(r, 1_000));
      const startedAt = Date.now();
      // Counted before the start: the LISTEN connection may come back while start() waits.
      const before = events.length;
      await cluster.start();
      await waitFor(() => events.slice(before).some((e) => e.kind === 'resync'), 10_000);
      const resyncMs = Date.now() - startedAt;
      expect(await store.database.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      // Announcements flow again, both ways.
      const after = events.length;
      await waitFor(() => {
        peer.announce({ kind: 'runs', handlers: ['h'] });
        return events.slice(after).some((e) => e.kind === 'runs');
      }, 5_000, 100);

      const lost = lines.filter((l) => l.msg === 'database connection lost; reconnecting');
      const restored = lines.filter((l) => l.msg === 'database connection restored');
      expect(lost).toHaveLength(1);
      expect(restored).toHaveLength(1);
      console.log(`store: resync ${resyncMs} ms after the database accepted connections again; ${JSON.stringify(restored[0])}`);
    } finally {
      await store.close().catch(() => undefined);
      await peer.close().catch(() => undefined);
    }
  }, 30_000);
});
