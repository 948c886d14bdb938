import type { FastifyReply, FastifyRequest } from 'fastify';
import { VERSION } from '../version.js';
import type { ResolvedPortalConfig } from './config/load.js';
import { html, jsonAttr, type SafeHtml } from './html.js';
import type { NavItem, PageOptions } from './plugin.js';

/** What the layout needs besides the page: the portal, its navigation, and URLs of the shell's assets. */
export interface Shell {
  config: ResolvedPortalConfig;
  nav: () => readonly NavItem[];
  asset: (file: string) => string;
  logoUrl: string | null;
  faviconUrl: string | null;
  /** True when a login is needed (a logout button is shown). */
  authEnabled: () => boolean;
  /** The CSRF token of this response (one per response: see Portal.csrfToken). */
  csrf: (reply: FastifyReply) => string;
}

/**
 * htmx swaps error responses too (a form answered 400 shows its errors), and reads <title> from
 * fragments. Sent as the htmx-config meta tag.
 */
const HTMX_CONFIG = {
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
  historyCacheSize: 0,
  scrollIntoViewOnBoost: false,
};

/** A fragment (htmx) or the whole page: what every page of every microsite goes through. */
export function sendPage(shell: Shell, active: string | null, request: FastifyRequest, reply: FastifyReply, page: PageOptions): FastifyReply {
  reply.header('vary', 'HX-Request');
  reply.header('cache-control', 'no-store');
  reply.type('text/html; charset=utf-8');
  reply.status(page.status ?? 200);
  const csrf = shell.csrf(reply);
  if (isFragmentRequest(request)) {
    if (request.headers['hx-boosted'] === 'true' && request.method === 'GET') reply.header('hx-push-url', request.url);
    return reply.send(fragment(shell, active, page).value);
  }
  return reply.send(document(shell, active, page, csrf).value);
}

/** htmx asks for a fragment, except when it restores history (then it needs the whole page). */
export function isFragmentRequest(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-history-restore-request'] !== 'true';
}

function pageTitle(shell: Shell, title: string): string {
  return title === shell.config.portal.name ? title : `${title} · ${shell.config.portal.name}`;
}

function fragment(shell: Shell, active: string | null, page: PageOptions): SafeHtml {
  // The title and the navigation's active item travel with the fragment (out of band).
  return html`<title>${pageTitle(shell, page.title)}</title>${page.head ?? ''}${navigation(shell, active, true)}${page.body}`;
}

function navigation(shell: Shell, active: string | null, oob = false): SafeHtml {
  const items = shell.nav().map((item) => {
    const current = item.id === active;
    const attrs = item.external
      ? html` target="${item.newTab ? '_blank' : '_self'}" rel="noopener noreferrer" hx-boost="false"`
      : html``;
    return html`<li><a href="${item.href}"${current ? html` aria-current="page"` : ''}${attrs}${item.description ? html` title="${item.description}"` : ''}><span class="sz-nav-icon" aria-hidden="true">${item.icon}</span><span class="sz-nav-name">${item.name}</span>${item.external ? html`<span class="sz-ext" aria-label="(external link)">↗</span>` : ''}</a></li>`;
  });
  return html`<nav id="sz-nav" class="sz-nav" aria-label="Portal"${oob ? html` hx-swap-oob="true"` : ''}><ul>${items}</ul></nav>`;
}

function brandStyle(color: string): SafeHtml {
  // primary_color is validated as #rgb/#rrggbb by the config schema, so it is safe in CSS.
  return html`<style>:root{--sz-brand:${color};}</style>`;
}

function document(shell: Shell, active: string | null, page: PageOptions, csrf: string): SafeHtml {
  const { config } = shell;
  const company = config.branding.company_name;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="htmx-config" content="${jsonAttr(HTMX_CONFIG)}">
<meta name="csrf-token" content="${csrf}">
<title>${pageTitle(shell, page.title)}</title>
<link rel="icon" href="${shell.faviconUrl ?? shell.asset('favicon.svg')}">
<link rel="stylesheet" href="${shell.asset('portal.css')}">
${brandStyle(config.branding.primary_color)}
<script src="${shell.asset('htmx.min.js')}" defer></script>
<script src="${shell.asset('htmx-ext-sse.js')}" defer></script>
<script src="${shell.asset('portal.js')}" defer></script>
${page.head ?? ''}
</head>
<body hx-boost="true" hx-target="#sz-main" hx-swap="innerHTML show:window:top" hx-headers="${jsonAttr({ 'x-csrf-token': csrf })}">
<a class="sz-skip" href="#sz-main">Skip to content</a>
<header class="sz-top">
  <a class="sz-brand" href="/">${shell.logoUrl ? html`<img src="${shell.logoUrl}" alt="" class="sz-logo">` : html`<span class="sz-mark" aria-hidden="true"></span>`}<span>${config.portal.name}</span></a>
  <div class="sz-top-right">
    <span id="sz-conn" class="sz-conn" role="status" aria-live="polite" hidden>Reconnecting…</span>
    ${shell.authEnabled() ? html`<form method="post" action="/logout" hx-boost="false"><input type="hidden" name="_csrf" value="${csrf}"><button class="sz-btn sz-btn-quiet" type="submit">Sign out</button></form>` : ''}
  </div>
</header>
<div class="sz-shell">
  <details class="sz-menu" open><summary>Menu</summary>${navigation(shell, active)}</details>
  <main id="sz-main" class="sz-main" tabindex="-1">${page.body}</main>
</div>
<footer class="sz-footer">${company ? html`<span>${company}</span> · ` : ''}${config.portal.version ? html`<span>${config.portal.name} ${config.portal.version}</span> · ` : ''}<span>Powered by ScheduleZero ${VERSION}</span></footer>
</body>
</html>`;
}

/** The page of an error: the message only, never a stack. */
export function errorBody(status: number, message: string): SafeHtml {
  const heading = status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return html`<section class="sz-error" role="alert"><h1>${heading}</h1><p>${message}</p><p><a href="/">Back to the start page</a></p></section>`;
}
