import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendNotFound, serveBuilt } from '../../../docs/serve/static.js';
import type { ServedSite } from '../../../docs/serve/built-site.js';
import type { ThemeOptions } from '../../../docs/theme/page.js';
import { VERSION } from '../../../version.js';
import type { MicrositeContext } from '../../plugin.js';

/** How a site built for this portal looks: the portal's name, logo, colour and navigation. */
export function portalTheme(ctx: MicrositeContext, indexHref: string | null = null): ThemeOptions {
  return {
    brandName: ctx.portal.portal.name,
    brandHref: '/',
    logoUrl: ctx.branding.logoUrl,
    faviconUrl: ctx.branding.faviconUrl,
    primaryColor: ctx.portal.branding.primary_color,
    portalNav: ctx.nav().map((item) => ({ ...item, current: item.id === ctx.microsite.id })),
    indexHref,
    footer: [ctx.portal.branding.company_name, `Powered by ScheduleZero ${VERSION}`].filter(Boolean).join(' · '),
  };
}

/**
 * Answer a request for `path` (relative to where the site is mounted, `mountUrl`) from its build:
 * the file, a redirect to the folder URL or to the page of a ".md" link, the site's 404 page, or
 * null when the build has none (the caller answers its own 404).
 */
export async function sendFromBuild(request: FastifyRequest, reply: FastifyReply, served: ServedSite, path: string, mountUrl: string): Promise<FastifyReply | null> {
  const result = await serveBuilt(request, reply, served.dir, path);
  if (result.kind === 'sent') return result.reply;
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  if (result.kind === 'redirect') return reply.redirect(`${mountUrl}${path}/${query}`, 301);
  // Links written to the Markdown file ("usage.md") still arrive at the page.
  const page = /\.md$/i.test(path) ? served.site.pageForFile(path) : null;
  if (page) return reply.redirect(page.url + query, 301);
  return sendNotFound(request, reply, served.dir);
}
