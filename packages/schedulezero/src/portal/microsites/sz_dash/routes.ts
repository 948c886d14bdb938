import type { FastifyInstance } from 'fastify';
import { html } from '../../html.js';
import type { MicrositeContext } from '../../plugin.js';
import { LiveDashboard } from './live.js';
import { dashboardBody } from './page.js';
import { DashSource, TimelineCache } from './source.js';
import { SSE_HEADERS, SseClient } from './sse.js';

/** How long the live stream reuses the day's timeline between chart redraws. */
const TIMELINE_MAX_AGE_MS = 10_000;

/**
 * portal_config.yaml `options.ping_seconds`: how often an idle stream gets a keep-alive comment
 * (default 15; lower it behind a proxy that closes idle connections sooner).
 */
function pingMs(options: Record<string, unknown>): number | undefined {
  const seconds = options.ping_seconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.max(100, seconds * 1000) : undefined;
}

export function dashboardRoutes(app: FastifyInstance, ctx: MicrositeContext): void {
  const timelines = new TimelineCache(TIMELINE_MAX_AGE_MS);
  const ping = pingMs(ctx.microsite.options);
  const live = new LiveDashboard(ctx, timelines, ping === undefined ? {} : { pingMs: ping });
  // Open streams would hold the server's close; end them first.
  app.addHook('preClose', (done) => {
    live.close();
    done();
  });

  app.get('/', async (request, reply) => {
    const source = new DashSource(ctx, ctx.api.now(), timelines, true);
    return ctx.page(request, reply, {
      title: ctx.microsite.name,
      head: html`<link rel="stylesheet" href="${ctx.asset('dash.css')}">`,
      body: await dashboardBody(ctx, source),
    });
  });

  // A HEAD request would hold a stream open that can never carry a byte.
  app.get('/events', { exposeHeadRoute: false }, async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, SSE_HEADERS);
    // Reconnect soon after a dropped connection; the snapshot on connect catches the page up.
    res.write('retry: 3000\n\n');
    const client = new SseClient(res);
    res.on('close', () => live.disconnect(client));
    live.connect(client).catch((err: unknown) => {
      ctx.log.error({ err, url: request.url }, 'dashboard stream failed');
      live.disconnect(client);
    });
    return reply;
  });
}
