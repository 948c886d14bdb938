import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocsBuildCache } from '../../../docs/build/cache.js';
import { DocsError } from '../../../docs/errors.js';
import { BuiltSite } from '../../../docs/serve/built-site.js';
import { DocSite } from '../../../docs/site.js';
import { NotFoundError } from '../../../domain/errors.js';
import { defineMicrosite } from '../../plugin.js';
import { portalTheme, sendFromBuild } from '../sz_docs/built.js';
import { docsCacheRoot } from '../sz_docs/cache-root.js';

/**
 * A microsite of microsite_type mkdocs (the seed's Option B): its docs_source built as a static
 * site and served at the microsite's own path, with its own navigation and search.
 */
export default defineMicrosite({
  id: '@mkdocs',
  routes(app, ctx) {
    const folder = ctx.microsite.docs_source;
    const built = folder
      ? new BuiltSite({
          id: `microsite-${ctx.microsite.id}`,
          cache: new DocsBuildCache(docsCacheRoot(ctx.portal)),
          load: () => DocSite.load(folder, { baseUrl: ctx.url('/'), onWarning: (message) => ctx.log.warn({ microsite: ctx.microsite.id }, message) }),
          theme: () => portalTheme(ctx),
        })
      : null;

    app.addHook('onReady', async () => {
      built?.get().catch((err: unknown) => ctx.log.warn({ microsite: ctx.microsite.id, err }, 'documentation site cannot be built'));
    });

    const serve = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
      const problem = (status: number, message: string) =>
        ctx.page(request, reply, {
          title: ctx.microsite.name,
          status,
          body: ctx.html`<section class="sz-error" role="alert"><h1>${ctx.microsite.name}</h1><p>${message}</p></section>`,
        });
      if (!built) return problem(404, 'This documentation microsite has no docs_source.');
      let served;
      try {
        served = await built.get();
      } catch (err) {
        ctx.log.warn({ microsite: ctx.microsite.id, err }, 'documentation site cannot be read');
        return problem(503, err instanceof DocsError ? err.message : 'The docs folder could not be read. The details are in the server log.');
      }
      const sent = await sendFromBuild(request, reply, served, request.params['*'] ?? '', ctx.url('/'));
      if (sent) return sent;
      throw new NotFoundError('doc_not_found', `There is no documentation page at ${request.url.split('?')[0]}.`);
    };
    app.get('/', serve);
    app.get('/*', serve);
  },
});
