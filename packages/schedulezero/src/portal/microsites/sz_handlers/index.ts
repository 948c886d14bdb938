import { defineMicrosite } from '../../plugin.js';
import { links, loadDetail, loadList } from './data.js';
import { detailPage } from './detail-view.js';
import { listPage } from './list-view.js';

/**
 * sz_handlers: the handlers and their workers (online or not), what runs on them now, and how
 * each method did over the last day. Rendered on request; the Refresh button reloads it.
 */
export default defineMicrosite({
  id: 'sz_handlers',
  name: 'Handlers',
  icon: '🔌',
  assets: './assets',
  routes(app, ctx) {
    const head = ctx.html`<link rel="stylesheet" href="${ctx.asset('handlers.css')}">`;

    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      const data = await loadList(ctx);
      const serverUrl = `${request.protocol}://${request.host}`;
      return ctx.page(request, reply, { title: 'Handlers', head, body: listPage(data, links(ctx), serverUrl) });
    });

    // A wildcard, not "/:handler": handler names reach 128 characters (past Fastify's parameter
    // limit of 100) and may hold "/", sent encoded or not.
    app.get<{ Params: { '*': string } }>('/*', { schema: { hide: true } }, async (request, reply) => {
      const data = await loadDetail(ctx, request.params['*']);
      return ctx.page(request, reply, { title: `${data.name} · Handlers`, head, body: detailPage(data, links(ctx)) });
    });
  },
});
