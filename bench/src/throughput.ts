import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { Engine, SqliteStore, startServer, type OneOffRunInput, type RunRow } from 'schedulezero';
import { preciseNow } from './stats.js';
import { tempDatabase } from './setup.js';

const BATCH = 1000;

/** Resolves when `total` runs have reached `succeeded`. */
function countSucceeded(engine: Engine, total: number): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    const onRun = (run: RunRow) => {
      if (run.status === 'succeeded' && ++done === total) {
        engine.events.off('run.updated', onRun);
        resolve();
      }
    };
    engine.events.on('run.updated', onRun);
  });
}

async function enqueue(engine: Engine, handler: string, method: string, total: number): Promise<void> {
  for (let i = 0; i < total; i += BATCH) {
    const batch: OneOffRunInput[] = Array.from({ length: Math.min(BATCH, total - i) }, () => ({ handler, method }));
    await engine.createRuns(batch);
    // Let dispatching and completions interleave with enqueueing, as in real use.
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Baseline: the storage floor. The same three writes per run that the engine needs (create,
 * start, finish), on raw better-sqlite3 with the same pragmas, batched per transaction.
 */
export function sqliteBaseline(total: number): number {
  const db = tempDatabase('sqlite-baseline');
  const sqlite = new Database(db.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, status TEXT NOT NULL, payload TEXT NOT NULL,
               started_at INTEGER, finished_at INTEGER, result TEXT)`);
  const insert = sqlite.prepare(`INSERT INTO runs (id, status, payload) VALUES (?, 'queued', '{}')`);
  const start = sqlite.prepare(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ?`);
  const finish = sqlite.prepare(`UPDATE runs SET status = 'succeeded', finished_at = ?, result = 'null' WHERE id = ?`);
  const t0 = preciseNow();
  for (let i = 0; i < total; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => `run-${i + k}`);
    sqlite.transaction(() => ids.forEach((id) => insert.run(id)))();
    sqlite.transaction(() => ids.forEach((id) => start.run(Date.now(), id)))();
    for (const id of ids) finish.run(Date.now(), id);
  }
  const seconds = (preciseNow() - t0) / 1000;
  sqlite.close();
  db.cleanup();
  return total / seconds;
}

/** One-off runs through in-process handlers: runs/s from enqueue to the last success. */
export async function throughputInProcess(total: number): Promise<number> {
  const db = tempDatabase('throughput');
  const store = new SqliteStore({ filename: db.file });
  await store.migrate();
  const engine = new Engine({ store });
  await engine.registerLocalHandler('throughput', { noop: () => null }, { concurrency: 1000 });
  await engine.start();
  const finished = countSucceeded(engine, total);
  const t0 = preciseNow();
  await enqueue(engine, 'throughput', 'noop', total);
  await finished;
  const seconds = (preciseNow() - t0) / 1000;
  await engine.stop(1000);
  await store.close();
  db.cleanup();
  return total / seconds;
}

/** One-off runs through a remote SDK worker (separate process) polling in batches over HTTP. */
export async function throughputHttp(total: number, concurrency: number): Promise<number> {
  const db = tempDatabase('throughput-http');
  const server = await startServer({ port: 0, database_url: db.url, log_level: 'error' });
  const child = fork(fileURLToPath(new URL('./worker-child.js', import.meta.url)), ['throughput', server.url, String(concurrency)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const finished = countSucceeded(server.engine, total);
  const t0 = preciseNow();
  await enqueue(server.engine, 'throughput', 'noop', total);
  await finished;
  const seconds = (preciseNow() - t0) / 1000;
  child.send({ stop: true });
  await new Promise((r) => child.once('exit', r));
  await server.close();
  db.cleanup();
  return total / seconds;
}

/** Baseline: bare Fastify answering the same number of JSON POSTs from the same kind of client. */
export async function httpBaseline(requests: number, concurrency: number): Promise<number> {
  const app = Fastify();
  app.post('/echo', async () => ({ cancel_requested: false }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const child = fork(
    fileURLToPath(new URL('./worker-child.js', import.meta.url)),
    ['http-baseline', `http://127.0.0.1:${port}`, String(concurrency), String(requests)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const { seconds } = await new Promise<{ seconds: number }>((resolve) => child.once('message', (m) => resolve(m as { seconds: number })));
  await app.close();
  return requests / seconds;
}
