/**
 * ScheduleZero's public API for embedding: start a server, or use the engine and a store directly.
 */
export * from './domain/types.js';
export { AppError, ConflictError, NotFoundError, ValidationError } from './domain/errors.js';
export type { Logger } from './domain/logger.js';
export type * from './store/store.js';
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export { Engine, DEFAULT_SCHEDULE_SETTINGS } from './engine/engine.js';
export type {
  EngineOptions,
  ScheduleInput,
  SchedulePatchInput,
  OneOffRunInput,
  HandlerView,
  ScheduleDefaults,
} from './engine/engine.js';
export type { LocalJobContext, LocalMethod, LocalHandlerOptions } from './engine/local-worker.js';
export { compileTrigger, parseTrigger } from './triggers/index.js';
export type { Trigger } from './triggers/index.js';
export { startServer, createLogger } from './server/server.js';
export type { RunningServer, StartOptions } from './server/server.js';
export { loadConfig, DEFAULT_CONFIG, ConfigError } from './server/config.js';
export type { ServerConfig } from './server/config.js';
export { openStore } from './server/store-factory.js';
export { VERSION } from './version.js';
export { verifySignature, signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER, RUN_ID_HEADER, ATTEMPT_HEADER, DEFAULT_TOLERANCE_SECONDS } from './handlers/signature.js';
export { buildDocs, buildSite, type BuildOptions, type BuildReport } from './docs/build/index.js';
