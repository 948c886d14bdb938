/**
 * The remote side of the benchmarks, in its own process as a real handler would be:
 * - `lateness URL CONCURRENCY`: an SDK worker recording start - scheduled time per job, plus a
 *   baseline of plain HTTP round trips to the same server.
 * - `throughput URL CONCURRENCY`: an SDK worker running no-op jobs as fast as it can.
 * - `http-baseline URL CONCURRENCY COUNT`: COUNT bare POSTs at CONCURRENCY, the HTTP floor.
 */
import http from 'node:http';
import { Worker } from '@schedulezero/handler';
import { preciseNow } from './stats.js';

const [mode, url, concurrencyText, countText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const send = (message: unknown) => process.send?.(message);

async function rttSamples(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = preciseNow();
    await (await fetch(`${url}/api/v1/health`)).text();
    out.push(preciseNow() - t);
  }
  return out;
}

if (mode === 'lateness') {
  const samples: number[] = [];
  let window = { from: 0, to: Infinity };
  const worker = new Worker({
    server: url!,
    handler: 'remote-bench',
    concurrency,
    methods: {
      tick: (_params, ctx) => {
        const scheduled = ctx.scheduled_at.getTime();
        samples.push(preciseNow() - scheduled, scheduled);
      },
    },
  });
  await worker.start();
  send({ ready: true });
  process.once('message', async (m: { report: { from: number; to: number } }) => {
    window = m.report;
    await worker.stop();
    const inWindow: number[] = [];
    for (let i = 0; i < samples.length; i += 2) {
      if (samples[i + 1]! >= window.from && samples[i + 1]! < window.to) inWindow.push(samples[i]!);
    }
    send({ samples: inWindow, rtt: await rttSamples(2000) });
    process.exit(0);
  });
} else if (mode === 'throughput') {
  const worker = new Worker({ server: url!, handler: 'throughput', concurrency, methods: { noop: () => null } });
  await worker.start();
  send({ ready: true });
  process.once('message', async () => {
    await worker.stop();
    process.exit(0);
  });
} else if (mode === 'http-baseline') {
  // The same kind of client as the SDK: node:http with a keep-alive agent.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(`${url}/echo`);
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end('{"worker_id":"w","status":"succeeded"}');
    });
  const count = Number(countText);
  let next = 0;
  const t0 = preciseNow();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await post();
      }
    }),
  );
  send({ seconds: (preciseNow() - t0) / 1000 });
  process.exit(0);
}
