/**
 * The remote side of "ScheduleZero, remote worker": an SDK Worker in its own process, as a real
 * handler would run. argv: SERVER_URL CONCURRENCY. Messages from the parent: {expect: n} arms the
 * tracker (the result goes back as {result}), {start} starts the worker, {stop} stops it.
 */
import { Worker } from '@schedulezero/handler';
import { Tracker, type Payload } from './measure.js';

const [url, concurrencyText] = process.argv.slice(2);
const tracker = new Tracker();
const worker = new Worker({
  server: url!,
  handler: 'bench',
  concurrency: Number(concurrencyText),
  methods: { noop: (params) => tracker.hit(params as Payload) },
  logger: { info: () => undefined, warn: () => undefined, error: (message) => console.error(message) },
});

process.on('message', async (m: { expect?: number; start?: boolean; stop?: boolean }) => {
  if (m.expect !== undefined) void tracker.expect(m.expect).then((result) => process.send?.({ result }));
  if (m.start) {
    await worker.start();
    process.send?.({ ready: true });
  }
  if (m.stop) {
    await worker.stop();
    process.exit(0);
  }
});
