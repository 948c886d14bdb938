import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { client, startTestServer, waitFor } from '../helpers.js';

/**
 * A poll's answer can be lost after the server claimed its runs (the node died while answering,
 * the connection broke). The worker, alive and polling, never heard of the run and never reports
 * on it: after heartbeat_seconds + lease_seconds of silence the attempt ends `lost` and the run
 * is retried, instead of holding the worker's slot forever.
 */
describe('a claimed run whose poll answer never reached the worker', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ heartbeat_seconds: 0.5, lease_seconds: 1.5 }, { reapIntervalMs: 100 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is lost after the silence and handed out again', async () => {
    const api = client(server.url);
    const worker = (await api('POST', '/api/v1/workers', { handler: 'h', methods: ['m'], concurrency: 1 })).body.worker_id as string;
    const run = (await api('POST', '/api/v1/runs', { handler: 'h', method: 'm', retry: { max_attempts: 2, initial_delay_seconds: 0 } })).body.id as string;

    // This poll's answer is "lost": the worker never looks at it.
    const lost = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 0 });
    expect(lost.body.jobs.map((j: { run_id: string }) => j.run_id)).toEqual([run]);

    // The worker goes on polling (so it stays alive) and gets the run again once it is lost.
    const again = await waitFor(async () => {
      const res = await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 0.2 });
      return res.body.jobs.length > 0 ? res.body.jobs[0] : null;
    }, 10_000, 100);
    expect(again).toMatchObject({ run_id: run, attempt: 2 });
    const detail = (await api('GET', `/api/v1/runs/${run}`)).body;
    expect(detail.attempts[0]).toMatchObject({ attempt: 1, status: 'lost', error: { type: 'run_silent' } });
    expect(detail.status).toBe('running');
  });

  it('leaves a run alone while its worker heartbeats it', async () => {
    const api = client(server.url);
    const worker = (await api('POST', '/api/v1/workers', { handler: 'h2', methods: ['m'], concurrency: 1 })).body.worker_id as string;
    const run = (await api('POST', '/api/v1/runs', { handler: 'h2', method: 'm' })).body.id as string;
    await api('POST', `/api/v1/workers/${worker}/poll`, { max_jobs: 1, wait_seconds: 0 });
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 400));
      expect((await api('POST', `/api/v1/runs/${run}/heartbeat`, { worker_id: worker })).status).toBe(200);
    }
    expect((await api('GET', `/api/v1/runs/${run}`)).body.status).toBe('running');
  });
});
