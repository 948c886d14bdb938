import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../domain/errors.js';
import { RUN_STATUSES, type RunStatus } from '../../domain/types.js';
import type { Engine } from '../../engine/engine.js';
import { ErrorBody, IdParams } from '../../schemas/common.js';
import { Run, RunCreate, RunDetail, RunList, RunListQuery, RunStatsSchema, StatsQuery } from '../../schemas/run.js';
import { attemptOut, iso, runOut } from '../serialize.js';

const tags = ['runs'];
const DAY_MS = 86_400_000;

function parseStatuses(value: string | undefined): RunStatus[] | undefined {
  if (value === undefined) return undefined;
  const statuses = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of statuses) {
    if (!RUN_STATUSES.includes(s as RunStatus)) {
      throw new ValidationError(`status "${s}" is not one of ${RUN_STATUSES.join(', ')}`, 'status');
    }
  }
  return statuses as RunStatus[];
}

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`${field} is not an ISO-8601 time`, field);
  return ms;
}

export const runRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  app.get(
    '/runs',
    {
      schema: {
        tags,
        summary: 'List runs',
        description: 'Newest first (by scheduled_at); follow `next_cursor` for the next page.',
        querystring: RunListQuery,
        response: { 200: RunList, 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await engine.listRuns({
        schedule_id: q.schedule_id,
        handler: q.handler,
        method: q.method,
        status: parseStatuses(q.status),
        since: parseTime(q.since, 'since'),
        until: parseTime(q.until, 'until'),
        limit: q.limit ?? 50,
        cursor: q.cursor,
      });
      return { items: page.items.map(runOut), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/runs/stats',
    {
      schema: {
        tags,
        summary: 'Run statistics',
        description: 'Counts by status, success rate and duration percentiles, overall and per handler (default: last 24 hours).',
        querystring: StatsQuery,
        response: { 200: RunStatsSchema, 400: ErrorBody },
      },
    },
    async (request) => {
      const until = parseTime(request.query.until, 'until') ?? Date.now();
      const since = parseTime(request.query.since, 'since') ?? until - DAY_MS;
      const stats = await engine.runStats({ since, until, handler: request.query.handler });
      return { since: iso(since), until: iso(until), ...stats };
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: { tags, summary: 'Get a run with its attempts', params: IdParams, response: { 200: RunDetail, 404: ErrorBody } },
    },
    async (request) => {
      const { run, attempts } = await engine.getRun(request.params.id);
      return { ...runOut(run), attempts: attempts.map(attemptOut) };
    },
  );

  app.post(
    '/runs',
    {
      schema: {
        tags,
        summary: 'Start a one-off run',
        description: 'Queues a run that belongs to no schedule. Answers 202 with the run.',
        body: RunCreate,
        response: { 202: Run, 400: ErrorBody },
      },
    },
    async (request, reply) => reply.status(202).send(runOut(await engine.createRun(request.body))),
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a run',
        description: 'A queued run is cancelled at once; a running one is cancelled and its worker told on its next heartbeat.',
        params: IdParams,
        response: { 200: Run, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => runOut(await engine.cancelRun(request.params.id)),
  );
};
