import type { Command } from 'commander';
import { CliError } from '../client.js';

interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
  database?: string;
  logLevel?: string;
  allowOpenBind?: boolean;
  portalConfig?: string;
  portal?: boolean;
  handlerRegistry?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the scheduler server (engine, REST API, worker protocol, web portal)')
    .option('--config <file>', 'settings file (YAML); default ./schedulezero.yaml when present')
    .option('--host <host>', 'interface to listen on (env SCHEDULEZERO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env SCHEDULEZERO_PORT, default 8888)')
    .option('--database <url>', 'database URL (env SCHEDULEZERO_DATABASE_URL, default sqlite:./data/schedulezero.db)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace (env LOG_LEVEL)')
    .option('--allow-open-bind', 'allow a non-loopback address without API tokens')
    .option('--portal-config <file>', 'portal_config.yaml (env SCHEDULEZERO_PORTAL_CONFIG, default ./portal_config.yaml when present)')
    .option('--no-portal', 'serve the API only, without the web portal')
    .option('--handler-registry <file>', 'handler_registry.yaml (env SCHEDULEZERO_HANDLER_REGISTRY, default ./handler_registry.yaml when present)')
    .action(async (o: ServeOptions) => {
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port "${o.port}" is not a port number`, 2);
      }
      // Loaded on demand: the other commands should not pay for the server's start-up.
      const { loadConfig } = await import('../../server/config.js');
      const { startServer } = await import('../../server/server.js');
      const config = loadConfig({
        config: o.config,
        host: o.host,
        port,
        databaseUrl: o.database,
        logLevel: o.logLevel,
        allowOpenBind: o.allowOpenBind,
        portalConfig: o.portalConfig,
        portal: o.portal === false ? false : undefined,
        handlerRegistry: o.handlerRegistry,
      });
      const server = await startServer(config);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) {
          server.logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        server.logger.info({ signal }, 'shutting down: finishing running work');
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}
