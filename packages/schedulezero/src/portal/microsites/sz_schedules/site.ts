import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../../html.js';
import type { MicrositeContext } from '../../plugin.js';
import { Links } from './links.js';
import type { View } from './views/common.js';

/** What the route modules share: the context, the URLs, and how a page of this microsite is sent. */
export class Site {
  readonly links: Links;
  private readonly head: SafeHtml;

  constructor(readonly ctx: MicrositeContext) {
    this.links = new Links(ctx);
    this.head = ctx.html`<link rel="stylesheet" href="${ctx.asset('schedules.css')}">`;
  }

  /** One CSRF field per response, shared by all the forms on it. */
  view(reply: FastifyReply): View {
    return { links: this.links, csrf: this.ctx.csrfField(reply) };
  }

  page(request: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200): FastifyReply {
    return this.ctx.page(request, reply, { title, body, head: this.head, status });
  }
}

/** A query or body parameter as one string ('' when absent or not text). */
export function param(source: unknown, key: string, max = 512): string {
  if (typeof source !== 'object' || source === null) return '';
  let v = (source as Record<string, unknown>)[key];
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

export function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-history-restore-request'] !== 'true';
}
