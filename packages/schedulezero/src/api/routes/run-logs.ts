import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RunStatus } from '../../domain/types.js';
import type { Engine } from '../../engine/engine.js';
import { RunLogFollower, RunLogHub, type RunLogSource } from '../../engine/run-log-follower.js';
import { ErrorBody, IdParams } from '../../schemas/common.js';
import { RunLogAppend, RunLogAppendResult, RunLogPageSchema, RunLogQuery, RunLogStreamQuery } from '../../schemas/run.js';
import type { RunLogLine } from '../../store/store.js';
import { iso } from '../serialize.js';
import { EventStream, SSE_HEADERS } from '../../server/event-stream.js';

const tags = ['runs'];

export interface RunLogRouteOptions {
  engine: Engine;
  /** How often an idle stream gets a keep-alive comment. Default 15 s. */
  pingMs?: number;
}

export function logLineOut(line: RunLogLine) {
  return { seq: line.seq, at: iso(line.at), stream: line.stream, message: line.message, attempt: line.attempt };
}

/** The engine as a RunLogSource: reads through it, events from it. */
export function engineLogSource(engine: Engine): RunLogSource {
  return {
    read: (run_id, after, limit) => engine.listRunLogs(run_id, { after, limit }),
    // A run's log may be written, and the run end, on another node sharing the database.
    onLogs(listener) {
      engine.events.on('run.logs', listener);
      const unwatch = engine.watchLive();
      return () => {
        engine.events.off('run.logs', listener);
        unwatch();
      };
    },
    onRunUpdated(listener) {
      engine.events.on('run.updated', listener);
      const unwatch = engine.watchLive();
      return () => {
        engine.events.off('run.updated', listener);
        unwatch();
      };
    },
  };
}

/** `Last-Event-ID` as a seq; undefined when absent or not a number. */
function lastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Run logs: workers append lines to the runs they run (`POST /runs/{id}/logs`), anyone with API
 * access reads them in pages, or follows them live as server-sent events.
 */
export const runLogRoutes: FastifyPluginAsyncTypebox<RunLogRouteOptions> = async (app, { engine, pingMs = 15_000 }) => {
  const source = engineLogSource(engine);
  const hub = new RunLogHub(source);
  const streams = new Set<() => void>();
  // Open streams would hold the server's close; end them first.
  app.addHook('preClose', (done) => {
    for (const close of [...streams]) close();
    done();
  });

  app.post(
    '/runs/:id/logs',
    {
      schema: {
        tags,
        summary: "Add lines to a running run's log",
        description:
          'For the worker running the run (409 for any other, or once the run has ended). 1 to 1,000 lines per request. ' +
          'A run keeps up to 1 MiB or 10,000 lines; past that, lines are dropped, the log ends with a marker line, and `truncated` is true.',
        params: IdParams,
        body: RunLogAppend,
        response: { 202: RunLogAppendResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { worker_id, attempt, lines } = request.body;
      const result = await engine.appendRunLogs(request.params.id, {
        worker_id,
        attempt,
        lines: lines.map((line) => ({ message: line.message, stream: line.stream, at: line.at === undefined ? undefined : Date.parse(line.at) })),
      });
      return reply.status(202).send(result);
    },
  );

  app.get(
    '/runs/:id/logs',
    {
      schema: {
        tags,
        summary: "Read a run's log",
        description: 'Oldest first, in pages: pass `next_seq` as `after` for the lines that follow.',
        params: IdParams,
        querystring: RunLogQuery,
        response: { 200: RunLogPageSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const page = await engine.listRunLogs(request.params.id, { after: request.query.after ?? 0, limit: request.query.limit ?? 1000 });
      return { ...page, lines: page.lines.map(logLineOut) };
    },
  );

  app.get(
    '/runs/:id/logs/stream',
    {
      // A HEAD request would hold a stream open that can never carry a byte.
      exposeHeadRoute: false,
      schema: {
        tags,
        summary: "Follow a run's log live (server-sent events)",
        description:
          'First the lines stored so far, then new ones as they come: an event `logs` per batch, data `{"lines": [...], "truncated"}`, ' +
          'id the last seq (reconnect with `Last-Event-ID` to resume). When the run has finished, an event `end` with data `{"status"}`, ' +
          'and the stream closes. Comment lines keep an idle stream open.',
        params: IdParams,
        querystring: RunLogStreamQuery,
        response: {
          200: { description: 'A text/event-stream.', content: { 'text/event-stream': { schema: Type.String() } } },
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const runId = request.params.id;
      const after = lastEventId(request.headers['last-event-id']) ?? request.query.after ?? 0;
      // An unknown run is a plain 404, before the stream starts.
      await engine.getRun(runId);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, SSE_HEADERS);
      const stream = new EventStream(res);
      stream.write('retry: 3000\n\n');
      let ping: NodeJS.Timeout | undefined;
      const close = () => {
        clearInterval(ping);
        follower.stop();
        streams.delete(close);
        stream.end();
      };
      const follower = new RunLogFollower(hub, source, runId, after, {
        // JSON never spans lines: one data field per event.
        lines: (lines, truncated) => stream.event('logs', JSON.stringify({ lines: lines.map(logLineOut), truncated }), lines.at(-1)!.seq),
        end: (status: RunStatus) => {
          stream.event('end', JSON.stringify({ status }));
          close();
        },
        error: (err) => {
          request.log.warn({ err, run_id: runId }, 'run log stream ended by an error');
          close();
        },
      });
      streams.add(close);
      res.on('close', close);
      ping = setInterval(() => stream.ping(), pingMs);
      ping.unref();
      follower.start();
      return reply;
    },
  );
};
