import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Engine } from '../../engine/engine.js';
import { clearExecutions, ERROR_STATUSES, executionRecord, executionStats, listExecutions, statusFilter } from './executions.js';
import { Cleared, describe, ErrorList, ErrorsQuery, ExecutionList, ExecutionsQuery, ExecutionStats, OriginalError } from './schemas.js';

/** The original capped limits rather than refusing them. */
function clamp(limit: number | undefined, fallback: number, max: number): number {
  return Math.max(1, Math.min(limit ?? fallback, max));
}

export const executionRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  app.get(
    '/executions',
    {
      schema: {
        ...describe(
          'Execution history',
          'GET /api/v1/runs',
          'One record per run, newest first, from the stored history (the original kept the last 1000 in memory). Filters combine (the original used one).',
        ),
        querystring: ExecutionsQuery,
        response: { 200: ExecutionList, 400: OriginalError },
      },
    },
    async (request) => {
      const limit = clamp(request.query.limit, 100, 1000);
      const runs = await listExecutions(engine, {
        handler: request.query.handler_id || undefined,
        job_id: request.query.job_id || undefined,
        statuses: statusFilter(request.query.status),
        limit,
      });
      const records = runs.map(executionRecord);
      return { count: records.length, limit, records };
    },
  );

  app.get(
    '/executions/stats',
    {
      schema: {
        ...describe('Execution statistics', 'GET /api/v1/runs/stats', 'Over the whole stored history; success_rate is a percentage, as in the original.'),
        response: { 200: ExecutionStats },
      },
    },
    async () => executionStats(engine),
  );

  app.get(
    '/executions/errors',
    {
      schema: {
        ...describe('Recent failed executions', 'GET /api/v1/runs?status=failed,timed_out,lost'),
        querystring: ErrorsQuery,
        response: { 200: ErrorList, 400: OriginalError },
      },
    },
    async (request) => {
      const limit = clamp(request.query.limit, 50, 500);
      const errors = (await listExecutions(engine, { statuses: ERROR_STATUSES, limit })).map(executionRecord);
      return { count: errors.length, limit, errors };
    },
  );

  app.post(
    '/executions/clear',
    {
      schema: {
        ...describe('Clear execution history', 'retention settings (retention.days, retention.runs_per_schedule)', 'Deletes every finished run with its attempts; queued and running runs stay.'),
        response: { 200: Cleared },
      },
    },
    async (request) => {
      const deleted = await clearExecutions(engine);
      request.log.info({ deleted }, 'execution history cleared through POST /api/executions/clear');
      return { status: 'success' as const, message: 'Execution history cleared', deleted };
    },
  );
};
