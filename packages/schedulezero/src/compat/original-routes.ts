import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../engine/engine.js';

/** The original ScheduleZero's HTTP routes (/api/health, /api/schedule, ...), same shapes, this engine. */
export const originalRoutes: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  void app;
  void engine;
};
