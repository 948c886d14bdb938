import { Worker, type JobContext, type Logger } from '@schedulezero/handler';
import type { Execution } from './chaos-check.js';

export const HANDLER = 'chaos';
export const METHOD = 'tick';

/** What the workers did, and what they said about it (warnings and errors only). */
export interface WorkerPool {
  /** Each SDK worker with its name (`w<node>.<i>`, also its name on the server). */
  workers: Array<{ name: string; worker: Worker }>;
  executions: Execution[];
  log: string[];
  stop(): Promise<void>;
}

/**
 * SDK workers, `perNode` attached to each node's URL (and only to it: when its node is killed, a
 * worker has to ride out the outage on its own). They run in the test process: the SDK is a
 * library, and this keeps every execution in one list without a side channel. The handler
 * records the execution and returns after a few milliseconds, so that some jobs are in flight
 * at every kill.
 */
export async function startWorkers(urls: readonly string[], perNode: number, concurrency: number): Promise<WorkerPool> {
  const executions: Execution[] = [];
  const log: string[] = [];
  const workers: Array<{ name: string; worker: Worker }> = [];
  urls.forEach((url, n) => {
    for (let i = 0; i < perNode; i++) {
      const name = `w${n}.${i}`;
      const logger: Logger = {
        info: () => undefined,
        warn: (message) => void log.push(`${new Date().toISOString()} ${name} warn: ${message}`),
        error: (message) => void log.push(`${new Date().toISOString()} ${name} error: ${message}`),
      };
      const tick = async (_params: unknown, ctx: JobContext) => {
        executions.push({
          run_id: ctx.run_id,
          attempt: ctx.attempt,
          schedule_id: ctx.schedule_id,
          scheduled_at: ctx.scheduled_at.getTime(),
          worker: name,
          at: Date.now(),
        });
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));
        return { worker: name };
      };
      // Short polls: a worker whose node died finds it back soon after it restarts.
      const worker = new Worker({ server: url, handler: HANDLER, name, methods: { [METHOD]: tick }, concurrency, pollWaitSeconds: 5, logger, retryDelayMs: { initial: 100, max: 1000 } });
      workers.push({ name, worker });
    }
  });
  await Promise.all(workers.map((w) => w.worker.start()));
  return {
    workers,
    executions,
    log,
    stop: async () => {
      await Promise.all(workers.map((w) => w.worker.stop()));
    },
  };
}

/**
 * A worker that dies with jobs in hand, as the server sees a SIGKILLed one: it registers, takes
 * up to `maxJobs` jobs in one poll, and is never heard of again. Its runs must be declared lost
 * when its lease runs out and retried on the others. Returns the run ids it took.
 */
export async function vanishingWorker(url: string, maxJobs: number): Promise<string[]> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as unknown;
  };
  const registered = (await post('/workers', { handler: HANDLER, methods: [METHOD], concurrency: maxJobs, name: 'vanishing' })) as { worker_id: string };
  const taken: string[] = [];
  // The other workers compete for the same runs: ask again until it holds some.
  for (let i = 0; i < 5 && taken.length === 0; i++) {
    const polled = (await post(`/workers/${registered.worker_id}/poll`, { max_jobs: maxJobs, wait_seconds: 5 })) as { jobs: Array<{ run_id: string }> };
    taken.push(...polled.jobs.map((j) => j.run_id));
  }
  return taken;
}
