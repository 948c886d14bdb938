import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Engine } from '../../engine/engine.js';
import { HandlerList } from '../../schemas/worker.js';
import { handlerOut } from '../serialize.js';

export const handlerRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  app.get(
    '/handlers',
    {
      schema: {
        tags: ['handlers'],
        summary: 'List handlers',
        description: 'Each handler with its methods, workers (online, or seen in the last 24 hours) and running count.',
        response: { 200: HandlerList },
      },
    },
    async () => ({ items: (await engine.listHandlers()).map(handlerOut) }),
  );
};
