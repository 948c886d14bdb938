import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { installOriginalErrors } from './original/errors.js';
import { executionRoutes } from './original/execution-routes.js';
import { jobRoutes } from './original/job-routes.js';
import { RunWaiter } from './original/run-waiter.js';
import { statusRoutes } from './original/status-routes.js';

export interface OriginalRoutesOptions {
  engine: Engine;
  /** Longest POST /api/run_now waits for its run. Default 5 minutes. */
  runNowWaitMs?: number;
}

/**
 * The original ScheduleZero's HTTP routes (/api/health, /api/schedule, ...), same request and
 * response shapes, backed by this engine. Registered under /api beside /api/v1 (none of their
 * paths start with /v1), guarded by the same API tokens, and marked deprecated in the OpenAPI
 * document with their v1 equivalents.
 */
export const originalRoutes: FastifyPluginAsync<OriginalRoutesOptions> = async (app, { engine, runNowWaitMs = 300_000 }) => {
  // Errors of these routes answer in the original's shape (this plugin's context only).
  installOriginalErrors(app);
  const waiter = new RunWaiter(engine);
  app.addHook('onClose', async () => waiter.close());
  await app.register(statusRoutes, { engine });
  await app.register(jobRoutes, { engine, waiter, runNowWaitMs });
  await app.register(executionRoutes, { engine });
};
