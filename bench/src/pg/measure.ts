/**
 * The one measuring procedure of `npm run bench:pg`, applied to every system alike: each system
 * only says how to add jobs, how to start its workers and how many jobs are not yet done in its
 * own tables. Each system runs this in a process of its own (see run.ts).
 */
import pg from 'pg';
import { preciseNow, sleep, summarize, type Summary } from '../stats.js';

export const DATABASE_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** What every job carries: nothing for the bulk phases, the add time for the latency phase. */
export interface Payload {
  /** preciseNow() just before the job was added (latency samples only). */
  t?: number;
}

export interface Settings {
  /** Jobs bulk-added, then processed. */
  jobs: number;
  /** Jobs per bulk-add call. */
  batch: number;
  /** Jobs at once (every system runs the same number). */
  concurrency: number;
  /** Latency phase: jobs added one at a time at this rate ... */
  rate: number;
  /** ... for this long after a warm-up of warmupSeconds (not recorded). */
  seconds: number;
  warmupSeconds: number;
}

export interface Figures {
  system: string;
  enqueuePerSecond: number;
  processPerSecond: number;
  latency: Summary;
  jobs: number;
  notes: string[];
}

/** What the handler side reports once it has started `n` jobs. */
export interface PhaseResult {
  /** preciseNow() when the first of the n jobs started. */
  first: number;
  /** Add-to-start in ms, of the jobs that carried `t`. */
  samples: number[];
}

/**
 * Counts handler starts and records add-to-start. Lives in the process that runs the handler:
 * the benchmark process itself, or the remote worker's process.
 */
export class Tracker {
  private expected = 0;
  private count = 0;
  private first = 0;
  private samples: number[] = [];
  private done: ((r: PhaseResult) => void) | null = null;

  /** Arm for the next `n` jobs; resolves when the n-th has started. */
  expect(n: number): Promise<PhaseResult> {
    this.expected = n;
    this.count = 0;
    this.samples = [];
    return new Promise((resolve) => (this.done = resolve));
  }

  /** The handler's whole work: note that a job started. */
  hit(payload: Payload | null | undefined): void {
    const now = preciseNow();
    if (this.count === 0) this.first = now;
    const t = payload?.t;
    if (typeof t === 'number') this.samples.push(now - t);
    if (++this.count === this.expected && this.done) {
      const done = this.done;
      this.done = null;
      done({ first: this.first, samples: this.samples });
    }
  }
}

export interface System {
  /** Shown in the figures. */
  name: string;
  /** The PostgreSQL schema holding the system's tables. */
  schema: string;
  /** Settings that differ from the defaults, for the report. */
  notes: string[];
  /** Fresh schema and tables; no workers yet. */
  setup(): Promise<void>;
  /** Add `count` jobs with an empty payload in one bulk call. */
  addMany(count: number): Promise<void>;
  /** Start the workers (concurrency from the settings). */
  startWorkers(): Promise<void>;
  /** Add one job. */
  addOne(payload: Payload): Promise<void>;
  /** Jobs not yet durably completed, from the system's own tables. */
  pending(): Promise<number>;
  /** Arms the handler side (see Tracker.expect). */
  expect(n: number): Promise<PhaseResult>;
  /** Stop workers, close pools, drop the schema. */
  close(): Promise<void>;
}

/** A client for schema housekeeping and pending() counts, kept apart from the system's pool. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  return client;
}

export async function dropSchema(client: pg.Client, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

export async function countOf(client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await client.query<{ n: string | number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll pending() until it reaches 0; returns the time it did. Only used once the handler side is done. */
async function drained(system: System, limitMs: number): Promise<number> {
  const until = preciseNow() + limitMs;
  for (;;) {
    if ((await system.pending()) === 0) return preciseNow();
    if (preciseNow() > until) throw new Error(`${system.name}: jobs still pending after ${limitMs / 1000} s`);
    await sleep(2);
  }
}

/**
 * VACUUM ANALYZE the system's tables: the processing phase leaves tens of thousands of dead rows
 * (updated or deleted jobs), and autovacuum cleaning them up on a small machine would land in
 * the latency window of whichever system it happened to hit.
 */
async function settle(schema: string): Promise<void> {
  const client = await adminClient();
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1`, [schema]);
    for (const { name } of rows) await client.query(`VACUUM ANALYZE ${schema}."${name}"`);
  } finally {
    await client.end();
  }
  await sleep(500);
}

export async function measure(system: System, s: Settings): Promise<Figures> {
  const limit = 600_000;
  await system.setup();

  // 1. Enqueue: N jobs in bulk calls of `batch`, no workers running.
  let t0 = preciseNow();
  for (let i = 0; i < s.jobs; i += s.batch) await system.addMany(Math.min(s.batch, s.jobs - i));
  const enqueuePerSecond = s.jobs / ((preciseNow() - t0) / 1000);

  // 2. Processing: the backlog, from the first job's start to the last one durably completed.
  const processed = system.expect(s.jobs);
  await system.startWorkers();
  const { first } = await within(processed, limit, `${system.name}: processing`);
  const last = await drained(system, limit);
  const processPerSecond = s.jobs / ((last - first) / 1000);
  await settle(system.schema);

  // 3. Add-to-start: one job at a time at a steady rate, the workers idle and waiting.
  const warmup = Math.round(s.rate * s.warmupSeconds);
  const total = warmup + Math.round(s.rate * s.seconds);
  const started = system.expect(total);
  const adds: Promise<void>[] = [];
  t0 = preciseNow() + 20;
  for (let k = 0; k < total; k++) {
    const at = t0 + (k * 1000) / s.rate;
    const wait = at - preciseNow();
    if (wait > 1) await sleep(wait);
    adds.push(system.addOne(k < warmup ? {} : { t: preciseNow() }));
  }
  await Promise.all(adds);
  const { samples } = await within(started, limit, `${system.name}: latency phase`);
  await drained(system, limit);

  await system.close();
  return { system: system.name, enqueuePerSecond, processPerSecond, latency: summarize(samples), jobs: s.jobs, notes: system.notes };
}

/** Settings from the environment: BENCH_QUICK=1 for a short run; BENCH_CONCURRENCY to change 24. */
export function settings(): Settings {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    jobs: Number(process.env.BENCH_JOBS ?? (quick ? 5_000 : 50_000)),
    batch: 1000,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 24),
    rate: 200,
    seconds: quick ? 3 : 10,
    warmupSeconds: 1,
  };
}
