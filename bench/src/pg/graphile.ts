/**
 * graphile-worker 0.17 under the common procedure: jobs added with WorkerUtils.addJobs (bulk) and
 * addJob (one at a time), run by run({ concurrency }) with a task list of one no-op task, the pool
 * sized as its docs recommend (concurrency + 2), success logging off (NO_LOG_SUCCESS, set by
 * run.ts, as graphile-worker's own performance test does). Measured twice: with its defaults
 * (no local queue, no completion batching: both off by default in 0.17), and with the batching
 * settings of its own performance test (perfTest/graphile.config.js: localQueue of 500 with a
 * 10 ms refetch delay, completeJobBatchDelay and failJobBatchDelay 0).
 */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import { adminClient, countOf, dropSchema, DATABASE_URL, Tracker, type Payload, type Settings, type System } from './measure.js';

const SCHEMA = 'bench_graphile_worker';
const silent = new Logger(() => () => undefined);

export function graphileWorker(s: Settings, batched = false): System {
  const tracker = new Tracker();
  let admin: pg.Client;
  let utils: WorkerUtils;
  let runner: Runner | undefined;
  const maxPoolSize = Math.max(10, s.concurrency + 2);
  return {
    name: batched ? 'graphile-worker, batched' : 'graphile-worker',
    schema: SCHEMA,
    notes: [
      batched
        ? `concurrency ${s.concurrency}, maxPoolSize ${maxPoolSize}, localQueue { size: 500, refetchDelay 10 ms }, completeJobBatchDelay 0, failJobBatchDelay 0 (its perfTest settings)`
        : `concurrency ${s.concurrency}, maxPoolSize ${maxPoolSize}, defaults otherwise (LISTEN/NOTIFY, no localQueue, no completeJobBatchDelay)`,
    ],
    async setup() {
      admin = await adminClient();
      await dropSchema(admin, SCHEMA);
      utils = await makeWorkerUtils({ connectionString: DATABASE_URL, schema: SCHEMA, logger: silent });
      await utils.migrate();
    },
    async addMany(count) {
      await utils.addJobs(Array.from({ length: count }, () => ({ identifier: 'noop', payload: {} })));
    },
    async startWorkers() {
      runner = await run({
        connectionString: DATABASE_URL,
        schema: SCHEMA,
        concurrency: s.concurrency,
        maxPoolSize,
        noHandleSignals: true,
        logger: silent,
        taskList: { noop: async (payload) => tracker.hit(payload as Payload) },
        ...(batched
          ? { preset: { worker: { localQueue: { size: 500, refetchDelay: { durationMs: 10 } }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
          : {}),
      });
    },
    async addOne(payload) {
      await utils.addJob('noop', payload);
    },
    // Completed jobs are deleted.
    pending: () => countOf(admin, `SELECT count(*) AS n FROM ${SCHEMA}._private_jobs`),
    expect: (n) => tracker.expect(n),
    async close() {
      await runner?.stop();
      await utils.release();
      await dropSchema(admin, SCHEMA);
      await admin.end();
    },
  };
}
