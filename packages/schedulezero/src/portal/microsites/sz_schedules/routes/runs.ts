import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../../domain/errors.js';
import type { RunStatus, ScheduleRow } from '../../../../domain/types.js';
import { RunLogFollower, RunLogHub, type RunLogRead, type RunLogSource } from '../../../../engine/run-log-follower.js';
import type { PortalApi } from '../../../api.js';
import { EventStream, SSE_HEADERS } from '../../../../server/event-stream.js';
import { withQuery } from '../links.js';
import { param, type Site } from '../site.js';
import { flashBox } from '../views/common.js';
import { logEnded, logLines, runPage, type RunLogModel } from '../views/run.js';

type Params = { Params: { runId: string } };

/** Lines the run page shows; the CLI and the API have the rest. */
const PAGE_LINES = 1000;
/** How often an idle log stream gets a keep-alive comment. */
const PING_MS = 15_000;

type ReadLogs = PortalApi['runs']['logs'];

/** The last PAGE_LINES lines of a run's log. */
async function pageLog(read: ReadLogs, runId: string): Promise<RunLogModel> {
  let page = await read(runId, { limit: PAGE_LINES });
  if (page.last_seq > page.next_seq) page = await read(runId, { after: page.last_seq - PAGE_LINES, limit: PAGE_LINES });
  const first = page.lines[0]?.seq ?? page.last_seq + 1;
  return { lines: page.lines, omitted: Math.max(0, first - 1), after: page.next_seq };
}

/** `Last-Event-ID` (an EventSource reconnecting), else `?after=`: the seq to resume after. */
function resumeAfter(header: unknown, query: unknown): number {
  for (const value of [header, param(query, 'after', 20)]) {
    if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  }
  return 0;
}

/** One run with its attempts, and the run actions (retry a finished run, cancel a pending one). */
export function runRoutes(app: FastifyInstance, site: Site): void {
  const { ctx, links } = site;
  const readLogs: ReadLogs = (id, query) => ctx.api.runs.logs(id, query);
  const source: RunLogSource = {
    read: (runId, after, limit) => readLogs(runId, { after, limit }),
    onLogs: (listener) => ctx.api.on('run.logs', listener),
    onRunUpdated: (listener) => ctx.api.on('run.updated', listener),
  };
  const hub = new RunLogHub(source);
  const streams = new Set<() => void>();
  // Open streams would hold the server's close; end them first.
  app.addHook('preClose', (done) => {
    for (const close of [...streams]) close();
    done();
  });

  app.get<Params>('/runs/:runId', async (request, reply) => {
    const { run, attempts } = await ctx.api.runs.get(request.params.runId);
    let schedule: ScheduleRow | null = null;
    if (run.schedule_id !== null) {
      schedule = await ctx.api.schedules.get(run.schedule_id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
    }
    const log = await pageLog(readLogs, run.id);
    const view = site.view(reply);
    return site.page(request, reply, `Run ${run.id}`, runPage(view, { run, attempts, schedule, log }, flashBox(request.query as Record<string, unknown>, view)));
  });

  // The run's log, live: an event `log` per batch of new lines (markup to append, id the last
  // seq), then `end` (markup for the note) once the run has ended.
  // A HEAD request would hold a stream open that can never carry a byte.
  app.get<Params>('/runs/:runId/log/events', { exposeHeadRoute: false }, async (request, reply) => {
    const { runId } = request.params;
    // An unknown run is a 404 page, before the stream starts.
    await ctx.api.runs.get(runId);
    const after = resumeAfter(request.headers['last-event-id'], request.query);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, SSE_HEADERS);
    res.write('retry: 3000\n\n');
    const client = new EventStream(res);
    let ping: NodeJS.Timeout | undefined;
    const close = () => {
      clearInterval(ping);
      follower.stop();
      streams.delete(close);
      client.end();
    };
    const follower = new RunLogFollower(hub, source, runId, after, {
      lines: (lines) => client.event('log', logLines(lines).value, lines.at(-1)!.seq),
      end: (status: RunStatus) => {
        client.event('end', logEnded(status).value);
        close();
      },
      error: (err) => {
        ctx.log.warn({ err, run_id: runId }, 'run log stream ended by an error');
        close();
      },
    });
    streams.add(close);
    res.on('close', close);
    ping = setInterval(() => client.ping(), PING_MS);
    ping.unref();
    follower.start();
    return reply;
  });

  // A retry is a new run: without a `back`, show it.
  app.post<Params>('/runs/:runId/retry', async (request, reply) => {
    const created = await ctx.api.runs.retry(request.params.runId);
    const back = links.safeBack(param(request.body, 'back', 2000));
    if (back === null) return reply.redirect(withQuery(links.run(created.id), { flash: 'retried' }), 303);
    return reply.redirect(withQuery(back, { flash: 'retried', run: created.id }), 303);
  });

  app.post<Params>('/runs/:runId/cancel', async (request, reply) => {
    const { runId } = request.params;
    await ctx.api.runs.cancel(runId);
    const back = links.safeBack(param(request.body, 'back', 2000)) ?? links.run(runId);
    return reply.redirect(withQuery(back, { flash: 'cancelled' }), 303);
  });
}
