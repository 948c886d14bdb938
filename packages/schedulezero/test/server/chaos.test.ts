import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { client, freePort, tempDir, waitFor } from '../helpers.js';
import { bySchedule, checkExecutions, duplicateOccurrences, occurrenceGaps, percentile, type RunFact } from './chaos-check.js';
import { ChaosNode, type UnexpectedExit } from './chaos-node.js';
import { planChaos, type ChaosEvent } from './chaos-plan.js';
import { HANDLER, METHOD, startWorkers, vanishingWorker, type WorkerPool } from './chaos-workers.js';
import { destroyPgClusters, pgClusterUnavailable, startPgCluster, type PgCluster } from './pg-cluster.js';

/**
 * The acceptance test of scale-out: three real nodes on one PostgreSQL, 200 schedules firing
 * every second, SDK workers attached to different nodes, a node SIGKILLed every 8 to 12 seconds
 * (and brought back 1 to 2 seconds later), one PostgreSQL restart half way, a worker that dies
 * with jobs in hand; about a minute of it. Then: no occurrence recorded twice, none lost, every
 * run finished (or retried to the end of its policy), every success really executed.
 *
 * The chaos is drawn from a seed, printed at the start: CHAOS_SEED=<seed> replays it.
 */
const unavailable = pgClusterUnavailable();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`chaos test skipped: ${unavailable}`);

const NODES = 3;
const SCHEDULES = 200;
const PERIOD_MS = 1000;
const CHAOS_MS = 60_000;
const WORKERS_PER_NODE = 2;
const MAX_ATTEMPTS = 3;
const LEASE_SECONDS = 5;
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'missed'];

/**
 * The misfire policy, chosen so that losing nothing is the rule to check:
 * - catch_up `all` with a limit far above any outage: occurrences that fell due while no node
 *   could fire (the database restart) are all run when firing resumes (planner: downtime
 *   occurrences up to catch_up_limit);
 * - a grace of 30 s, longer than any outage here: no run is `missed` for starting late, and an
 *   occurrence a restarted node finds overdue counts as live, not as downtime (the planner's
 *   downtime cut is its start less the grace);
 * - max_instances 50, far above the backlog one schedule can build in a few seconds: no
 *   occurrence is `missed` for overlap;
 * - three attempts, half a second apart: runs lost with a dead worker are retried.
 * Hence the expected-gap rule: none. Every occurrence from a schedule's first to its last is
 * recorded, one period apart, and no run ends `missed`.
 */
const SCHEDULE_POLICY = {
  misfire_grace_seconds: 30,
  catch_up: 'all',
  catch_up_limit: 1000,
  max_instances: 50,
  retry: { max_attempts: MAX_ATTEMPTS, initial_delay_seconds: 0.5, backoff_factor: 1 },
} as const;

interface KillRecord {
  node: number;
  killedAt: number;
  downMs: number;
  /** When the node answered its health check again. */
  backAt: number | null;
}

describe.skipIf(unavailable !== null && !mustRun)('chaos: three nodes, node kills and a PostgreSQL restart', () => {
  const dir = tempDir('sz-chaos-');
  let cluster: PgCluster | undefined;
  const nodes: ChaosNode[] = [];
  let pool: WorkerPool | undefined;
  const unexpectedExits: UnexpectedExit[] = [];

  afterAll(async () => {
    // Workers first, while the nodes still answer (their stop reports what is in flight);
    // bounded, since a stuck report must not hold the clean-up.
    await Promise.race([pool?.stop(), new Promise((r) => setTimeout(r, 15_000))]);
    await Promise.all(nodes.map((n) => n.kill()));
    await cluster?.destroy();
    await destroyPgClusters();
    dir.cleanup();
  }, 60_000);

  it('records every occurrence once, loses none, and finishes every run', async () => {
    console.log(`chaos seed ${SEED} (CHAOS_SEED=${SEED} replays it)`);
    const started = Date.now();
    cluster = await startPgCluster();
    const configFile = join(dir.path, 'schedulezero.yaml');
    // A short lease so that the vanishing worker's runs come back within the test.
    writeFileSync(configFile, `lease_seconds: ${LEASE_SECONDS}\nheartbeat_seconds: 1\nshutdown_grace_seconds: 2\n`);
    for (let i = 0; i < NODES; i++) {
      nodes.push(
        new ChaosNode({ name: `node${i}`, port: await freePort(), databaseUrl: cluster.url, configFile, cwd: dir.path }, (exit) => {
          unexpectedExits.push(exit);
        }),
      );
    }
    // The first node alone creates the schema; the others then start together.
    await nodes[0]!.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));

    const kills: KillRecord[] = [];
    let pgRestart: { at: number; took: number } | null = null;
    let vanished: string[] = [];
    let pauseStart = 0;

    try {
      pool = await startWorkers(
        nodes.map((n) => n.url),
        WORKERS_PER_NODE,
        8,
      );
      const api = client(nodes[0]!.url);
      for (let i = 0; i < SCHEDULES; i += 20) {
        const batch = Array.from({ length: Math.min(20, SCHEDULES - i) }, (_, j) =>
          api('POST', '/api/v1/schedules', { id: `c${i + j}`, handler: HANDLER, method: METHOD, trigger: { type: 'interval', seconds: PERIOD_MS / 1000 }, ...SCHEDULE_POLICY }),
        );
        for (const res of await Promise.all(batch)) expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      console.log(`set up in ${Date.now() - started} ms`);

      // --- the chaos ---------------------------------------------------------------------------
      const plan = planChaos({ seed: SEED, nodes: NODES, durationMs: CHAOS_MS, killEveryMs: [8_000, 12_000], nodeDownMs: [1_000, 2_000], pgDownMs: 2_000 });
      console.log(`plan: ${plan.map((e) => (e.kind === 'kill' ? `${e.at}ms kill node${e.node} for ${e.downMs}ms` : `${e.at}ms PostgreSQL restart, ${e.downMs}ms down`)).join('; ')}`);
      const t0 = Date.now();
      const restarts: Promise<void>[] = [];
      // A worker that dies with jobs in hand, before the first kill.
      const vanishing = new Promise((r) => setTimeout(r, 3_000)).then(async () => {
        vanished = await vanishingWorker(nodes[NODES - 1]!.url, 5);
      });
      vanishing.catch(() => undefined);
      const run = async (event: ChaosEvent) => {
        if (event.kind === 'pg-restart') {
          const at = Date.now();
          await cluster!.restart({ downMs: event.downMs });
          pgRestart = { at, took: Date.now() - at };
          return;
        }
        const node = nodes[event.node]!;
        const record: KillRecord = { node: event.node, killedAt: Date.now(), downMs: event.downMs, backAt: null };
        kills.push(record);
        await node.kill();
        const back = new Promise((r) => setTimeout(r, event.downMs))
          .then(() => node.start())
          .then(() => {
            record.backAt = Date.now();
          });
        // Awaited before the next event; a failure meanwhile is not an unhandled rejection.
        back.catch(() => undefined);
        restarts.push(back);
      };
      for (const event of plan) {
        const wait = t0 + event.at - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        // A node starts in 1 to 7 s on a busy 2-CPU machine: the next event waits for it, so that
        // two nodes are never down at once and the database never goes away under a starting node.
        await Promise.all(restarts);
        await run(event);
      }
      const left = t0 + CHAOS_MS - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      await Promise.all(restarts);
      await vanishing;

      // --- quiet down --------------------------------------------------------------------------
      pauseStart = Date.now();
      for (let i = 0; i < SCHEDULES; i += 20) {
        const batch = Array.from({ length: Math.min(20, SCHEDULES - i) }, (_, j) => client(nodes[(i + j) % NODES]!.url)('POST', `/api/v1/schedules/c${i + j}/pause`));
        for (const res of await Promise.all(batch)) expect(res.status).toBeLessThan(300);
      }
      const db = new pg.Client({ connectionString: cluster.url });
      await db.connect();
      try {
        const active = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM runs WHERE status IN ('queued', 'running')`)).rows[0]!.n);
        const quiet = await waitFor(async () => ((await active()) === 0 ? true : null), 30_000, 250).catch(() => false);
        console.log(`quiet ${quiet ? 'after' : 'NOT within'} ${Date.now() - pauseStart} ms from the pause`);
        await checkAll(db, { kills, pgRestart, vanished, pauseStart, t0 });
      } finally {
        await db.end();
      }
      expect(unexpectedExits, 'nodes exited on their own').toEqual([]);
      console.log(`chaos test done in ${Date.now() - started} ms`);
    } catch (err) {
      for (const n of nodes) console.error(`===== ${n.name} output (tail) =====\n${n.output().slice(-6000)}`);
      console.error(`===== worker log (tail) =====\n${(pool?.log ?? []).slice(-60).join('\n')}`);
      console.error(`seed ${SEED}; unexpected exits: ${JSON.stringify(unexpectedExits)}`);
      throw err;
    }
  }, 240_000);

  async function checkAll(
    db: pg.Client,
    ctx: { kills: KillRecord[]; pgRestart: { at: number; took: number } | null; vanished: string[]; pauseStart: number; t0: number },
  ): Promise<void> {
    const runs = (
      await db.query<RunFact & { started_at: number | null }>(
        `SELECT id, schedule_id, scheduled_at::float8 AS scheduled_at, status, attempt, error->>'type' AS error_type,
                created_at::float8 AS created_at, started_at::float8 AS started_at
         FROM runs WHERE origin = 'scheduled'`,
      )
    ).rows;
    const schedules = (await db.query<{ id: string; created_at: number }>(`SELECT id, created_at::float8 AS created_at FROM schedules`)).rows;
    const attempts = (await db.query<{ run_id: string; attempt: number; status: string }>(`SELECT run_id, attempt, status FROM attempts`)).rows;
    const executions = pool!.executions;

    // --- summary -----------------------------------------------------------------------------
    const byStatus: Record<string, number> = {};
    for (const r of runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const fireLag = runs.map((r) => r.created_at - r.scheduled_at);
    const startLag = runs.filter((r) => r.attempt === 1 && r.started_at !== null).map((r) => r.started_at! - r.scheduled_at);
    // Per kill: how long the node was away (down time + start-up), and how soon after it was
    // back its own workers got a job through it again.
    const backToWork = ctx.kills.map((k) => {
      const next = k.backAt === null ? undefined : executions.find((e) => e.worker.startsWith(`w${k.node}.`) && e.at > k.backAt!);
      return {
        node: k.node,
        at: k.killedAt - ctx.t0,
        away: k.backAt === null ? null : k.backAt - k.killedAt,
        startup: k.backAt === null ? null : k.backAt - k.killedAt - k.downMs,
        workersBackAfter: next ? next.at - k.backAt! : null,
      };
    });
    console.log(
      [
        `occurrences ${runs.length} over ${schedules.length} schedules; runs by status ${JSON.stringify(byStatus)}`,
        `retried runs (attempt > 1) ${runs.filter((r) => r.attempt > 1).length}; ended attempts ${JSON.stringify(countBy(attempts.map((a) => a.status)))}`,
        `executions ${executions.length}; fire lag ms p50 ${percentile(fireLag, 50)} p99 ${percentile(fireLag, 99)} max ${percentile(fireLag, 100)}; start lag (first attempts) ms p50 ${percentile(startLag, 50)} p99 ${percentile(startLag, 99)} max ${percentile(startLag, 100)}`,
        `kills ${JSON.stringify(backToWork)}`,
        `PostgreSQL restart ${ctx.pgRestart ? `at ${ctx.pgRestart.at - ctx.t0} ms, took ${ctx.pgRestart.took} ms` : 'did not happen'}; vanishing worker took ${ctx.vanished.length} run(s)`,
      ].join('\n'),
    );

    // (1) No occurrence recorded twice.
    expect(duplicateOccurrences(runs)).toEqual([]);

    // (2) None lost: every schedule fired from its creation to the pause, one period apart.
    expect(schedules).toHaveLength(SCHEDULES);
    const perSchedule = bySchedule(runs);
    expect(perSchedule.size).toBe(SCHEDULES);
    expect(occurrenceGaps(perSchedule, PERIOD_MS)).toEqual([]);
    const created = new Map(schedules.map((s) => [s.id, s.created_at]));
    const lateFirst = [...perSchedule].filter(([id, list]) => list[0]!.scheduled_at - created.get(id)! > PERIOD_MS);
    expect(lateFirst.map(([id]) => id)).toEqual([]);
    // An occurrence due before the pause may still be waiting for its firing pass; not 3 s worth.
    const stoppedEarly = [...perSchedule].filter(([, list]) => list.at(-1)!.scheduled_at < ctx.pauseStart - 3 * PERIOD_MS);
    expect(stoppedEarly.map(([id, list]) => `${id} last ${list.at(-1)!.scheduled_at - ctx.pauseStart} ms before the pause`)).toEqual([]);
    expect(runs.filter((r) => r.status === 'missed').map((r) => `${r.id} ${r.error_type}`)).toEqual([]);

    // (3) Every run finished; the few that did not succeed used all their attempts. A run left
    // `running` is shown with its worker: an online worker that is not running anything means
    // the poll answer that handed it out was lost with its node.
    const unfinished = runs.filter((r) => !TERMINAL.includes(r.status));
    const held = (await db.query<{ id: string; worker: string | null; worker_status: string | null }>(
      `SELECT r.id, w.name AS worker, w.status AS worker_status FROM runs r LEFT JOIN workers w ON w.id = r.worker_id WHERE r.id = ANY($1::text[])`,
      [unfinished.map((r) => r.id)],
    )).rows;
    const idle = pool!.workers.filter((w) => w.worker.running === 0).map((w) => w.name);
    expect(
      unfinished.map((r) => {
        const h = held.find((x) => x.id === r.id);
        return `${r.id} ${r.status} attempt ${r.attempt}, scheduled ${r.scheduled_at - ctx.t0} ms into the chaos, worker ${h?.worker ?? '-'} (${h?.worker_status ?? '-'})`;
      }),
      `runs left running; SDK workers running nothing now: ${idle.join(', ')} (a run held by one of these was handed out by a poll whose answer never arrived)`,
    ).toEqual([]);
    const unsuccessful = runs.filter((r) => r.status !== 'succeeded');
    expect(unsuccessful.filter((r) => r.attempt < MAX_ATTEMPTS).map((r) => `${r.id} ${r.status} after ${r.attempt} attempt(s)`)).toEqual([]);
    expect(unsuccessful.length).toBeLessThanOrEqual(5);

    // The vanishing worker's runs: attempt 1 lost with it, then retried to success elsewhere.
    expect(ctx.vanished.length).toBeGreaterThan(0);
    for (const id of ctx.vanished) {
      const run = runs.find((r) => r.id === id);
      expect(run, id).toMatchObject({ status: 'succeeded' });
      expect(run!.attempt).toBeGreaterThan(1);
      expect(attempts.find((a) => a.run_id === id && a.attempt === 1)?.status).toBe('lost');
    }

    // (4) What the workers saw: each success executed (in its last attempt), no attempt twice.
    const report = checkExecutions(runs, executions);
    expect(report.succeededNotExecuted).toEqual([]);
    expect(report.sameAttemptTwice).toEqual([]);
    expect(report.mismatched).toEqual([]);
    console.log(`runs executed more than once (each under a higher attempt): ${report.reExecuted}`);
  }
});

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
