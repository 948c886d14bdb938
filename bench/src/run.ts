/**
 * `npm run bench`: ScheduleZero's figures, each beside a baseline measured in the same run on
 * the same machine, with the ratio and the target. Figures vary from machine to machine; the
 * ratios are what to compare. Set BENCH_QUICK=1 for a short run.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { latenessInProcess, latenessRemote, timerBaseline } from './lateness.js';
import { fmt } from './stats.js';
import { httpBaseline, sqliteBaseline, throughputHttp, throughputInProcess } from './throughput.js';

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

console.log(`\n1. Lateness of due runs at 1,000 fires/s for ${seconds} s`);
const timers = await timerBaseline(seconds);
const local = await latenessInProcess(seconds);
row('lateness p50, in-process', local.p50, 'ms', 'setTimeout', timers.p50, '<= 2 ms', local.p50 <= 2);
row('lateness p99, in-process', local.p99, 'ms', 'setTimeout', timers.p99, '<= 20 ms', local.p99 <= 20);
const remote = await latenessRemote(seconds);
row('lateness p50, remote worker', remote.lateness.p50, 'ms', 'HTTP round trip', remote.rtt.p50, '<= 2 ms', remote.lateness.p50 <= 2);
row('lateness p99, remote worker', remote.lateness.p99, 'ms', 'HTTP round trip', remote.rtt.p99, '<= 20 ms', remote.lateness.p99 <= 20);
if (local.n < seconds * 1000 * 0.99 || remote.lateness.n < seconds * 1000 * 0.99) {
  console.log(`  note: expected ${seconds * 1000} samples, got ${local.n} in-process and ${remote.lateness.n} remote`);
}

console.log(`\n2. Throughput of one-off runs (${runs} in-process, ${httpRuns} over HTTP)`);
const floor = sqliteBaseline(runs);
const inproc = await throughputInProcess(runs);
row('runs/s, in-process', inproc, 'runs/s', 'raw SQLite writes', floor, '>= 20,000', inproc >= 20_000);
const httpFloor = await httpBaseline(httpRuns, 64);
const http = await throughputHttp(httpRuns, 512);
row('runs/s, over HTTP', http, 'runs/s', 'bare Fastify req', httpFloor, '>= 5,000', http >= 5_000);

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
