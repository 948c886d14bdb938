import type { FastifyInstance } from 'fastify';
import type { ScheduleRow } from '../../../../domain/types.js';
import type { ScheduleQuery } from '../../../../store/store.js';
import type { FlashKey } from '../flash.js';
import { withQuery } from '../links.js';
import { isHtmx, param, type Site } from '../site.js';
import { flashBox } from '../views/common.js';
import { deletePage, detailPage } from '../views/detail.js';
import { listPage, listResults, RESULTS_ID, type ListFilters } from '../views/list.js';

const PAGE_SIZE = 25;
const HISTORY_SIZE = 20;

type Params = { Params: { id: string } };

/** The list, the detail page, and the schedule actions (run now, pause, resume, delete). */
export function scheduleRoutes(app: FastifyInstance, site: Site): void {
  const { ctx, links } = site;
  const api = ctx.api.schedules;

  const describe = (s: ScheduleRow): string => {
    try {
      return api.describe(s);
    } catch {
      return 'a trigger this version cannot read';
    }
  };

  app.get('/', async (request, reply) => {
    const q = request.query;
    const state = param(q, 'state');
    const filters: ListFilters = {
      q: param(q, 'q', 200).trim(),
      handler: param(q, 'handler', 128).trim(),
      state: state === 'active' || state === 'paused' ? state : '',
      cursor: param(q, 'cursor'),
      limit: '',
    };
    const asked = Number.parseInt(param(q, 'limit'), 10);
    const limit = Number.isFinite(asked) ? Math.min(100, Math.max(1, asked)) : PAGE_SIZE;
    if (limit !== PAGE_SIZE) filters.limit = String(limit);
    const query: ScheduleQuery = { limit };
    if (filters.q) query.search = filters.q;
    if (filters.handler) query.handler = filters.handler;
    if (filters.state) query.paused = filters.state === 'paused';
    if (filters.cursor) query.cursor = filters.cursor;
    const [page, total, handlers] = await Promise.all([api.list(query), api.count(), ctx.api.handlers.list()]);
    const view = site.view(reply);
    const model = {
      filters,
      items: await Promise.all(
        page.items.map(async (schedule) => ({
          schedule,
          description: describe(schedule),
          // Manual runs do not move last_run_at; the newest run says what the user last saw happen.
          lastRun: (await ctx.api.runs.list({ schedule_id: schedule.id, limit: 1 })).items[0] ?? null,
        })),
      ),
      nextCursor: page.next_cursor,
      total,
      handlers: handlers.map((h) => h.handler),
    };
    // The live search asks for the results only (it targets them); everything else gets the page.
    if (isHtmx(request) && request.headers['hx-target'] === RESULTS_ID) return ctx.fragment(reply, listResults(view, model));
    const title = ctx.microsite.name;
    return site.page(request, reply, title, listPage(view, model, title, flashBox(q as Record<string, unknown>, view)));
  });

  app.get<Params>('/:id', async (request, reply) => {
    const { id } = request.params;
    const schedule = await api.get(id);
    const cursor = param(request.query, 'runs');
    const [upcoming, runs, latest] = await Promise.all([
      api.upcoming(id, 5).catch(() => ({ times: [] as number[], description: describe(schedule) })),
      ctx.api.runs.list({ schedule_id: id, limit: HISTORY_SIZE, ...(cursor ? { cursor } : {}) }),
      ctx.api.runs.list({ schedule_id: id, limit: 1 }),
    ]);
    const view = site.view(reply);
    const body = detailPage(
      view,
      {
        schedule,
        lastRun: latest.items[0] ?? null,
        description: upcoming.description,
        upcoming: upcoming.times,
        history: {
          scheduleId: id,
          zone: schedule.trigger.timezone ?? 'UTC',
          runs: runs.items,
          cursor,
          nextCursor: runs.next_cursor,
          self: links.schedule(id, { runs: cursor }),
        },
      },
      flashBox(request.query as Record<string, unknown>, view),
    );
    return site.page(request, reply, schedule.name ?? schedule.id, body);
  });

  app.get<Params>('/:id/delete', async (request, reply) => {
    const schedule = await api.get(request.params.id);
    return site.page(request, reply, `Delete ${schedule.name ?? schedule.id}`, deletePage(site.view(reply), schedule));
  });

  app.post<Params>('/:id/delete', async (request, reply) => {
    await api.remove(request.params.id);
    return reply.redirect(links.home({ flash: 'deleted' }), 303);
  });

  const action = (name: 'pause' | 'resume' | 'run', flash: FlashKey, run: (id: string) => Promise<{ runId?: string }>) => {
    app.post<Params>(`/:id/${name}`, async (request, reply) => {
      const { id } = request.params;
      const { runId } = await run(id);
      const back = links.safeBack(param(request.body, 'back', 2000)) ?? links.schedule(id);
      return reply.redirect(withQuery(back, { flash, run: runId }), 303);
    });
  };
  action('pause', 'paused', async (id) => (await api.pause(id), {}));
  action('resume', 'resumed', async (id) => (await api.resume(id), {}));
  action('run', 'run', async (id) => ({ runId: (await api.runNow(id)).id }));
}
