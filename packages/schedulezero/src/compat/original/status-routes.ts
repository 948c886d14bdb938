import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Engine } from '../../engine/engine.js';
import { knownHandlers } from './handlers.js';
import { describe, HandlerList, Health } from './schemas.js';

export const statusRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  app.get(
    '/health',
    { schema: { ...describe('Health check', 'GET /api/v1/health'), response: { 200: Health } } },
    async () => ({ status: 'ok' as const, service: 'ScheduleZero' as const }),
  );

  app.get(
    '/handlers',
    {
      schema: {
        ...describe(
          'List handlers',
          'GET /api/v1/handlers',
          'Status is now real: Connected while a worker of the handler is online (the original always said Disconnected).',
        ),
        response: { 200: HandlerList },
      },
    },
    async () => ({
      handlers: (await knownHandlers(engine)).map((h) => ({
        id: h.id,
        address: h.address,
        methods: h.methods,
        status: h.view?.status === 'online' ? ('Connected' as const) : ('Disconnected' as const),
        type: h.type,
        last_seen: h.view?.last_seen_at ? new Date(h.view.last_seen_at).toISOString() : null,
      })),
    }),
  );
};
