import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../../domain/errors.js';
import type { ScheduleRow } from '../../../../domain/types.js';
import { withQuery } from '../links.js';
import { param, type Site } from '../site.js';
import { flashBox } from '../views/common.js';
import { runPage } from '../views/run.js';

type Params = { Params: { runId: string } };

/** One run with its attempts, and the run actions (retry a finished run, cancel a pending one). */
export function runRoutes(app: FastifyInstance, site: Site): void {
  const { ctx, links } = site;

  app.get<Params>('/runs/:runId', async (request, reply) => {
    const { run, attempts } = await ctx.api.runs.get(request.params.runId);
    let schedule: ScheduleRow | null = null;
    if (run.schedule_id !== null) {
      schedule = await ctx.api.schedules.get(run.schedule_id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
    }
    const view = site.view(reply);
    return site.page(request, reply, `Run ${run.id}`, runPage(view, { run, attempts, schedule }, flashBox(request.query as Record<string, unknown>, view)));
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
