import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/engine.js';
import type { Governor } from '../../governor/index.js';
import { handlerDetail } from '../../handlers/detail.js';
import { HandlerDetail } from '../../schemas/handler.js';
import { HandlerList } from '../../schemas/worker.js';
import { handlerDetailOut, handlerOut } from '../serialize.js';

export const handlerRoutes: FastifyPluginAsyncTypebox<{ engine: Engine; governor?: () => Governor | null }> = async (app, { engine, governor = () => null }) => {
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

  app.get(
    '/handlers/:handler',
    {
      schema: {
        tags: ['handlers'],
        summary: 'Show a handler',
        description:
          'Type (worker, http, command, in_process), methods with their parameter schemas and defaults, workers, health, ' +
          'per-method success rate and duration p50/p95 over the last 24 hours, and the governor state of its process.',
        params: Type.Object({ handler: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: HandlerDetail },
      },
    },
    async (request) => handlerDetailOut(await handlerDetail(engine, request.params.handler, governor()?.state(request.params.handler) ?? null)),
  );
};
