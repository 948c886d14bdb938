import { Command, CommanderError } from 'commander';
import { ConfigError } from '../server/config-error.js';
import { VERSION } from '../version.js';
import { ApiClient, CliError } from './client.js';
import { registerDocsCommands } from './commands/docs.js';
import { registerGovernorCommands } from './commands/governor.js';
import { registerHandlerCommands } from './commands/handlers.js';
import { registerPortalCommands } from './commands/portal.js';
import { registerRunCommands } from './commands/runs.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTokenCommands } from './commands/tokens.js';
import type { CliContext } from './context.js';
import { createPrinter } from './output.js';

export function buildProgram(): Command {
  const program = new Command('schedulezero')
    .description('ScheduleZero: self-hosted job scheduling')
    .version(VERSION)
    .option('--server <url>', 'API base URL (env SCHEDULEZERO_SERVER)', process.env.SCHEDULEZERO_SERVER ?? 'http://127.0.0.1:8888')
    .option('--token <token>', 'API token (env SCHEDULEZERO_TOKEN)')
    .option('--json', 'print JSON for scripts')
    .showHelpAfterError()
    .exitOverride();

  const globals = () => program.opts<{ server: string; token?: string; json?: boolean }>();
  const ctx = (): CliContext => {
    const g = globals();
    return {
      client: new ApiClient({ server: g.server, token: g.token ?? process.env.SCHEDULEZERO_TOKEN }),
      out: createPrinter(Boolean(g.json)),
    };
  };

  registerServeCommand(program);
  registerScheduleCommands(program, ctx);
  registerRunCommands(program, ctx);
  registerHandlerCommands(program, ctx);
  registerGovernorCommands(program, ctx);
  registerTokenCommands(program, () => Boolean(globals().json));
  registerPortalCommands(program, () => Boolean(globals().json));
  registerDocsCommands(program, () => Boolean(globals().json));
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`schedulezero: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`schedulezero: configuration error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`schedulezero: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
