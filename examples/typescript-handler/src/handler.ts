/**
 * A ScheduleZero handler in TypeScript: run it next to the server (`npm run handler`) and
 * schedule its methods. It connects out to the server, so it can run on any machine that
 * reaches the server's URL.
 *
 *   SCHEDULEZERO_SERVER  the server's URL (default http://127.0.0.1:8888)
 *   SCHEDULEZERO_TOKEN   an API token, when the server has tokens configured
 *   DEMO_CONCURRENCY     jobs at once (default 4)
 */
import { NonRetryableError, Worker, createConsoleLogger, type JobContext, type JsonObject } from '@schedulezero/handler';

const server = process.env.SCHEDULEZERO_SERVER ?? 'http://127.0.0.1:8888';
const token = process.env.SCHEDULEZERO_TOKEN || undefined;
const concurrency = Number(process.env.DEMO_CONCURRENCY ?? 4);

/** Wait `ms`, or throw the abort reason as soon as the job is told to stop. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const methods = {
  /** {"name": "Ada"} -> {"greeting": "Hello, Ada!"} */
  hello(params: JsonObject, ctx: JobContext) {
    const name = typeof params.name === 'string' && params.name ? params.name : 'world';
    return { greeting: `Hello, ${name}!`, attempt: ctx.attempt };
  },

  /** {"seconds": 10}: works for a while, reports progress, and stops when cancelled or timed out. */
  async sleep(params: JsonObject, ctx: JobContext) {
    const seconds = typeof params.seconds === 'number' && params.seconds >= 0 ? params.seconds : 5;
    const started = Date.now();
    const total = seconds * 1000;
    while (Date.now() - started < total) {
      const elapsed = Date.now() - started;
      await ctx.progress((elapsed / total) * 100, `slept ${(elapsed / 1000).toFixed(1)} of ${seconds} s`);
      await pause(Math.min(1000, total - elapsed), ctx.signal);
    }
    return { slept_seconds: seconds };
  },

  /** Always fails, to show retries; {"retryable": false} fails without retrying. */
  fail(params: JsonObject, ctx: JobContext): never {
    const message = typeof params.message === 'string' ? params.message : `failed on purpose (attempt ${ctx.attempt})`;
    if (params.retryable === false) throw new NonRetryableError(message);
    throw new Error(message);
  },
};

const worker = new Worker({
  server,
  ...(token ? { token } : {}),
  handler: 'demo',
  methods,
  concurrency,
  version: '0.1.0',
  logger: createConsoleLogger({ debug: true }), // log every job's start and outcome
});
worker.installSignalHandlers();

console.log(`demo handler: connecting to ${server} (methods: ${Object.keys(methods).join(', ')}; Ctrl-C to stop)`);
try {
  await worker.start();
} catch (err) {
  console.error(`demo handler: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
await worker.stopped;
if (worker.fatalError) process.exitCode = 1;
