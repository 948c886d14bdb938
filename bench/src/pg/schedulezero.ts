/**
 * ScheduleZero on its PostgreSQL store under the common procedure: a real Engine; jobs are
 * one-off runs added with engine.createRuns (bulk: the store's insertRuns, one statement per
 * call), run either by an in-process handler (engine.registerLocalHandler) or by the
 * @schedulezero/handler SDK Worker in another process, long-polling a startServer over HTTP.
 * Default settings throughout (pool of 10 connections).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { Engine, openStore, startServer, type JsonObject, type RunningServer, type Store } from 'schedulezero';
import { adminClient, countOf, dropSchema, DATABASE_URL, Tracker, type Payload, type PhaseResult, type Settings, type System } from './measure.js';

const HANDLER = 'bench';

function storeUrl(schema: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

const oneOff = (params: Payload = {}) => ({ handler: HANDLER, method: 'noop', params: params as JsonObject });

const pendingSql = (schema: string) => `SELECT count(*) AS n FROM ${schema}.runs WHERE status IN ('queued', 'running')`;

/** Engine and in-process handler in this process. */
export function scheduleZeroInProcess(s: Settings): System {
  const schema = 'bench_schedulezero';
  const tracker = new Tracker();
  let admin: pg.Client;
  let store: Store;
  let engine: Engine;
  return {
    name: 'ScheduleZero, in-process',
    schema,
    notes: [`engine.registerLocalHandler concurrency ${s.concurrency}; PostgresStore defaults (pool 10)`],
    async setup() {
      admin = await adminClient();
      await dropSchema(admin, schema);
      store = await openStore(storeUrl(schema));
      engine = new Engine({ store });
      await engine.start();
    },
    async addMany(count) {
      await engine.createRuns(Array.from({ length: count }, () => oneOff()));
    },
    async startWorkers() {
      await engine.registerLocalHandler(HANDLER, { noop: (params) => tracker.hit(params as Payload) }, { concurrency: s.concurrency });
    },
    async addOne(payload) {
      await engine.createRuns([oneOff(payload)]);
    },
    pending: () => countOf(admin, pendingSql(schema)),
    expect: (n) => tracker.expect(n),
    async close() {
      await engine.stop(1000);
      await store.close();
      await dropSchema(admin, schema);
      await admin.end();
    },
  };
}

/** A server (engine + HTTP API) in this process; the SDK worker in a child process (sz-worker.ts). */
export function scheduleZeroRemote(s: Settings): System {
  const schema = 'bench_schedulezero_remote';
  let admin: pg.Client;
  let server: RunningServer;
  let child: ChildProcess | undefined;
  let armed: { n: number; resolve: (r: PhaseResult) => void } | undefined;
  const arm = () => {
    if (child && armed) child.send({ expect: armed.n });
  };
  return {
    name: 'ScheduleZero, remote worker',
    schema,
    notes: [`@schedulezero/handler Worker (concurrency ${s.concurrency}) in another process, long-polling startServer over HTTP`],
    async setup() {
      admin = await adminClient();
      await dropSchema(admin, schema);
      server = await startServer({ port: 0, database_url: storeUrl(schema), log_level: 'error' });
    },
    async addMany(count) {
      await server.engine.createRuns(Array.from({ length: count }, () => oneOff()));
    },
    async startWorkers() {
      child = fork(fileURLToPath(new URL('./sz-worker.js', import.meta.url)), [server.url, String(s.concurrency)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m: { result?: PhaseResult }) => {
        if (m.result && armed) {
          const { resolve } = armed;
          armed = undefined;
          resolve(m.result);
        }
      });
      arm();
      const ready = new Promise<void>((resolve) => child!.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
      child.send({ start: true });
      await ready;
    },
    async addOne(payload) {
      await server.engine.createRuns([oneOff(payload)]);
    },
    pending: () => countOf(admin, pendingSql(schema)),
    expect(n) {
      return new Promise((resolve) => {
        armed = { n, resolve };
        arm();
      });
    },
    async close() {
      if (child) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.send({ stop: true });
        await exited;
      }
      await server.close();
      await dropSchema(admin, schema);
      await admin.end();
    },
  };
}
