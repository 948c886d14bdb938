import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../domain/logger.js';
import type { ResolvedMicrosite, ResolvedPortalConfig } from './config/load.js';
import type { PortalFormat } from './format.js';
import type { escapeHtml, html, raw, SafeHtml } from './html.js';
import type { PortalApi } from './api.js';

/**
 * The microsite plugin API.
 *
 * A microsite is a folder or npm package whose entry module default-exports a
 * MicrositeDefinition. The portal mounts its routes under the microsite's path as an
 * encapsulated Fastify plugin (hooks and decorators stay inside), serves its `assets` folder at
 * `<path>/static/`, lists it in the navigation, and hands it a MicrositeContext. A microsite
 * reaches the scheduler only through `ctx.api`, never the database.
 *
 * Plain JavaScript works as is:
 *
 *   export default {
 *     id: 'log_dashboard',
 *     assets: './public',
 *     routes(app, ctx) {
 *       app.get('/', (request, reply) => ctx.page(request, reply, { title: 'Logs', body: ctx.html`<h1>Logs</h1>` }));
 *     },
 *   };
 */
export interface MicrositeDefinition {
  /** Matches the `id` in portal_config.yaml. */
  id: string;
  /** Defaults for the navigation entry; the config's name, icon and description win. */
  name?: string;
  icon?: string;
  description?: string;
  /** Folder of static files, relative to the entry module (or absolute); served at `<path>/static/`. */
  assets?: string;
  /** Folder of the microsite's MkDocs site (mkdocs.yml), relative to the entry module. */
  docs?: string;
  /** Register routes; paths are relative to the microsite's mount path ("/" is its home). */
  routes?: (app: FastifyInstance, ctx: MicrositeContext) => void | Promise<void>;
  /** Cards the dashboard (sz_dash) shows for this microsite. */
  cards?: DashboardCard[];
}

export interface DashboardCard {
  id: string;
  title: string;
  render(ctx: MicrositeContext): SafeHtml | Promise<SafeHtml>;
}

export interface PageOptions {
  /** The document title and the page heading's text. */
  title: string;
  /** The page content (the fragment htmx swaps in). */
  body: SafeHtml;
  /** Extra markup for <head>: a stylesheet of the microsite, say. */
  head?: SafeHtml;
  /** HTTP status; default 200. */
  status?: number;
}

export interface NavItem {
  id: string;
  name: string;
  icon: string;
  href: string;
  external: boolean;
  newTab: boolean;
  description: string;
}

export interface MicrositeContext {
  /** This microsite's resolved config entry (id, name, path, options, ...). */
  readonly microsite: Readonly<ResolvedMicrosite>;
  /** The whole portal config, read-only. */
  readonly portal: Readonly<ResolvedPortalConfig>;
  /** The scheduler: schedules, runs, handlers, live events. */
  readonly api: PortalApi;
  readonly log: Logger;
  /** Escaping templates: every interpolated value is escaped unless it is html`` itself. */
  readonly html: typeof html;
  readonly raw: typeof raw;
  readonly escapeHtml: typeof escapeHtml;
  /**
   * Numbers, times and run statuses written the way the core pages write them: duration(ms)
   * ("850 ms", "12.3 s", "4m 10s"), percent(rate), count(n), plural(n, 'run'), absolute(ms, zone?),
   * ago(ms) / countdown(ms) (<time> elements the portal keeps relative: "12s ago", "in 4m 05s"),
   * time(ms, zone?), statusBadge(status), empty(title, hint). Markup helpers escape what they are given.
   */
  readonly format: PortalFormat;
  /** An absolute URL path inside this microsite: url('/new') -> '/schedules/new'. */
  url(subpath?: string): string;
  /** URL of a file in this microsite's assets folder (with a cache-busting version). */
  asset(file: string): string;
  /**
   * Answer with a page: the fragment for an htmx request (HX-Request: true), the whole page in
   * the portal's layout otherwise. Always sets `Vary: HX-Request`.
   */
  page(request: FastifyRequest, reply: FastifyReply, options: PageOptions): FastifyReply;
  /**
   * Answer with a bare fragment (a table body, a live-validation message): no layout, HTML
   * content type, `Vary: HX-Request`, not cached.
   */
  fragment(reply: FastifyReply, body: SafeHtml, status?: number): FastifyReply;
  /** A hidden `_csrf` input for a plain <form method="post">. htmx requests send the token by header. */
  csrfField(reply: FastifyReply): SafeHtml;
  /** Navigation entries of the portal (enabled microsites in nav_order). */
  nav(): readonly NavItem[];
  /** Every mounted microsite (for portal-wide pages: the dashboard's cards, the docs index). */
  mounted(): readonly MountedMicrosite[];
  /** URLs of the portal's logo and favicon (branding), for pages built outside the layout. */
  readonly branding: { readonly logoUrl: string | null; readonly faviconUrl: string | null };
}

export interface MountedMicrosite {
  microsite: Readonly<ResolvedMicrosite>;
  /** Absolute folder of its MkDocs site (config docs_source, or the definition's docs), if any. */
  docsDir: string | null;
  cards: readonly DashboardCard[];
  /** The context to render its cards with. */
  ctx: MicrositeContext;
}

/** Typed identity for TypeScript microsites: `export default defineMicrosite({...})`. */
export function defineMicrosite(definition: MicrositeDefinition): MicrositeDefinition {
  return definition;
}
