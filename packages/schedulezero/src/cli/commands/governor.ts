import type { Command } from 'commander';
import type { Logger } from '../../domain/logger.js';
import type { GovernedState } from '../../governor/types.js';
import { CliError } from '../client.js';
import type { CliContext } from '../context.js';
import { createPrinter, shortTime, table, type Printer } from '../output.js';

/** GET /api/v1/governor items (times as ISO strings). */
interface GovernedItem {
  handler: string;
  state: string;
  pid: number | null;
  restarts: number;
  consecutive_crashes: number;
  max_restarts: number;
  last_exit: { code: number | null; signal: string | null; at: string } | null;
  last_error: string | null;
  next_restart_at: string | null;
  since: string;
}

function exitText(exit: { code: number | null; signal: string | null } | null): string | null {
  if (!exit) return null;
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'did not start' : `exit code ${exit.code}`;
}

function noteOf(item: GovernedItem): string {
  if (item.state === 'backoff' && item.next_restart_at) return `restart ${item.consecutive_crashes} of ${item.max_restarts} at ${shortTime(item.next_restart_at)}`;
  return item.last_error ?? '';
}

/** One line per state change of the standalone governor. */
function changeLine(s: GovernedState): string {
  const parts = [shortTime(new Date(s.since).toISOString()), s.handler, s.state];
  const exit = exitText(s.last_exit);
  switch (s.state) {
    case 'running':
      parts.push(`pid ${s.pid}`, s.restarts > 0 ? `(restart ${s.restarts})` : '');
      break;
    case 'backoff':
      parts.push(
        `${s.last_error ?? exit}; restart ${s.consecutive_crashes} of ${s.max_restarts} in ${(((s.next_restart_at ?? s.since) - s.since) / 1000).toFixed(1)} s`,
      );
      break;
    case 'failed':
      parts.push(`gave up after ${s.consecutive_crashes} crashes in a row (${s.last_error ?? exit}); log: ${s.log_file}`);
      break;
    case 'stopping':
      parts.push(`pid ${s.pid}`);
      break;
    case 'stopped':
      if (exit) parts.push(exit);
      break;
    default:
      break;
  }
  return parts.filter(Boolean).join('  ');
}

/** Warnings and errors of the standalone governor, one readable line each on stderr. */
function stderrLogger(json: boolean): Logger {
  const write = (level: string) => (obj: object, msg?: string) => {
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), level, msg, ...obj })
      : `${level}: ${msg ?? ''} ${Object.entries(obj)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')}`.trimEnd();
    process.stderr.write(`${line}\n`);
  };
  return { debug: () => undefined, info: () => undefined, warn: write('warn'), error: write('error') };
}

/**
 * The registry may name secrets (an http handler's secret_env) that only the server's host has;
 * this governor never uses them, so their absence here must not stop it.
 */
async function runStandalone(registryFlag: string | undefined, server: string, out: Printer): Promise<void> {
  const { findHandlerRegistry, loadHandlerRegistry } = await import('../../handlers/registry.js');
  const { governedSpecs, startGovernor } = await import('../../governor/index.js');
  const { governedStateOut } = await import('../../api/serialize.js');
  const file = findHandlerRegistry(registryFlag ?? process.env.SCHEDULEZERO_HANDLER_REGISTRY ?? null);
  if (!file) throw new CliError('no handler registry: pass --registry FILE, set SCHEDULEZERO_HANDLER_REGISTRY, or run where ./handler_registry.yaml is', 2);
  // The governor never signs webhooks: a worker host need not hold the http handlers' secrets.
  const registry = loadHandlerRegistry(file, process.env, { requireSecrets: false });
  const count = governedSpecs(registry).length;
  if (count === 0) throw new CliError(`${file}: no worker handler has a \`run\` section: nothing to supervise`, 2);

  if (!out.json) out.print(`supervising ${count} process${count === 1 ? '' : 'es'} from ${file} for ${server}; SIGTERM or Ctrl-C stops them`);
  const governor = await startGovernor(registry, {
    logger: stderrLogger(out.json),
    serverUrl: server,
    // --json: one JSON object per line (the API's shape), for scripts following the stream.
    onChange: (s) => out.print(out.json ? JSON.stringify(governedStateOut(s)) : changeLine(s)),
  });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // The governor's exit hook SIGKILLs what is still running: nothing is left behind.
        process.stderr.write(`second ${signal}: killing the processes now\n`);
        process.exit(1);
      }
      stopping = true;
      if (!out.json) out.print(`${signal}: stopping (SIGTERM, then SIGKILL after each grace period)`);
      void governor.stop().then(() => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  if (!out.json) out.print('all processes stopped');
}

export function registerGovernorCommands(program: Command, ctx: () => CliContext): void {
  const governor = program
    .command('governor')
    .description(
      'keep the worker handlers of handler_registry.yaml that have a `run` section running, without a scheduler ' +
        '(for another host; the server does this itself for its own). Their SCHEDULEZERO_SERVER is the global --server.',
    )
    .option('--registry <file>', 'handler_registry.yaml (env SCHEDULEZERO_HANDLER_REGISTRY, default ./handler_registry.yaml)')
    .action(async function (this: Command, o: { registry?: string }) {
      const g = this.optsWithGlobals<{ server: string; json?: boolean }>();
      await runStandalone(o.registry, g.server, createPrinter(Boolean(g.json)));
    });

  governor
    .command('status')
    .description("the server's supervised processes: state, pid, restarts, last exit")
    .action(async () => {
      const { client, out } = ctx();
      const list = await client.get<{ items: GovernedItem[] }>('/api/v1/governor');
      out.data(list, () =>
        list.items.length === 0
          ? 'no supervised processes: give a worker handler a `run` section in handler_registry.yaml (see docs/governor.md)'
          : table(
              ['HANDLER', 'STATE', 'PID', 'RESTARTS', 'LAST EXIT', 'SINCE', 'NOTE'],
              list.items.map((p) => [
                p.handler,
                p.state,
                p.pid,
                p.restarts,
                p.last_exit ? `${exitText(p.last_exit)} (${shortTime(p.last_exit.at)})` : null,
                shortTime(p.since),
                noteOf(p),
              ]),
            ),
      );
    });
}
