import type { Engine } from '../engine/engine.js';
import type { Logger } from '../domain/logger.js';
import { AppError } from '../domain/errors.js';
import { ConfigError } from '../server/config-error.js';
import { commandArgv, commandHandlerMethods } from './command-handler.js';
import { displayUrl, httpHandlerMethods } from './http-handler.js';
import type { HandlerRegistry } from './registry.js';

export interface RegistryHandlerDeps {
  logger: Logger;
}

/** Runs of one http or command handler at once, unless the registry says otherwise. */
export const DEFAULT_REGISTRY_CONCURRENCY = 4;

/**
 * Register the registry's http and command handlers with the engine as in-process handlers:
 * the server itself POSTs to the webhook or spawns the program for each run. (Worker handlers
 * pull their work; the governor starts those that have a `run` section.)
 */
export async function registerRegistryHandlers(engine: Engine, registry: HandlerRegistry, deps: RegistryHandlerDeps): Promise<void> {
  for (const handler of registry.handlers) {
    if (handler.type === 'worker') continue;
    const methods = handler.type === 'http' ? httpHandlerMethods(handler, deps) : commandHandlerMethods(handler, deps);
    try {
      await engine.registerLocalHandler(handler.id, methods, { concurrency: handler.concurrency ?? DEFAULT_REGISTRY_CONCURRENCY });
    } catch (err) {
      // The embedding code registered an in-process handler of the same id (beforeStart).
      if (err instanceof AppError) throw new ConfigError(`${handler.where}: handler "${handler.id}": ${err.message}`);
      throw err;
    }
    deps.logger.info(
      {
        handler: handler.id,
        type: handler.type,
        methods: Object.keys(methods),
        // Where it goes, never how it signs: the secret stays out of the logs.
        ...(handler.type === 'http' ? { url: displayUrl(handler.url), signed: handler.secret !== null } : { program: commandArgv(handler.command).file }),
      },
      'registry handler ready',
    );
  }
}

export { verifySignature, signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER, RUN_ID_HEADER, ATTEMPT_HEADER, DEFAULT_TOLERANCE_SECONDS } from './signature.js';
