import { isAbsolute, resolve } from 'node:path';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../api/auth.js';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { Engine } from '../engine/engine.js';
import type { Governor } from '../governor/index.js';
import { createPortalApi, type PortalApi } from './api.js';
import { contentType, ShellAssets } from './assets.js';
import type { ResolvedMicrosite, ResolvedPortalConfig } from './config/load.js';
import { format } from './format.js';
import { escapeHtml, html, raw } from './html.js';
import { errorBody, isFragmentRequest, sendPage, type Shell } from './layout.js';
import { loadMicrosite, type LoadedMicrosite } from './loader.js';
import { coreMicrosites } from './microsites/index.js';
import type { MicrositeContext, MountedMicrosite, NavItem } from './plugin.js';
import { cookieSecret, safeNext, Sessions } from './security/session.js';
import { loginPage } from './security/login-page.js';

export interface PortalOptions {
  engine: Engine;
  auth: Authenticator;
  config: ResolvedPortalConfig;
  logger: Logger;
  /** The server's OpenAPI document. */
  openapi: () => Record<string, unknown>;
  /** The process governor (handlers' supervised processes), once started. */
  governor?: () => Governor | null;
}

/** Paths the portal leaves to the API's bearer-token guard. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/metrics';
}

const OPEN_PATHS = ['/login', '/_sz/static/', '/_sz/branding/'];
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The portal: the layout shell, sign-in, CSRF protection, and every enabled microsite of
 * portal_config.yaml mounted as an encapsulated Fastify plugin under its path.
 */
export class Portal {
  private readonly assets = new ShellAssets();
  private readonly api: PortalApi;
  private readonly sessions: Sessions;
  private readonly mountedList: MountedMicrosite[] = [];
  private navItems: NavItem[];
  private authOn = false;
  private readonly shell: Shell;
  private readonly csrfTokens = new WeakMap<FastifyReply, string>();

  constructor(private readonly options: PortalOptions) {
    this.api = createPortalApi(options.engine, options.openapi, options.governor);
    this.sessions = new Sessions(options.auth);
    const { branding } = options.config;
    this.navItems = this.buildNav(options.config.microsites);
    this.shell = {
      config: options.config,
      nav: () => this.navItems,
      asset: (file) => this.assets.url(file),
      logoUrl: this.brandingUrl('logo', branding.logo),
      faviconUrl: this.brandingUrl('favicon', branding.favicon),
      authEnabled: () => this.authOn,
      csrf: (reply) => this.csrfToken(reply),
    };
  }

  /**
   * One CSRF token per response. Until the browser holds the secret cookie, every
   * generateCsrf() call makes a new secret (and cookie); a page with a form field and the
   * layout's meta tag would otherwise carry tokens of two secrets, one of them dead.
   */
  csrfToken(reply: FastifyReply): string {
    let token = this.csrfTokens.get(reply);
    if (token === undefined) {
      token = reply.generateCsrf();
      this.csrfTokens.set(reply, token);
    }
    return token;
  }

  private buildNav(microsites: readonly ResolvedMicrosite[]): NavItem[] {
    return microsites
      .filter((m) => m.enabled)
      .map((m) => ({
        id: m.id,
        name: m.name,
        icon: m.icon,
        href: m.path,
        external: m.type === 'external',
        newTab: m.type === 'external' && m.open_in === 'new_tab',
        description: m.description,
      }));
  }

  /** Local branding files are served from memory at /_sz/static/; URLs are used as given. */
  private brandingUrl(name: string, value: string | null): string | null {
    if (value === null) return null;
    if (!isAbsolute(value) || value.startsWith('//')) return value;
    const file = `branding-${name}${value.slice(value.lastIndexOf('.'))}`;
    this.assets.add(file, value);
    return this.assets.url(file);
  }

  async register(app: FastifyInstance): Promise<void> {
    const { engine, config, logger } = this.options;
    await app.register(cookie, { secret: await cookieSecret(engine.store) });
    await app.register(formbody);
    await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/' } });
    this.assets.register(app);
    this.installGuard(app);
    this.registerSignIn(app);

    const first = this.navItems.find((n) => !n.external);
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      if (first) return reply.redirect(first.href, 302);
      return this.page(null, request, reply, {
        title: config.portal.name,
        body: html`<section class="sz-empty"><strong>No microsites are enabled.</strong>List some under <code>microsites:</code> in portal_config.yaml.</section>`,
      });
    });

    const effective: ResolvedMicrosite[] = [];
    for (const entry of config.microsites) {
      if (!entry.enabled || entry.type === 'external') {
        effective.push(entry);
        continue;
      }
      const loaded = await loadMicrosite(entry, coreMicrosites, config.baseDir);
      // What the config leaves out, the microsite's own definition names.
      const { definition } = loaded;
      const named: ResolvedMicrosite = {
        ...entry,
        name: entry.configured.name ? entry.name : (definition.name ?? entry.name),
        icon: entry.configured.icon ? entry.icon : (definition.icon ?? entry.icon),
        description: entry.configured.description ? entry.description : (definition.description ?? entry.description),
      };
      effective.push(named);
      await this.mount(app, named, loaded);
      logger.debug({ microsite: entry.id, path: entry.path }, 'microsite mounted');
    }
    this.navItems = this.buildNav(effective);
  }

  private context(entry: ResolvedMicrosite): MicrositeContext {
    const base = entry.path;
    const version = Date.now().toString(36);
    return {
      microsite: entry,
      portal: this.options.config,
      api: this.api,
      log: this.options.logger,
      html,
      raw,
      escapeHtml,
      format,
      url: (sub = '') => (sub === '' || sub === '/' ? `${base}/` : `${base}${sub.startsWith('/') ? '' : '/'}${sub}`),
      asset: (file) => `${base}/static/${file.replace(/^\/+/, '')}?v=${version}`,
      page: (request, reply, page) => this.page(entry.id, request, reply, page),
      fragment: (reply, body, status = 200) =>
        reply.status(status).header('vary', 'HX-Request').header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body.value),
      csrfField: (reply) => html`<input type="hidden" name="_csrf" value="${this.csrfToken(reply)}">`,
      nav: () => this.navItems,
      mounted: () => this.mountedList,
      branding: { logoUrl: this.shell.logoUrl, faviconUrl: this.shell.faviconUrl },
    };
  }

  private async mount(app: FastifyInstance, entry: ResolvedMicrosite, loaded: LoadedMicrosite): Promise<void> {
    const { definition, dir } = loaded;
    const ctx = this.context(entry);
    const docsDir = entry.docs_source ?? (definition.docs ? resolve(dir, definition.docs) : null);
    this.mountedList.push({ microsite: entry, docsDir, cards: definition.cards ?? [], ctx });
    if (definition.id !== entry.id && !definition.id.startsWith('@')) {
      this.options.logger.warn({ microsite: entry.id }, `${entry.where}: microsite "${entry.id}" loads a definition with id "${definition.id}"`);
    }

    await app.register(
      async (scope) => {
        // Portal pages are not part of the REST API's OpenAPI document.
        scope.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, hide: true };
        });
        // Every state-changing request to a microsite needs the CSRF token (header or _csrf field).
        scope.addHook('preValidation', (request, reply, done) => {
          if (UNSAFE.has(request.method)) scope.csrfProtection(request, reply, done);
          else done();
        });
        scope.setErrorHandler((error: FastifyError, request, reply) => this.errorPage(entry.id, error, request, reply));
        if (definition.assets) {
          await scope.register(fastifyStatic, { root: resolve(dir, definition.assets), prefix: '/static/', decorateReply: false, index: false });
        }
        await definition.routes?.(scope, ctx);
      },
      { prefix: entry.path },
    );
  }

  page(active: string | null, request: FastifyRequest, reply: FastifyReply, page: Parameters<MicrositeContext['page']>[2]): FastifyReply {
    return sendPage(this.shell, active, request, reply, page);
  }

  /** Errors inside the portal are pages (or fragments), with the message and never a stack. */
  errorPage(active: string | null, error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    let status = 500;
    let message = 'The server could not answer this request. The details are in the server log.';
    if (error instanceof AppError) {
      status = error.statusCode;
      message = error.message;
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      status = (error as FastifyError).statusCode!;
      message = (error as FastifyError).code === 'FST_CSRF_INVALID_TOKEN' || (error as FastifyError).code === 'FST_CSRF_MISSING_SECRET'
        ? 'The form had expired or did not come from this portal. Reload the page and try again.'
        : error.message;
    }
    if (status >= 500) this.options.logger.error({ err: error, url: request.url }, 'portal page failed');
    return this.page(active, request, reply, { title: status === 404 ? 'Not found' : 'Error', body: errorBody(status, message), status });
  }

  /** The not-found answer for paths outside the API. */
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = request.url.split('?')[0] ?? '';
    return this.page(null, request, reply, { title: 'Not found', body: errorBody(404, `There is no page at ${path}.`), status: 404 });
  }

  private installGuard(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (isApiPath(path)) return;
      this.authOn = await this.sessions.enabled();
      if (!this.authOn || OPEN_PATHS.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)))) return;
      if (await this.sessions.isSignedIn(request)) return;
      const login = `/login?next=${encodeURIComponent(request.url)}`;
      if (request.headers['hx-request'] === 'true') return reply.status(401).header('hx-redirect', login).send();
      if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(login, 303);
      return reply.status(401).type('text/plain; charset=utf-8').send('Sign in first: /login');
    });
  }

  private registerSignIn(app: FastifyInstance): void {
    const shellPage = (request: FastifyRequest, reply: FastifyReply, error: string | null, next: string, status = 200) =>
      this.page(null, request, reply, { title: 'Sign in', body: loginPage({ csrf: this.csrfToken(reply), error, next, portal: this.options.config }), status });

    app.get<{ Querystring: { next?: string } }>('/login', { schema: { hide: true } }, async (request, reply) => {
      if (!this.authOn || (await this.sessions.isSignedIn(request))) return reply.redirect(safeNext(request.query.next), 303);
      return shellPage(request, reply, null, safeNext(request.query.next));
    });

    app.post<{ Body: { token?: unknown; next?: unknown } }>(
      '/login',
      { schema: { hide: true }, preValidation: (request, reply, done) => app.csrfProtection(request, reply, done), errorHandler: (error, request, reply) => this.errorPage(null, error, request, reply) },
      async (request, reply) => {
        const next = safeNext(request.body?.next);
        const token = typeof request.body?.token === 'string' ? request.body.token : '';
        if (token.trim() === '') return shellPage(request, reply, 'Enter an API token.', next, 400);
        if (!(await this.sessions.signIn(token, request, reply))) return shellPage(request, reply, 'That token is not valid (or was revoked).', next, 401);
        this.options.logger.info({ ip: request.ip }, 'portal sign-in');
        if (request.headers['hx-request'] === 'true') return reply.header('hx-redirect', next).status(204).send();
        return reply.redirect(next, 303);
      },
    );

    app.post(
      '/logout',
      { schema: { hide: true }, preValidation: (request, reply, done) => app.csrfProtection(request, reply, done), errorHandler: (error, request, reply) => this.errorPage(null, error, request, reply) },
      async (_request, reply) => {
        this.sessions.signOut(reply);
        return reply.redirect('/login', 303);
      },
    );
  }
}

export { contentType, isFragmentRequest };
