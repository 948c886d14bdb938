/**
 * Memory with a million stored schedules, run in a child process of its own so that its RSS is
 * not mixed with the other scenarios. The baseline is the same server, same process, empty.
 */
import { startServer, SqliteStore, type NewSchedule } from 'schedulezero';
import { preciseNow, sleep } from './stats.js';
import { tempDatabase } from './setup.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const BATCH = 10_000;
const mb = () => process.memoryUsage().rss / 1024 / 1024;

async function settle(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await sleep(200);
  }
  return mb();
}

const db = tempDatabase('million');
let server = await startServer({ port: 0, database_url: db.url, log_level: 'error' });
await sleep(1000);
const rssEmpty = await settle();
await server.close();

// Fill the database outside the server (as an import would), one transaction per batch.
const store = new SqliteStore({ filename: db.file });
await store.migrate();
const now = Date.now();
const t0 = preciseNow();
for (let i = 0; i < COUNT; i += BATCH) {
  const rows: NewSchedule[] = [];
  for (let k = i; k < Math.min(COUNT, i + BATCH); k++) {
    rows.push({
      id: `s-${k}`,
      name: null,
      handler: `handler-${k % 50}`,
      method: 'run',
      params: { n: k },
      trigger: { type: 'cron', expression: `${k % 60} ${k % 24} * * *`, timezone: 'UTC' },
      misfire_grace_seconds: null,
      catch_up: 'once',
      catch_up_limit: 100,
      max_instances: 1,
      max_jitter_seconds: 0,
      retry: { max_attempts: 1, initial_delay_seconds: 1, backoff_factor: 2, max_delay_seconds: 300 },
      timeout_seconds: null,
      paused: false,
      // Spread over the next day, none due during the measurement.
      next_run_at: now + 3_600_000 + (k % 86_400) * 1000,
      created_at: now,
      updated_at: now,
    });
  }
  await store.createSchedules(rows);
}
const insertSeconds = (preciseNow() - t0) / 1000;
await store.close();

// The same server with a million schedules: start, fire a due schedule, idle a while.
server = await startServer({ port: 0, database_url: db.url, log_level: 'error' });
const started = new Promise<number>((resolve) =>
  server.engine.events.on('runs.started', (runs) => {
    const run = runs.find((r) => r.schedule_id === 'probe');
    if (run) resolve(run.started_at! - run.scheduled_at);
  }),
);
await server.engine.registerLocalHandler('probe', { go: () => null });
await server.engine.createSchedule({
  id: 'probe',
  handler: 'probe',
  method: 'go',
  trigger: { type: 'date', run_date: new Date(Date.now() + 1000).toISOString() },
});
const probeLateness = await started;
await sleep(3000);
const rssMillion = await settle();
const count = await server.store.countSchedules();
await server.close();
db.cleanup();

process.send?.({ rssEmpty, rssMillion, insertSeconds, probeLateness, count });
