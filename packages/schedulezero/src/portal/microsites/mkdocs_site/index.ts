import type { FastifyReply, FastifyRequest } from 'fastify';
import { defineMicrosite } from '../../plugin.js';

/**
 * A microsite of microsite_type mkdocs: its docs_source is one of the documentation sites that
 * the docs microsite (sz_docs) serves (every mounted microsite's docs folder is), so its own
 * path leads there. Served at its own path with its own navigation when the docs builder's
 * strategies arrive.
 */
export default defineMicrosite({
  id: '@mkdocs',
  routes(app, ctx) {
    const lead = async (request: FastifyRequest, reply: FastifyReply) => {
      const docs = ctx.mounted().find((m) => m.microsite.id === 'sz_docs');
      if (docs && ctx.microsite.docs_source) {
        const rest = (request.params as { '*': string })['*'] ?? '';
        return reply.redirect(`${docs.microsite.path}/${encodeURIComponent(ctx.microsite.id)}/${rest}`, 302);
      }
      return ctx.page(request, reply, {
        title: ctx.microsite.name,
        status: 404,
        body: ctx.html`<section class="sz-error" role="alert"><h1>${ctx.microsite.name}</h1><p>This documentation site is served by the docs microsite (sz_docs), which is not enabled in this portal.</p></section>`,
      });
    };
    app.get('/', lead);
    app.get('/*', lead);
  },
});
