import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Engine, SqliteStore, startServer } from 'schedulezero';
import { preciseNow, sleep, summarize, type Summary } from './stats.js';
import { tempDatabase } from './setup.js';

const RATE = 1000;
const WARMUP_MS = 2000;

/** Baseline: what Node's own timers achieve at the same rate, measured the same way. */
export async function timerBaseline(seconds: number): Promise<Summary> {
  const samples: number[] = [];
  const start = Math.ceil(preciseNow()) + 200;
  const total = seconds * RATE;
  await new Promise<void>((resolve) => {
    let done = 0;
    for (let i = 0; i < total; i++) {
      const target = start + i;
      setTimeout(() => {
        samples.push(preciseNow() - target);
        if (++done === total) resolve();
      }, target - Date.now());
    }
  });
  return summarize(samples);
}

/** 1,000 one-second interval schedules spread over the second: 1,000 fires/s. */
async function createSchedules(engine: Engine, handler: string, base: number): Promise<void> {
  for (let i = 0; i < RATE; i++) {
    await engine.createSchedule({
      id: `lateness-${i}`,
      handler,
      method: 'tick',
      max_instances: 10,
      trigger: { type: 'interval', seconds: 1, start_time: new Date(base + i).toISOString() },
    });
  }
}

/** In-process handler: lateness = handler start - scheduled time. */
export async function latenessInProcess(seconds: number): Promise<Summary> {
  const db = tempDatabase('lateness');
  const store = new SqliteStore({ filename: db.file });
  await store.migrate();
  const engine = new Engine({ store });
  const samples: number[] = [];
  const base = Math.ceil(Date.now() / 1000) * 1000 + 2000;
  const from = base + WARMUP_MS;
  const to = from + seconds * 1000;
  await engine.registerLocalHandler(
    'bench',
    {
      tick: (_params, ctx) => {
        const scheduled = ctx.scheduled_at.getTime();
        if (scheduled >= from && scheduled < to) samples.push(preciseNow() - scheduled);
      },
    },
    { concurrency: 256 },
  );
  await engine.start();
  await createSchedules(engine, 'bench', base);
  await sleep(to - Date.now() + 500);
  await engine.stop(1000);
  await store.close();
  db.cleanup();
  return summarize(samples);
}

/** Through a remote worker (a separate process using the SDK, long-polling over HTTP). */
export async function latenessRemote(seconds: number): Promise<{ lateness: Summary; rtt: Summary }> {
  const db = tempDatabase('lateness-remote');
  const server = await startServer({ port: 0, database_url: db.url, log_level: 'error' });
  const child = fork(fileURLToPath(new URL('./worker-child.js', import.meta.url)), ['lateness', server.url, '256'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const base = Math.ceil(Date.now() / 1000) * 1000 + 2000;
  const from = base + WARMUP_MS;
  const to = from + seconds * 1000;
  await createSchedules(server.engine, 'remote-bench', base);
  await sleep(to - Date.now() + 500);
  child.send({ report: { from, to } });
  const report = await new Promise<{ samples: number[]; rtt: number[] }>((resolve) =>
    child.once('message', (m) => resolve(m as { samples: number[]; rtt: number[] })),
  );
  await new Promise((r) => child.once('exit', r));
  await server.close();
  db.cleanup();
  return { lateness: summarize(report.samples), rtt: summarize(report.rtt) };
}
