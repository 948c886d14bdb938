import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../domain/errors.js';
import type { Governor } from '../../governor/index.js';
import { ErrorBody } from '../../schemas/common.js';
import { GovernedProcess, GovernedProcessList, GovernedProcessParams } from '../../schemas/governor.js';
import { governedStateOut } from '../serialize.js';

const tags = ['governor'];

/** The governor starts after the server listens (and may be absent): hence a getter. */
export const governorRoutes: FastifyPluginAsyncTypebox<{ governor: () => Governor | null }> = async (app, { governor }) => {
  app.get(
    '/governor',
    {
      schema: {
        tags,
        summary: 'List supervised processes',
        description:
          'The worker handlers of handler_registry.yaml with a `run` section, which the server keeps running: ' +
          'state, pid, restarts, last exit and the next restart time.',
        response: { 200: GovernedProcessList },
      },
    },
    async () => ({ items: (governor()?.states() ?? []).map(governedStateOut) }),
  );

  app.get(
    '/governor/:handler',
    {
      schema: {
        tags,
        summary: 'Show one supervised process',
        params: GovernedProcessParams,
        response: { 200: GovernedProcess, 404: ErrorBody },
      },
    },
    async (request) => {
      const state = governor()?.state(request.params.handler);
      if (!state) throw new NotFoundError('governed_process_not_found', `no supervised process for handler "${request.params.handler}" (a worker handler with a \`run\` section)`);
      return governedStateOut(state);
    },
  );
};
