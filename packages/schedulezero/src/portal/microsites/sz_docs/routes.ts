import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocsError } from '../../../docs/errors.js';
import type { DocPage, DocSite } from '../../../docs/site.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { MicrositeContext } from '../../plugin.js';
import { sendDocFile } from './files.js';
import { DocSources, type DocSource, type SiteSource } from './sources.js';
import { docPageBody, unavailableBody } from './views/doc-page.js';
import { indexBody, type SiteCard } from './views/index-page.js';

/** The list of sites when "/" shows the only site. Site ids start with a letter: no clash. */
const INDEX = '/_sites/';

/**
 * GET /                 the list of doc sites (or the home page of the only one)
 * GET /_sites/          the list of doc sites, always
 * GET /<site>/<path>    a page (MkDocs folder URLs: concepts/triggers/) or a file of the docs folder
 */
export function docsRoutes(app: FastifyInstance, ctx: MicrositeContext): void {
  const sources = new DocSources(ctx);
  const head = ctx.html`<link rel="stylesheet" href="${ctx.asset('docs.css')}">`;
  const indexHref = () => (sources.single() ? ctx.url(INDEX) : ctx.url('/'));

  const showIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const cards = await Promise.all(sources.list().map((source) => siteCard(source, ctx)));
    return ctx.page(request, reply, { title: 'Documentation', head, body: indexBody(cards) });
  };

  const showPage = async (request: FastifyRequest, reply: FastifyReply, source: SiteSource, site: DocSite, page: DocPage) => {
    const rendered = await site.render(page);
    const siteName = source.name ?? site.name ?? source.id;
    // The layout appends the portal's name; the site's name is left out when it is the same.
    const parts = page === site.home() ? [] : [page.title];
    if (siteName !== ctx.portal.portal.name) parts.push(siteName);
    return ctx.page(request, reply, {
      title: parts.length > 0 ? parts.join(' · ') : 'Documentation',
      head,
      body: docPageBody({ site, siteName, rendered, indexHref: indexHref() }),
    });
  };

  /** The site, or the reply already sent: a page explaining why it cannot be read. */
  const open = async (request: FastifyRequest, reply: FastifyReply, source: SiteSource): Promise<DocSite | FastifyReply> => {
    try {
      return await source.live.get();
    } catch (err) {
      ctx.log.warn({ docs: source.id, err }, 'documentation site cannot be read');
      const name = source.name ?? source.id;
      return ctx.page(request, reply, { title: name, head, body: unavailableBody(name, problemOf(err), indexHref()), status: 503 });
    }
  };

  app.get('/', async (request, reply) => {
    const only = sources.single();
    if (only) {
      const site = await only.live.get().catch(() => null);
      const home = site?.home();
      if (site && home) return showPage(request, reply, only, site, home);
    }
    return showIndex(request, reply);
  });

  app.get(INDEX, showIndex);
  app.get(INDEX.slice(0, -1), async (_request, reply) => reply.redirect(ctx.url(INDEX), 301));

  app.get<{ Params: { site: string } }>('/:site', async (request, reply) => {
    if (!sources.site(request.params.site)) throw notFound(request);
    return reply.redirect(ctx.url(`/${request.params.site}/`) + queryOf(request), 301);
  });

  app.get<{ Params: { site: string; '*': string } }>('/:site/*', async (request, reply) => {
    const source = sources.site(request.params.site);
    if (!source) throw notFound(request);
    const site = await open(request, reply, source);
    if (!isSite(site)) return site;

    const path = request.params['*'];
    if (path === '' && site.pages.length === 0) {
      const name = source.name ?? site.name ?? source.id;
      return ctx.page(request, reply, { title: name, head, body: unavailableBody(name, 'The docs folder has no Markdown pages yet.', indexHref()), status: 404 });
    }
    const page = site.page(path);
    if (page) return showPage(request, reply, source, site, page);
    // MkDocs URLs end in "/"; links written to the .md file or without the slash still arrive.
    const moved = site.page(`${path}/`) ?? (/\.md$/i.test(path) ? site.pageForFile(path) : null);
    if (moved) return reply.redirect(moved.url + queryOf(request), 301);
    const file = await site.file(path);
    if (file) return sendDocFile(request, reply, file);
    throw notFound(request);
  });
}

function isSite(value: DocSite | FastifyReply): value is DocSite {
  return typeof (value as DocSite).render === 'function';
}

function notFound(request: FastifyRequest): NotFoundError {
  return new NotFoundError('doc_not_found', `There is no documentation page at ${request.url.split('?')[0]}.`);
}

function queryOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at >= 0 ? request.url.slice(at) : '';
}

function problemOf(err: unknown): string {
  // DocsError messages are written for the reader; anything else is a bug or an I/O failure.
  return err instanceof DocsError ? err.message : 'The docs folder could not be read. The details are in the server log.';
}

async function siteCard(source: DocSource, ctx: MicrositeContext): Promise<SiteCard> {
  const base = { id: source.id, icon: source.icon, description: source.description };
  if (source.kind === 'link') {
    return { ...base, name: source.name ?? source.id, href: source.href, external: source.external, kind: source.type, pages: null, problem: null };
  }
  if (source.kind === 'broken') {
    return { ...base, name: source.name ?? source.id, href: null, external: false, kind: 'site', pages: null, problem: source.problem };
  }
  try {
    const site = await source.live.get();
    return {
      ...base,
      name: source.name ?? site.name ?? source.id,
      description: source.description ?? site.description,
      href: site.home()?.url ?? ctx.url(`/${source.id}/`),
      external: false,
      kind: 'site',
      pages: site.pages.length,
      problem: null,
    };
  } catch (err) {
    return { ...base, name: source.name ?? source.id, href: null, external: false, kind: 'site', pages: null, problem: problemOf(err) };
  }
}
