/**
 * `npm run bench:pg`: ScheduleZero on PostgreSQL beside graphile-worker 0.17 and pg-boss 10, in
 * one run, on the same database (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test),
 * each system in a fresh schema of its own (dropped afterwards) and a process of its own, with
 * the same no-op job and the same concurrency (BENCH_CONCURRENCY, default 24). For each:
 * enqueue rate (bulk adds of 1,000), processing rate (a backlog of N jobs, from the first start
 * to the last durable completion, workers already running) and add-to-start latency (jobs added
 * one at a time at 200/s). BENCH_QUICK=1 for a short run; BENCH_SYSTEMS=a,b to run a subset.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SystemName } from './child.js';
import { adminClient, dropSchema, settings, type Figures, type Settings } from './measure.js';
import { fmt } from '../stats.js';

const quick = process.env.BENCH_QUICK === '1';
const base = settings();
const pgBossBatch = Number(process.env.BENCH_PGBOSS_BATCH ?? 100);
const all: { name: SystemName; settings: Settings }[] = [
  { name: 'graphile-worker', settings: base },
  { name: 'graphile-worker-batched', settings: base },
  // 0.5 s polling with one job per worker sets its pace (about concurrency / 0.5 jobs/s): a
  // smaller backlog keeps the run short.
  { name: 'pg-boss', settings: { ...base, jobs: Math.min(base.jobs, quick ? 500 : 1_500) } },
  { name: 'pg-boss-batched', settings: base },
  { name: 'schedulezero', settings: base },
  { name: 'schedulezero-remote', settings: base },
];
const only = process.env.BENCH_SYSTEMS?.split(',');
const chosen = only ? all.filter((s) => only.includes(s.name)) : all;

function measureIn(name: SystemName, s: Settings): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./child.js', import.meta.url)), [name, JSON.stringify({ ...s, pgBossBatch })], {
      // graphile-worker logs every success unless told not to (its own perf test sets this too).
      env: { ...process.env, NO_LOG_SUCCESS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as Figures));
    child.once('exit', (code) => (code ? reject(new Error(`${name} exited with ${code}`)) : undefined));
  });
}

console.log(
  `PostgreSQL queue benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})${quick ? ', quick' : ''}; ` +
    `concurrency ${base.concurrency}, ${base.jobs.toLocaleString('en')} jobs, latency at ${base.rate}/s for ${base.seconds} s`,
);
const admin = await adminClient();
const { rows } = await admin.query<{ version: string }>('SELECT version()');
// Other work on the machine moves these figures more than anything else: show how busy it was.
console.log(`${rows[0]?.version.split(' on ')[0]}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

const results = new Map<SystemName, Figures>();
try {
  for (const { name, settings: s } of chosen) {
    // Each system starts from a database with no dirty pages left by the one before.
    await admin.query('CHECKPOINT');
    const f = await measureIn(name, s);
    results.set(name, f);
    console.log(
      `${f.system}: enqueue ${fmt(f.enqueuePerSecond)} jobs/s, processing ${fmt(f.processPerSecond)} jobs/s (${f.jobs.toLocaleString('en')} jobs), ` +
        `add-to-start p50 ${fmt(f.latency.p50)} ms, p99 ${fmt(f.latency.p99)} ms (${f.latency.n} samples)`,
    );
    for (const note of f.notes) console.log(`  ${note}`);
  }
} finally {
  for (const schema of ['bench_graphile_worker', 'bench_pgboss', 'bench_schedulezero', 'bench_schedulezero_remote']) await dropSchema(admin, schema);
  await admin.end();
}

const table: string[][] = [['system', 'enqueue jobs/s', 'processing jobs/s', 'add-to-start p50', 'p99']];
for (const f of results.values()) {
  table.push([f.system, fmt(f.enqueuePerSecond), fmt(f.processPerSecond), `${fmt(f.latency.p50)} ms`, `${fmt(f.latency.p99)} ms`]);
}
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
console.log('');
for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));

const gw = results.get('graphile-worker');
const gwBatched = results.get('graphile-worker-batched');
// The targets compare each system as configured by default at the same concurrency: pg-boss
// with one job per worker, graphile-worker without its batching options. The batched rows
// (pg-boss holding concurrency x batchSize jobs at once, graphile-worker's local queue of 500
// and batched completions) are shown with their ratios for orientation.
const boss = results.get('pg-boss');
const batched = results.get('pg-boss-batched');
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
for (const name of ['schedulezero', 'schedulezero-remote'] as const) {
  const sz = results.get(name);
  if (!sz) continue;
  console.log(`\n${sz.system}:`);
  const ratio = (other: Figures, key: 'enqueuePerSecond' | 'processPerSecond') => sz[key] / other[key];
  for (const b of [gw, gwBatched, boss, batched]) {
    if (b) console.log(`  / ${b.system}: enqueue ${fmt(ratio(b, 'enqueuePerSecond'))}x, processing ${fmt(ratio(b, 'processPerSecond'))}x`);
  }
  if (gw) console.log(`  target processing >= 1.0x graphile-worker: ${fmt(ratio(gw, 'processPerSecond'))}x, ${met(ratio(gw, 'processPerSecond') >= 1)}`);
  if (boss) console.log(`  target processing >= 5x pg-boss: ${fmt(ratio(boss, 'processPerSecond'))}x, ${met(ratio(boss, 'processPerSecond') >= 5)}`);
  console.log(`  target add-to-start p99 <= 25 ms: ${fmt(sz.latency.p99)} ms, ${met(sz.latency.p99 <= 25)}`);
}
