import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocsBuildCache } from '../../../docs/build/cache.js';
import { DocsError } from '../../../docs/errors.js';
import { openApiSiteRoutes } from '../../../docs/openapi/index.js';
import { BuiltSite } from '../../../docs/serve/built-site.js';
import { DocSite } from '../../../docs/site.js';
import type { ThemeOptions } from '../../../docs/theme/page.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { MicrositeContext } from '../../plugin.js';
import { portalTheme, sendFromBuild } from './built.js';
import { docsCacheRoot } from './cache-root.js';
import { collectEntries, dedupeMounts, type DocEntry, type SiteEntry } from './sources.js';
import { indexBody, unavailableBody, type SiteCard } from './views/index-page.js';

/** The list of sites. Mounts starting with "_" are refused, so no site hides it. */
const INDEX = '/_sites/';

interface Served {
  entries: DocEntry[];
  /** Built sites by entry id. */
  built: Map<string, BuiltSite>;
}

/**
 * GET /_sites/          the list of doc sites
 * GET /<mount>/<path>   a page or file of the built site mounted there (the longest mount wins)
 * GET /                 the root site's home page, else the list of doc sites
 *
 * Sites are built as static sites (src/docs/build) when the portal starts and served from the
 * build; a request at most every second checks the sources and builds again when they changed.
 */
export function docsRoutes(app: FastifyInstance, ctx: MicrositeContext): void {
  const cache = new DocsBuildCache(docsCacheRoot(ctx.portal));
  const head = ctx.html`<link rel="stylesheet" href="${ctx.asset('docs-index.css')}">`;
  let served: Served | null = null;
  const input = () => ({ portal: ctx.portal, docsPath: ctx.microsite.path, docsId: ctx.microsite.id, mounted: ctx.mounted() });

  const theme = (): ThemeOptions => portalTheme(ctx, served && served.entries.length > 1 ? ctx.url(INDEX) : null);

  const builtSite = (entry: SiteEntry) =>
    new BuiltSite({
      id: entry.id,
      cache,
      theme: () => ({ ...theme(), siteName: entry.name }),
      load: () => {
        const options = { baseUrl: ctx.url(`/${entry.mount}`), onWarning: (message: string) => ctx.log.warn({ docs: entry.id }, message) };
        if (entry.unified) return DocSite.merge(entry.sources, { name: entry.name ?? 'Documentation', description: entry.description }, options);
        return DocSite.load(entry.sources[0]!.source, options);
      },
      onBuilt: (build, site) => {
        if (build.report) ctx.log.info({ docs: entry.id, pages: build.report.pages, ms: Math.round(build.report.ms) }, `documentation site ${site.name ?? entry.id} built`);
      },
    });

  /** Sites of microsites mounted after this one are known only once the portal is ready. */
  const state = (): Served => {
    if (served) return served;
    const entries = collectEntries(input(), (message) => ctx.log.warn({ microsite: ctx.microsite.id }, message));
    dedupeMounts(entries, (message) => ctx.log.warn({ microsite: ctx.microsite.id }, message));
    served = { entries, built: new Map() };
    for (const entry of entries) if (entry.kind === 'site') served.built.set(entry.id, builtSite(entry));
    return served;
  };

  // API references come from the config alone: their routes are registered now.
  const early = collectEntries(input(), () => undefined);
  dedupeMounts(early, () => undefined);
  for (const entry of early) {
    if (entry.kind !== 'openapi') continue;
    const options = { title: entry.name ?? 'API reference', spec: entry.spec, brandColor: ctx.portal.branding.primary_color, backHref: ctx.url(INDEX) };
    void app.register(async (scope) => openApiSiteRoutes(scope, options), { prefix: `/${entry.mount.replace(/\/$/, '')}` });
  }

  app.addHook('onReady', async () => {
    // Built as the portal starts; requests that come before a build is done wait for it.
    for (const site of state().built.values()) {
      site.get().catch((err: unknown) => ctx.log.warn({ docs: site.id, err }, 'documentation site cannot be built'));
    }
  });

  const showIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const cards = await Promise.all(state().entries.map((entry) => siteCard(entry, state(), ctx)));
    return ctx.page(request, reply, { title: 'Documentation', head, body: indexBody(cards) });
  };

  app.get(INDEX, showIndex);
  app.get(INDEX.slice(0, -1), async (_request, reply) => reply.redirect(ctx.url(INDEX), 301));

  const serve = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const path = request.params['*'] ?? '';
    const { entries, built } = state();
    const entry = entries
      .filter((e): e is SiteEntry => e.kind === 'site')
      .filter((e) => path.startsWith(e.mount) || `${path}/` === e.mount)
      .sort((a, b) => b.mount.length - a.mount.length)[0];
    if (!entry) {
      if (path === '') return showIndex(request, reply);
      throw notFound(request);
    }
    if (`${path}/` === entry.mount) return reply.redirect(ctx.url(`/${entry.mount}`) + queryOf(request), 301);

    let site;
    try {
      site = await built.get(entry.id)!.get();
    } catch (err) {
      ctx.log.warn({ docs: entry.id, err }, 'documentation site cannot be read');
      const name = entry.name ?? entry.id;
      return ctx.page(request, reply, { title: name, head, body: unavailableBody(name, problemOf(err), ctx.url(INDEX)), status: 503 });
    }
    const rest = path.slice(entry.mount.length);
    if (rest === '' && site.site.pages.length === 0) {
      const name = entry.name ?? site.site.name ?? entry.id;
      return ctx.page(request, reply, { title: name, head, body: unavailableBody(name, 'The docs folder has no Markdown pages yet.', ctx.url(INDEX)), status: 404 });
    }
    const sent = await sendFromBuild(request, reply, site, rest, ctx.url(`/${entry.mount}`));
    if (sent) return sent;
    throw notFound(request);
  };
  app.get('/', serve);
  app.get('/*', serve);
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

async function siteCard(entry: DocEntry, served: Served, ctx: MicrositeContext): Promise<SiteCard> {
  const base = { id: entry.id, icon: entry.icon, description: entry.description };
  const name = entry.name ?? entry.id;
  if (entry.kind === 'link') return { ...base, name, href: entry.href, external: entry.external, kind: 'external', pages: null, problem: null };
  if (entry.kind === 'broken') return { ...base, name, href: null, external: false, kind: 'site', pages: null, problem: entry.problem };
  if (entry.kind === 'openapi') return { ...base, name, href: ctx.url(`/${entry.mount}`), external: false, kind: 'openapi', pages: null, problem: null };
  try {
    const { site } = await served.built.get(entry.id)!.get();
    return {
      ...base,
      name: entry.name ?? site.name ?? entry.id,
      description: entry.description ?? site.description,
      href: ctx.url(`/${entry.mount}`),
      external: false,
      kind: 'site',
      pages: site.pages.length,
      problem: null,
    };
  } catch (err) {
    return { ...base, name, href: null, external: false, kind: 'site', pages: null, problem: problemOf(err) };
  }
}
