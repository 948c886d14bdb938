import type { FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';
import { buildApp } from './app.js';
import { ConfigError, DEFAULT_CONFIG, isLoopback, sqliteFilename, type ServerConfig } from './config.js';
import { acquireServerLock } from './lock.js';
import { loadPortalConfig, type ResolvedPortalConfig } from '../portal/config/load.js';
import { openStore } from './store-factory.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8888 */
  url: string;
  port: number;
  app: FastifyInstance;
  engine: Engine;
  store: Store;
  logger: PinoLogger;
  /** Graceful stop: no new work, running in-process runs get the grace period, then exit. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: PinoLogger;
  /** Called after the engine exists and before it starts: register in-process handlers here. */
  beforeStart?: (engine: Engine) => Promise<void> | void;
  /** Engine tuning for tests (e.g. a faster reaper). */
  reapIntervalMs?: number;
}

export function createLogger(level: string): PinoLogger {
  return pino({
    level,
    // Tokens never reach the logs, whatever a log call is handed.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token', '*.token'], censor: '[redacted]' },
  });
}

/** Open the store, start the engine and listen. */
export async function startServer(partial: Partial<ServerConfig> = {}, options: StartOptions = {}): Promise<RunningServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...partial };
  const logger = options.logger ?? createLogger(config.log_level);

  const sqliteFile = config.database_url.startsWith('sqlite:') ? sqliteFilename(config.database_url) : ':memory:';
  const lock = sqliteFile === ':memory:' ? null : acquireServerLock(sqliteFile);
  let store: Store;
  try {
    store = await openStore(config.database_url);
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    if (!isLoopback(config.host) && !config.allow_open_bind) {
      const hasTokens = config.api_token_hashes.length > 0 || (await store.listTokens()).length > 0;
      if (!hasTokens) {
        throw new ConfigError(
          `refusing to listen on ${config.host} without API tokens: anyone on the network could run jobs. ` +
            'Create a token (schedulezero tokens create), set SCHEDULEZERO_API_TOKENS, or allow an open bind explicitly (--allow-open-bind).',
        );
      }
    }

    const engine = new Engine({
      store,
      logger: logger.child({ component: 'engine' }),
      heartbeatSeconds: config.heartbeat_seconds,
      leaseSeconds: config.lease_seconds,
      retention: config.retention,
      ...(options.reapIntervalMs ? { reapIntervalMs: options.reapIntervalMs } : {}),
    });
    await options.beforeStart?.(engine);
    let portal: ResolvedPortalConfig | null = null;
    if (config.portal) {
      const loaded = loadPortalConfig(config.portal_config ? { flag: config.portal_config } : {});
      for (const warning of loaded.warnings) logger.warn(warning);
      portal = loaded.config;
      if (portal.file) logger.info({ file: portal.file }, 'portal config loaded');
    }
    const app = await buildApp({ engine, logger, apiTokenHashes: config.api_token_hashes, portal });
    await engine.start();
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    logger.info({ url, database: config.database_url.replace(/\/\/[^@]*@/, '//***@') }, 'ScheduleZero listening');

    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        // Stop handing out work first (waiting polls answer empty), keep HTTP up for the grace
        // period so that workers can still report, then close the rest.
        await engine.stop(config.shutdown_grace_seconds * 1000);
        await app.close();
        await store.close();
        lock?.release();
      })());
    return { url, port, app, engine, store, logger, close };
  } catch (err) {
    await store.close();
    lock?.release();
    throw err;
  }
}
