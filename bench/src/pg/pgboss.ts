/**
 * pg-boss 10 under the common procedure: one queue (createQueue), jobs added with insert() (bulk)
 * and send() (one at a time). pg-boss 10 has no notifications between processes and no
 * concurrency option: each work() call is one polling worker that fetches up to `batchSize` jobs,
 * runs the handler on them, and polls again after pollingIntervalSeconds (documented minimum
 * 0.5 s, used here; the default is 2 s). Concurrency N is N work() calls, as its docs say.
 * Measured twice: batchSize 1 (at most N jobs at once, the same concurrency as the others) and a
 * larger batchSize (its best throughput, at N x batchSize jobs at once).
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { adminClient, countOf, dropSchema, DATABASE_URL, Tracker, type Payload, type Settings, type System } from './measure.js';

const SCHEMA = 'bench_pgboss';
const QUEUE = 'noop';

export function pgBoss(s: Settings, batchSize: number): System {
  const tracker = new Tracker();
  let admin: pg.Client;
  let boss: PgBoss;
  const errors: string[] = [];
  return {
    name: batchSize === 1 ? 'pg-boss' : `pg-boss, batchSize ${batchSize}`,
    schema: SCHEMA,
    notes: [
      `${s.concurrency} work() workers x batchSize ${batchSize} (${s.concurrency * batchSize} jobs at once at most), pollingIntervalSeconds 0.5 (its minimum), defaults otherwise`,
    ],
    async setup() {
      admin = await adminClient();
      await dropSchema(admin, SCHEMA);
      boss = new PgBoss({ connectionString: DATABASE_URL, schema: SCHEMA });
      boss.on('error', (err: Error) => void errors.push(err.message));
      await boss.start();
      await boss.createQueue(QUEUE);
    },
    async addMany(count) {
      await boss.insert(Array.from({ length: count }, () => ({ name: QUEUE, data: {} })));
    },
    async startWorkers() {
      for (let i = 0; i < s.concurrency; i++) {
        await boss.work<Payload>(QUEUE, { batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const job of jobs) tracker.hit(job.data);
        });
      }
    },
    async addOne(payload) {
      await boss.send(QUEUE, payload);
    },
    pending: () => countOf(admin, `SELECT count(*) AS n FROM ${SCHEMA}.job WHERE name = $1 AND state <> 'completed'`, [QUEUE]),
    expect: (n) => tracker.expect(n),
    async close() {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      await dropSchema(admin, SCHEMA);
      await admin.end();
      if (errors.length) throw new Error(`pg-boss reported errors: ${errors.slice(0, 3).join('; ')}`);
    },
  };
}
