import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { JsonObject, ScheduleRow } from '../../domain/types.js';
import type { Engine } from '../../engine/engine.js';
import { assertHandlerMethod, originalRetry } from './handlers.js';
import { originalResult } from './executions.js';
import type { RunWaiter } from './run-waiter.js';
import { originalTrigger } from './trigger.js';
import {
  describe,
  OriginalError,
  RunNowBody,
  RunNowResult,
  ScheduleBody,
  ScheduleIdParams,
  ScheduleList,
  ScheduleRemoved,
  Scheduled,
} from './schemas.js';

export interface JobRouteOptions {
  engine: Engine;
  waiter: RunWaiter;
  /** Longest run_now waits for its run (the run's own timeout applies inside it). */
  runNowWaitMs: number;
}

/** The most schedules GET /api/schedules lists in one answer (the original had no paging). */
const MAX_LISTED = 10_000;

export const jobRoutes: FastifyPluginAsyncTypebox<JobRouteOptions> = async (app, { engine, waiter, runNowWaitMs }) => {
  app.post(
    '/schedule',
    {
      schema: {
        ...describe('Schedule a job', 'POST /api/v1/schedules', 'A job_id that exists already is refused with 409 (the original silently kept the old schedule).'),
        body: ScheduleBody,
        response: { 201: Scheduled, 400: OriginalError, 404: OriginalError, 409: OriginalError },
      },
    },
    async (request, reply) => {
      const { handler_id, job_method, job_params, trigger, job_id } = request.body;
      await assertHandlerMethod(engine, handler_id, job_method);
      try {
        const schedule = await engine.createSchedule({
          ...(job_id ? { id: job_id } : {}),
          handler: handler_id,
          method: job_method,
          params: job_params ?? {},
          trigger: originalTrigger(trigger),
          retry: originalRetry(engine, handler_id, job_method),
        });
        return reply.status(201).send({ status: 'success' as const, job_id: schedule.id });
      } catch (err) {
        if (err instanceof ConflictError && err.code === 'schedule_exists') throw new ConflictError(err.code, `Job ID '${job_id}' already exists.`, 'job_id');
        throw err;
      }
    },
  );

  app.post(
    '/run_now',
    {
      schema: {
        ...describe(
          'Run a job now and wait for its result',
          'POST /api/v1/runs (then GET /api/v1/runs/{id})',
          `Answers when the run has finished, retries included (at most ${Math.round(runNowWaitMs / 1000)} s; 504 after that, the run goes on). A failed run answers 500 with its error.`,
        ),
        body: RunNowBody,
        response: { 200: RunNowResult, 400: OriginalError, 404: OriginalError, 500: OriginalError, 504: OriginalError },
      },
    },
    async (request, reply) => {
      const { handler_id, job_method, job_params } = request.body;
      await assertHandlerMethod(engine, handler_id, job_method);
      const run = await engine.createRun({
        handler: handler_id,
        method: job_method,
        params: (job_params ?? {}) as JsonObject,
        retry: originalRetry(engine, handler_id, job_method),
      });
      const finished = await waiter.wait(run.id, runNowWaitMs);
      if (!finished) {
        return reply.status(504).send({
          error: { code: 504, message: `the job has not finished within ${Math.round(runNowWaitMs / 1000)} s; it goes on: follow GET /api/v1/runs/${run.id}`, run_id: run.id },
        });
      }
      if (finished.status !== 'succeeded') {
        const why = finished.error?.message ?? finished.status;
        return reply.status(500).send({ error: { code: 500, message: `Failed to execute job: ${why}`, run_id: run.id } });
      }
      return {
        status: 'success' as const,
        result: originalResult(finished.result),
        message: `Job executed on handler '${handler_id}'`,
        run_id: run.id,
      };
    },
  );

  app.get(
    '/schedules',
    {
      schema: {
        ...describe('List schedules', 'GET /api/v1/schedules', `Lists up to ${MAX_LISTED}; /api/v1/schedules pages through any number.`),
        response: { 200: ScheduleList },
      },
    },
    async () => {
      const listed: ScheduleRow[] = [];
      let cursor: string | undefined;
      let truncated = false;
      for (;;) {
        const page = await engine.listSchedules({ limit: 500, cursor });
        listed.push(...page.items);
        if (page.next_cursor === null) break;
        if (listed.length >= MAX_LISTED) {
          truncated = true;
          break;
        }
        cursor = page.next_cursor;
      }
      const schedules = listed.slice(0, MAX_LISTED).map((s) => ({
        id: s.id,
        next_fire_time: s.next_run_at === null ? null : new Date(s.next_run_at).toISOString(),
        trigger: engine.describeTrigger(s),
        args: [s.handler, s.method, s.params],
      }));
      return { schedules, count: schedules.length, ...(truncated ? { truncated } : {}) };
    },
  );

  app.delete(
    '/schedules/:id',
    {
      schema: {
        ...describe('Remove a schedule', 'DELETE /api/v1/schedules/{id}'),
        params: ScheduleIdParams,
        response: { 200: ScheduleRemoved, 404: OriginalError },
      },
    },
    async (request) => {
      const { id } = request.params;
      try {
        await engine.deleteSchedule(id);
      } catch (err) {
        if (err instanceof NotFoundError) throw new NotFoundError(err.code, `Schedule '${id}' not found`);
        throw err;
      }
      return { status: 'success' as const, message: `Schedule '${id}' removed`, schedule_id: id };
    },
  );
};
