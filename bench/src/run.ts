/**
 * `npm run bench`: ScheduleZero's figures, each beside a baseline measured in the same run on
 * the same machine, with the ratio and the target. Figures vary from machine to machine; the
 * ratios are what to compare. Set BENCH_QUICK=1 for a short run.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ScenarioName } from './scenario.js';
import { fmt, type Summary } from './stats.js';

const quick = process.env.BENCH_QUICK === '1';
const seconds = quick ? 3 : 10;
const runs = quick ? 20_000 : 100_000;
const httpRuns = quick ? 10_000 : 50_000;
const million = Number(process.env.BENCH_SCHEDULES ?? (quick ? 100_000 : 1_000_000));

interface Row {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean;
}
const rows: Row[] = [];

function row(metric: string, value: number, unit: string, baselineName: string, baseline: number, target: string, ok: boolean): void {
  rows.push({
    metric,
    value: `${fmt(value)} ${unit}`,
    baseline: `${baselineName} ${fmt(baseline)} ${unit}`,
    ratio: `${fmt(value / baseline)}x`,
    target,
    ok,
  });
  console.log(`  ${metric}: ${fmt(value)} ${unit} (baseline ${fmt(baseline)} ${unit})`);
}

console.log(`ScheduleZero benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})${quick ? ', quick' : ''}`);

/** Runs one scenario (baseline and measurement) in a fresh process and returns its figures. */
function scenario<T>(name: ScenarioName, amount: number, execArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./scenario.js', import.meta.url)), [name, String(amount)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => (code ? reject(new Error(`scenario ${name} exited with ${code}`)) : undefined));
  });
}

console.log(`\n1. Lateness of due runs at 1,000 fires/s for ${seconds} s`);
const local = await scenario<{ baseline: Summary; value: Summary }>('lateness-local', seconds);
row('lateness p50, in-process', local.value.p50, 'ms', 'setTimeout', local.baseline.p50, '<= 2 ms', local.value.p50 <= 2);
row('lateness p99, in-process', local.value.p99, 'ms', 'setTimeout', local.baseline.p99, '<= 20 ms', local.value.p99 <= 20);
const remote = await scenario<{ baseline: Summary; value: Summary }>('lateness-remote', seconds);
row('lateness p50, remote worker', remote.value.p50, 'ms', 'HTTP round trip', remote.baseline.p50, '<= 2 ms', remote.value.p50 <= 2);
row('lateness p99, remote worker', remote.value.p99, 'ms', 'HTTP round trip', remote.baseline.p99, '<= 20 ms', remote.value.p99 <= 20);
if (local.value.n < seconds * 1000 * 0.99 || remote.value.n < seconds * 1000 * 0.99) {
  console.log(`  note: expected ${seconds * 1000} samples, got ${local.value.n} in-process and ${remote.value.n} remote`);
}

console.log(`\n2. Throughput of one-off runs (${runs} in-process, ${httpRuns} over HTTP)`);
const inproc = await scenario<{ baseline: number; value: number }>('throughput-local', runs);
row('runs/s, in-process', inproc.value, 'runs/s', 'raw SQLite writes', inproc.baseline, '>= 20,000', inproc.value >= 20_000);
const http = await scenario<{ baseline: number; value: number }>('throughput-http', httpRuns);
row('runs/s, over HTTP', http.value, 'runs/s', 'bare Fastify req', http.baseline, '>= 5,000', http.value >= 5_000);

console.log(`\n3. Memory with ${million.toLocaleString('en')} stored schedules`);
const mem = await new Promise<{ rssEmpty: number; rssMillion: number; insertSeconds: number; probeLateness: number; count: number }>(
  (resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./million.js', import.meta.url)), [String(million)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => (code ? reject(new Error(`million-schedule run exited with ${code}`)) : undefined));
  },
);
row(`RSS, ${million.toLocaleString('en')} schedules`, mem.rssMillion, 'MB', 'empty server', mem.rssEmpty, '<= 300 MB', mem.rssMillion <= 300);
console.log(`  (inserted ${mem.count.toLocaleString('en')} schedules in ${fmt(mem.insertSeconds)} s; a due schedule among them started ${mem.probeLateness} ms late)`);

const widths = ['metric', 'value', 'baseline', 'ratio', 'target'].map((k) =>
  Math.max(k.length, ...rows.map((r) => String(r[k as keyof Row]).length)),
);
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(`\n${line(['metric', 'value', 'baseline', 'ratio', 'target'])}  met`);
for (const r of rows) console.log(`${line([r.metric, r.value, r.baseline, r.ratio, r.target])}  ${r.ok ? 'yes' : 'NO'}`);
