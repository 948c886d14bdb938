import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { postgresOptions } from '../../src/server/store-factory.js';
import { client, startTestServer, waitFor } from '../helpers.js';
import { PG_URL, pgAvailable } from '../store/pg-support.js';

const available = await pgAvailable();

describe.runIf(available)('a server on PostgreSQL', () => {
  const schema = `sz_server_${randomBytes(5).toString('hex')}`;
  const url = `${PG_URL}?schema=${schema}`;
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer(
      { database_url: url },
      { beforeStart: (engine) => engine.registerLocalHandler('pg', { echo: (params) => ({ echoed: params }) }) },
    );
  });
  afterAll(async () => {
    await server?.close();
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    await new PostgresStore({ ...postgresOptions(url), dropSchemaOnClose: true }).close();
  });

  it('fires schedules, runs jobs and keeps their history in its schema', async () => {
    expect(server.store.kind).toBe('postgres');
    const api = client(server.url);
    const created = await api('POST', '/api/v1/schedules', { id: 'pg-1', handler: 'pg', method: 'echo', params: { n: 1 }, trigger: { type: 'interval', seconds: 0.3 } });
    expect(created.status).toBe(201);
    const runs = await waitFor(async () => {
      const page = (await api('GET', '/api/v1/runs?schedule_id=pg-1&status=succeeded')).body;
      return page.items.length >= 3 ? page.items : null;
    });
    expect(runs[0].result).toEqual({ echoed: { n: 1 } });
    const times = runs.map((r: { scheduled_at: string }) => r.scheduled_at);
    expect(new Set(times).size).toBe(times.length);
    const stats = (await api('GET', '/api/v1/runs/stats')).body;
    expect(stats.by_handler[0]).toMatchObject({ handler: 'pg' });
  });

  it('takes the schema from the URL and refuses a bad one', () => {
    expect(postgresOptions('postgres://u@127.0.0.1:5432/db?schema=tenant_a')).toEqual({ url: 'postgres://u@127.0.0.1:5432/db', schema: 'tenant_a' });
    expect(() => postgresOptions('postgres://u@127.0.0.1/db?schema=Robert%27);DROP')).toThrow(/plain lower-case identifier/);
  });
});
