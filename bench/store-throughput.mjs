// A quick throughput check of the SQLite store: a script to run by hand, not a test (nothing
// here asserts a speed). One-off runs on a file database in batches of 500, each batch
//   claim:   insertRuns(500 queued) + claimRuns(500) + completeAttempts(500)
//   claimed: insertRuns(500 with `claimed`)          + completeAttempts(500)
// Runs are built before the clock starts, so only the store is timed. Configurations are run
// in turn, round after round, so that the drift of a shared VM hits them alike; the medians
// are printed.
//
//   npm run build   # the store is loaded from compiled JavaScript
//   node bench/store-throughput.mjs [--runs 100000] [--rounds 5] [dir[:mode] ...]
//
// `dir` is a compiled `src` (default: this package's dist, e.g. another checkout's build to
// compare with); `mode` is claim (default) or claimed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';

const BATCH = 500;
const T = Date.UTC(2030, 0, 1);
const retry = { max_attempts: 1, initial_delay_seconds: 1, backoff_factor: 2, max_delay_seconds: 60 };
const noRetry = () => null;

async function once(SqliteStore, mode, total) {
  const dir = mkdtempSync(join(tmpdir(), 'schedulezero-throughput-'));
  const store = new SqliteStore({ filename: join(dir, 'db.sqlite') });
  try {
    await store.migrate();
    await store.registerWorker({
      id: 'w', kind: 'local', handler: 'h', methods: ['m'], concurrency: BATCH, name: null, version: null,
      registered_at: T, expires_at: T + 1e12,
    });
    const batches = [];
    for (let b = 0; b < total / BATCH; b++) {
      const now = T + b;
      const runs = [];
      for (let i = 0; i < BATCH; i++) {
        runs.push({
          id: uuidv7(), schedule_id: null, origin: 'one_off', handler: 'h', method: 'm', params: { i },
          status: 'queued', retry, timeout_seconds: 60, scheduled_at: now, available_at: now, start_by: null,
          created_at: now, ...(mode === 'claimed' ? { claimed: { worker_id: 'w', started_at: now } } : {}),
        });
      }
      batches.push(runs);
    }

    const spent = { insert: 0, claim: 0, complete: 0 };
    const timed = async (phase, fn) => {
      const start = performance.now();
      const result = await fn();
      spent[phase] += performance.now() - start;
      return result;
    };
    const start = performance.now();
    for (const [b, runs] of batches.entries()) {
      const now = T + b;
      let started = await timed('insert', () => store.insertRuns(runs));
      if (mode !== 'claimed') {
        started = await timed('claim', () =>
          store.claimRuns({ worker_id: 'w', handler: 'h', methods: ['m'], limit: BATCH, now }),
        );
      }
      if (started.length !== BATCH || started.some((run) => run.status !== 'running')) {
        throw new Error(`expected ${BATCH} running runs, got ${started.filter((r) => r.status === 'running').length}`);
      }
      const done = await timed('complete', () =>
        store.completeAttempts(
          started.map((run) => ({ run_id: run.id, worker_id: 'w', end: { status: 'succeeded', result: { ok: true } }, attempt: run.attempt })),
          now + 1,
          noRetry,
        ),
      );
      if (!done.every((result) => result.ok)) throw new Error('a completion was refused');
    }
    const rate = (ms) => (ms === 0 ? null : total / (ms / 1000));
    return {
      total: rate(performance.now() - start),
      insert: rate(spent.insert),
      claim: rate(spent.claim),
      complete: rate(spent.complete),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } },
});
const total = Math.ceil(Number(values.runs) / BATCH) * BATCH;
const here = dirname(fileURLToPath(import.meta.url));
const configs = [];
for (const arg of positionals.length > 0 ? positionals : [join(here, '../packages/schedulezero/dist')]) {
  const [dir, mode = 'claim'] = arg.split(':');
  const module = await import(pathToFileURL(join(resolve(dir), 'store/sqlite/sqlite-store.js')).href);
  configs.push({ label: `${dir} ${mode}`, SqliteStore: module.SqliteStore, mode, results: [] });
}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const config of configs) config.results.push(await once(config.SqliteStore, config.mode, total));
}
const fmt = (x) => (x === null ? '-' : Math.round(x).toLocaleString('en-US'));
const median = (results, key) => {
  const xs = results.map((r) => r[key]).filter((x) => x !== null).sort((a, b) => a - b);
  return xs.length === 0 ? null : xs[Math.floor(xs.length / 2)];
};
for (const { label, results } of configs) {
  console.log(
    `${label}: ${fmt(median(results, 'total'))} runs/s (median of ${results.length}: ` +
      `${results.map((r) => fmt(r.total)).join(', ')}); insertRuns ${fmt(median(results, 'insert'))}/s, ` +
      `claimRuns ${fmt(median(results, 'claim'))}/s, completeAttempts ${fmt(median(results, 'complete'))}/s`,
  );
}
