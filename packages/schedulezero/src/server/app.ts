import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { Type } from 'typebox';
import { Authenticator } from '../api/auth.js';
import { installErrorHandling } from '../api/errors.js';
import { governorRoutes } from '../api/routes/governor.js';
import { handlerRoutes } from '../api/routes/handlers.js';
import { runLogRoutes } from '../api/routes/run-logs.js';
import { runRoutes } from '../api/routes/runs.js';
import { scheduleRoutes } from '../api/routes/schedules.js';
import { installValidation } from '../api/validation.js';
import type { Engine } from '../engine/engine.js';
import { protocolRoutes } from '../protocol/routes.js';
import { originalRoutes } from '../compat/original-routes.js';
import type { Governor } from '../governor/index.js';
import { VERSION } from '../version.js';
import type { ResolvedPortalConfig } from '../portal/config/load.js';
import { isApiPath, Portal } from '../portal/portal.js';
import { createMetrics } from './metrics.js';

export interface AppOptions {
  engine: Engine;
  logger: PinoLogger;
  apiTokenHashes: string[];
  /** The web portal's config; null serves the API only. */
  portal: ResolvedPortalConfig | null;
  /** The process governor, once started (it starts after the server listens). */
  governor?: () => Governor | null;
}

const API = '/api/v1';

/** The HTTP application: REST API v1, the worker protocol, OpenAPI, health, metrics and the portal. */
export async function buildApp({ engine, logger, apiTokenHashes, portal: portalConfig, governor = () => null }: AppOptions): Promise<FastifyInstance> {
  const base = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request logs at 5,000 requests/s drown everything else; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Handler names may be 128 characters, percent-encoded in paths.
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
    // By the time the app closes, the engine has stopped and answered every waiting poll; what
    // is left are idle keep-alive sockets (some never sent a request) that would hold the close.
    forceCloseConnections: true,
  });
  installValidation(base);
  const auth = new Authenticator({
    store: engine.store,
    configuredHashes: apiTokenHashes,
    // Load balancers' health checks, and the original ScheduleZero's health poll.
    publicPaths: [`${API}/health`, `${API}/health/ready`, '/api/health'],
    // With the portal on, its pages are guarded by its own sign-in (sessions).
    ...(portalConfig ? { protects: isApiPath } : {}),
  });
  const portal = portalConfig
    ? new Portal({ engine, auth, config: portalConfig, logger: logger.child({ component: 'portal' }), openapi: () => base.swagger() as unknown as Record<string, unknown>, governor })
    : null;
  installErrorHandling(base, portal ? { notFoundPage: (request, reply) => portal.notFound(request, reply), isApiPath } : {});
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ScheduleZero API',
        version: VERSION,
        description: 'Schedules, runs, handlers, and the worker protocol. Errors are `{"error": {"code", "message", "field"}}`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  auth.install(base);

  app.get(
    `${API}/health`,
    {
      schema: {
        tags: ['server'],
        summary: 'Health check',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: VERSION }),
  );

  // Readiness (a load balancer's or Kubernetes' readinessProbe): the process answers, the engine
  // runs, and the database answers within two seconds. /health stays the liveness check: a
  // node whose database is away must not be restarted for it.
  app.get(
    `${API}/health/ready`,
    {
      schema: {
        tags: ['server'],
        summary: 'Readiness check',
        description: 'Answers 200 when the engine is running and the database answers; 503 otherwise (stopping, database unreachable).',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), version: Type.String() }),
          503: Type.Object({ status: Type.Literal('unavailable'), reason: Type.String(), version: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      const unavailable = (reason: string) => reply.status(503).header('retry-after', '2').send({ status: 'unavailable' as const, reason, version: VERSION });
      if (!engine.isRunning) return unavailable('the engine is not running (starting or stopping)');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 2_000);
      });
      try {
        const answer = await Promise.race([engine.store.nextDueAt().then(() => 'ok' as const), timeout]);
        if (answer === 'timeout') return unavailable('the database did not answer within 2 s');
        return { status: 'ready' as const, version: VERSION };
      } catch {
        return unavailable('the database cannot be reached');
      } finally {
        clearTimeout(timer);
      }
    },
  );

  app.get(`${API}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  await app.register(scheduleRoutes, { prefix: API, engine });
  await app.register(runRoutes, { prefix: API, engine });
  await app.register(runLogRoutes, { prefix: API, engine });
  await app.register(handlerRoutes, { prefix: API, engine, governor });
  await app.register(protocolRoutes, { prefix: API, engine });
  await app.register(governorRoutes, { prefix: API, governor });
  // The original ScheduleZero's routes (/api/health, /api/schedule, ...), for its API clients.
  await app.register(originalRoutes, { prefix: '/api', engine });

  const metrics = createMetrics(engine);
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });

  if (portal) await portal.register(base);
  return base;
}
