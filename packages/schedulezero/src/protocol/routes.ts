import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../engine/engine.js';
import { ErrorBody } from '../schemas/common.js';
import {
  Complete,
  CompleteBatch,
  CompleteBatchResponse,
  CompleteResponse,
  Heartbeat,
  HeartbeatResponse,
  Poll,
  PollResponse,
  RunParams,
  WorkerParams,
  WorkerRegister,
  WorkerRegistered,
} from '../schemas/worker.js';
import { completionOut, jobOut } from '../api/serialize.js';

const tags = ['worker protocol'];

/**
 * The handler protocol (docs/protocol.md): workers register, long-poll for jobs, heartbeat
 * running jobs and report their end. Workers connect out, so they work behind NAT.
 */
export const protocolRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, { engine }) => {
  app.post(
    '/workers',
    {
      schema: {
        tags,
        summary: 'Register a worker',
        body: WorkerRegister,
        response: { 201: WorkerRegistered, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const worker = await engine.registerWorker(request.body);
      return reply.status(201).send({
        worker_id: worker.id,
        heartbeat_seconds: engine.heartbeatSeconds,
        lease_seconds: engine.leaseSeconds,
      });
    },
  );

  app.post(
    '/workers/:worker_id/poll',
    {
      schema: {
        tags,
        summary: 'Long-poll for jobs',
        description:
          'Answers as soon as a job is ready, or with no jobs after wait_seconds. 404 when the worker is unknown or lost: register again.',
        params: WorkerParams,
        body: Type.Optional(Poll),
        response: { 200: PollResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { max_jobs = 1, wait_seconds = 30 } = request.body ?? {};
      // A client that hangs up must not be handed jobs it will never see.
      const abort = new AbortController();
      const onClose = () => abort.abort();
      request.raw.socket.once('close', onClose);
      try {
        const runs = await engine.poll(request.params.worker_id, max_jobs, wait_seconds * 1000, abort.signal);
        return { jobs: runs.map(jobOut) };
      } finally {
        request.raw.socket.off('close', onClose);
      }
    },
  );

  app.post(
    '/workers/:worker_id/complete',
    {
      schema: {
        tags,
        summary: 'Report the end of several jobs at once',
        description:
          'The batch form of /runs/{run_id}/complete for busy workers: one request, one transaction. ' +
          'Each entry is accepted or refused on its own; a refused entry carries the status and error the single form would answer.',
        params: WorkerParams,
        body: CompleteBatch,
        response: { 200: CompleteBatchResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const results = await engine.completeMany(request.params.worker_id, request.body.completions);
      return {
        results: results.map((r) =>
          'outcome' in r
            ? { run_id: r.run_id, ...completionOut(r.outcome) }
            : { run_id: r.run_id, error: { status: r.error.statusCode, code: r.error.code, message: r.error.message } },
        ),
      };
    },
  );

  app.delete(
    '/workers/:worker_id',
    {
      schema: {
        tags,
        summary: 'Leave gracefully',
        description: 'Any job the worker still holds is retried elsewhere per its policy.',
        params: WorkerParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await engine.leave(request.params.worker_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/runs/:run_id/heartbeat',
    {
      schema: {
        tags,
        summary: 'Heartbeat a running job',
        description: 'Keeps the worker alive and reports progress. cancel_requested: stop the job.',
        params: RunParams,
        body: Heartbeat,
        response: { 200: HeartbeatResponse, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { worker_id, progress, message, attempt } = request.body;
      return { cancel_requested: await engine.heartbeat(request.params.run_id, worker_id, progress, message, attempt) };
    },
  );

  app.post(
    '/runs/:run_id/complete',
    {
      schema: {
        tags,
        summary: 'Report the end of a job',
        description: 'A second completion, or one by a worker that does not own the run, is 409 and changes nothing.',
        params: RunParams,
        body: Complete,
        response: { 200: CompleteResponse, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { worker_id, ...report } = request.body;
      return { run_id: request.params.run_id, ...completionOut(await engine.complete(request.params.run_id, worker_id, report)) };
    },
  );
};
