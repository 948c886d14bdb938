import type { FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';
import { buildApp } from './app.js';
import { ConfigError, DEFAULT_CONFIG, isLoopback, sqliteFilename, type ServerConfig } from './config.js';
import { acquireServerLock } from './lock.js';
import { loadPortalConfig, type ResolvedPortalConfig } from '../portal/config/load.js';
import { startZmqBridge } from '../compat/zeromq/bridge.js';
import { startGovernor, type Governor } from '../governor/index.js';
import { HandlerCatalog } from '../handlers/catalog.js';
import { registerRegistryHandlers } from '../handlers/index.js';
import { findHandlerRegistry, loadHandlerRegistry } from '../handlers/registry.js';
import { openStore } from './store-factory.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8888 */
  url: string;
  port: number;
  app: FastifyInstance;
  engine: Engine;
  store: Store;
  logger: PinoLogger;
  /** Process supervision of the registry's worker handlers (empty when none has `run`). */
  governor: () => Governor | null;
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
    store = await openStore(config.database_url, process.cwd(), logger.child({ component: 'database' }));
  } catch (err) {
    lock?.release();
    throw err;
  }
  // What has started so far, for a clean stop when a later step of start-up fails.
  let started: { engine?: Engine; app?: FastifyInstance; governor?: Governor } = {};
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

    // The registry is read before anything starts: a mistake in it stops start-up with its place.
    const registry = loadHandlerRegistry(findHandlerRegistry(config.handler_registry));
    const engine = new Engine({
      store,
      catalog: new HandlerCatalog(registry),
      logger: logger.child({ component: 'engine' }),
      heartbeatSeconds: config.heartbeat_seconds,
      leaseSeconds: config.lease_seconds,
      retention: config.retention,
      ...(options.reapIntervalMs ? { reapIntervalMs: options.reapIntervalMs } : {}),
    });
    started.engine = engine;
    await options.beforeStart?.(engine);
    await registerRegistryHandlers(engine, registry, { logger: logger.child({ component: 'handlers' }) });
    let portal: ResolvedPortalConfig | null = null;
    if (config.portal) {
      const loaded = loadPortalConfig(config.portal_config ? { flag: config.portal_config } : {});
      for (const warning of loaded.warnings) logger.warn(warning);
      portal = loaded.config;
      if (portal.file) logger.info({ file: portal.file }, 'portal config loaded');
    }
    let governor: Governor | null = null;
    const app = await buildApp({ engine, logger, apiTokenHashes: config.api_token_hashes, portal, governor: () => governor });
    started.app = app;
    await engine.start();
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    logger.info({ url, database: config.database_url.replace(/\/\/[^@]*@/, '//***@') }, 'ScheduleZero listening');
    // Supervised workers and ZeroMQ handlers connect to a server that is already listening.
    governor = await startGovernor(registry, { logger: logger.child({ component: 'governor' }), serverUrl: url });
    started.governor = governor;
    const zmq = config.zmq
      ? await startZmqBridge(engine, { endpoint: `tcp://${config.zmq.host}:${config.zmq.port}`, logger: logger.child({ component: 'zeromq' }) }).catch(
          (err: unknown) => {
            // A taken port is a settings problem: said as one (exit code 2, no stack).
            throw new ConfigError((err as Error).message);
          },
        )
      : null;
    started = {};

    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        // Supervised workers are asked to stop first (they finish and report their jobs), then
        // the engine stops handing out work (waiting polls answer empty); HTTP stays up for the
        // grace period so that workers can still report, then the rest closes.
        await governor?.stop();
        await engine.stop(config.shutdown_grace_seconds * 1000);
        // After the engine: a ZeroMQ job handed out meanwhile still gets its reply.
        await zmq?.close();
        await app.close();
        await store.close();
        lock?.release();
      })());
    return { url, port, app, engine, store, logger, governor: () => governor, close };
  } catch (err) {
    await started.governor?.stop().catch(() => undefined);
    await started.engine?.stop(0).catch(() => undefined);
    await started.app?.close().catch(() => undefined);
    await store.close();
    lock?.release();
    throw err;
  }
}
