/**
 * One benchmark scenario with its baseline, run in a process of its own (forked by run.ts), so
 * that no scenario inherits another's heap, timers or file cache. The figures go back over IPC.
 */
import { latenessInProcess, latenessRemote, timerBaseline } from './lateness.js';
import { httpBaseline, sqliteBaseline, throughputHttp, throughputInProcess } from './throughput.js';

export type ScenarioName = 'lateness-local' | 'lateness-remote' | 'throughput-local' | 'throughput-http';

const [name, amountText] = process.argv.slice(2) as [ScenarioName, string];
const amount = Number(amountText);

async function run(): Promise<unknown> {
  switch (name) {
    case 'lateness-local':
      return { baseline: await timerBaseline(amount), value: await latenessInProcess(amount) };
    case 'lateness-remote': {
      const { lateness, rtt } = await latenessRemote(amount);
      return { baseline: rtt, value: lateness };
    }
    case 'throughput-local':
      return { baseline: sqliteBaseline(amount), value: await throughputInProcess(amount) };
    case 'throughput-http':
      return { baseline: await httpBaseline(amount, 64), value: await throughputHttp(amount, 512) };
  }
}

process.send?.(await run());
process.exit(0);
