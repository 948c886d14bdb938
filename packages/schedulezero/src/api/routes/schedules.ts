import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/engine.js';
import { ErrorBody, IdParams } from '../../schemas/common.js';
import { Run } from '../../schemas/run.js';
import {
  Schedule,
  ScheduleCreate,
  ScheduleList,
  ScheduleListQuery,
  SchedulePatch,
  Upcoming,
  UpcomingQuery,
} from '../../schemas/schedule.js';
import { iso, runOut, scheduleOut } from '../serialize.js';

const tags = ['schedules'];
const errors = { 400: ErrorBody, 404: ErrorBody };

export const scheduleRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  const out = (s: Parameters<typeof scheduleOut>[0]) => scheduleOut(s, engine.describeTrigger(s));

  app.post(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'Create a schedule',
        description: 'An id that exists already is a 409 conflict; nothing is overwritten.',
        body: ScheduleCreate,
        response: { 201: Schedule, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const schedule = await engine.createSchedule(request.body);
      reply.header('location', `/api/v1/schedules/${encodeURIComponent(schedule.id)}`);
      return reply.status(201).send(out(schedule));
    },
  );

  app.get(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'List schedules',
        description: 'Oldest first; follow `next_cursor` for the next page.',
        querystring: ScheduleListQuery,
        response: { 200: ScheduleList, 400: ErrorBody },
      },
    },
    async (request) => {
      const { limit = 50, cursor, handler, method, paused, search } = request.query;
      const page = await engine.listSchedules({ limit, cursor, handler, method, paused, search });
      return { items: page.items.map(out), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/schedules/:id',
    { schema: { tags, summary: 'Get a schedule', params: IdParams, response: { 200: Schedule, 404: ErrorBody } } },
    async (request) => out(await engine.getSchedule(request.params.id)),
  );

  app.patch(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Change a schedule',
        description: 'Only the given fields change. A new trigger or a pause change recomputes next_run_at.',
        params: IdParams,
        body: SchedulePatch,
        response: { 200: Schedule, ...errors, 409: ErrorBody },
      },
    },
    async (request) => out(await engine.updateSchedule(request.params.id, request.body ?? {})),
  );

  app.delete(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Delete a schedule',
        description: 'Queued runs are cancelled, running ones asked to stop; the run history stays.',
        params: IdParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await engine.deleteSchedule(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/schedules/:id/pause',
    { schema: { tags, summary: 'Pause a schedule', params: IdParams, response: { 200: Schedule, 404: ErrorBody } } },
    async (request) => out(await engine.pauseSchedule(request.params.id)),
  );

  app.post(
    '/schedules/:id/resume',
    {
      schema: {
        tags,
        summary: 'Resume a schedule',
        description: 'Occurrences that fell due while paused are not run; the next one is computed from now.',
        params: IdParams,
        response: { 200: Schedule, 404: ErrorBody },
      },
    },
    async (request) => out(await engine.resumeSchedule(request.params.id)),
  );

  app.post(
    '/schedules/:id/run',
    {
      schema: {
        tags,
        summary: 'Run a schedule now',
        description: 'Queues a manual run outside the trigger (not limited by max_instances). Answers 202 with the run.',
        params: IdParams,
        response: { 202: Run, 404: ErrorBody },
      },
    },
    async (request, reply) => reply.status(202).send(runOut(await engine.runScheduleNow(request.params.id))),
  );

  app.get(
    '/schedules/:id/upcoming',
    {
      schema: {
        tags,
        summary: 'The next fire times',
        params: IdParams,
        querystring: UpcomingQuery,
        response: { 200: Upcoming, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { schedule, times, description } = await engine.upcoming(request.params.id, request.query.count ?? 5);
      return { schedule_id: schedule.id, trigger_description: description, times: times.map(iso) };
    },
  );
};
