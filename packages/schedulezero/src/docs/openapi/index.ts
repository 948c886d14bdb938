import type { FastifyInstance, FastifyRequest } from 'fastify';
// Brings the `schema.hide` option (routes left out of the server's own OpenAPI document).
import type {} from '@fastify/swagger';
import { DEFAULT_BRAND, isBrandColor, siteAssets } from './assets.js';
import { problemPage, swaggerPage, type PageFrame } from './page.js';
import { describeProblem, SpecFile } from './spec.js';

/**
 * A documentation site of `type: openapi`: one OpenAPI document shown with Swagger UI, from the
 * swagger-ui-dist package installed with the server (no CDN, no external requests).
 */
export interface OpenApiSiteOptions {
  /** Shown in the header bar and the page title (escaped). */
  title: string;
  /**
   * `url`: a document served elsewhere (such as the server's own '/api/v1/openapi.json'); a
   * relative URL is relative to the page, which is served at "<prefix>/".
   * `file`: a JSON or YAML file, served by this site as `openapi.json`, read again when it changes.
   */
  spec: { url: string } | { file: string };
  /** #rgb or #rrggbb for the header bar; anything else falls back to the default (with a warning). */
  brandColor?: string | null;
  /** A link back to the docs index; http(s) or relative URLs only. */
  backHref?: string | null;
}

export { isBrandColor } from './assets.js';
export { parseSpecText, SpecFile, type SpecProblem, type SpecResult } from './spec.js';

const SPEC_ROUTE = 'openapi.json';

/**
 * The routes of one OpenAPI site, relative to where it is registered:
 *
 *     app.register(async (s) => openApiSiteRoutes(s, options), { prefix: '/docs/api' });
 *
 * GET / (the page), GET /_assets/:file (hashed names, cached for a year) and, for a file spec,
 * GET /openapi.json. Routes are hidden from the server's own OpenAPI document.
 */
export async function openApiSiteRoutes(app: FastifyInstance, options: OpenApiSiteOptions): Promise<void> {
  let brand = options.brandColor ?? DEFAULT_BRAND;
  if (!isBrandColor(brand)) {
    app.log.warn(`OpenAPI site "${options.title}": brand colour ${JSON.stringify(brand)} is not #rgb or #rrggbb; using ${DEFAULT_BRAND}`);
    brand = DEFAULT_BRAND;
  }
  const assets = siteAssets(brand);
  const frame: PageFrame = { title: options.title, backHref: safeHref(options.backHref ?? null), assets: assets.names };
  const spec = 'file' in options.spec ? new SpecFile(options.spec.file) : null;
  const specUrl = 'url' in options.spec ? options.spec.url : `./${SPEC_ROUTE}`;
  const hide = { schema: { hide: true } };

  app.get('/', hide, async (request, reply) => {
    const redirect = slashRedirect(request);
    if (redirect !== null) return reply.redirect(redirect, 301);
    reply.header('cache-control', 'no-cache');
    reply.type('text/html; charset=utf-8');
    if (spec !== null) {
      // Checked here too, so that a broken file is explained on the page rather than inside Swagger UI.
      const loaded = await spec.load();
      if (!loaded.ok) return reply.status(503).send(problemPage(frame, loaded.problem));
    }
    return reply.send(swaggerPage(frame, specUrl));
  });

  app.get<{ Params: { file: string } }>('/_assets/:file', hide, (request, reply) => assets.serve(request, reply, request.params.file));

  if (spec !== null) {
    app.get(`/${SPEC_ROUTE}`, hide, async (request, reply) => {
      reply.header('cache-control', 'no-cache');
      const loaded = await spec.load();
      if (!loaded.ok) {
        return reply.status(503).send({ error: { code: 'openapi_unavailable', message: describeProblem(loaded.problem) } });
      }
      reply.header('etag', loaded.etag);
      if (request.headers['if-none-match'] === loaded.etag) return reply.status(304).send();
      return reply.type('application/json; charset=utf-8').send(loaded.json);
    });
  }
}

/**
 * The page links its assets relative to itself, so it must be addressed with a trailing slash:
 * "/docs/api" answers with a redirect to "api/" (relative, so it holds behind a proxy that adds a path).
 */
function slashRedirect(request: FastifyRequest): string | null {
  const [path = '', query] = splitOnce(request.url, '?');
  if (path.endsWith('/')) return null;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return `./${last}/${query === undefined ? '' : `?${query}`}`;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at === -1 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

/** javascript:, data: and other schemes are dropped; relative and http(s) links are kept. */
function safeHref(href: string | null): string | null {
  if (href === null || href.trim() === '') return null;
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(href)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https' ? href : null;
}
