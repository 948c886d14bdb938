import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ValidationError } from '../domain/errors.js';

interface ErrorPayload {
  code: string;
  message: string;
  field?: string;
}

/** `/trigger/seconds` + context `body` -> `trigger.seconds`; query and params name the key. */
function fieldOf(err: ErrorObject, prefix: string): string | undefined {
  const parts = err.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = err.params as Record<string, unknown>;
  if (err.keyword === 'required' && typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (err.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  if (err.keyword === 'discriminator' && typeof params.tag === 'string') parts.push(params.tag);
  const path = parts.join('.');
  if (path) return path;
  return prefix === 'body' ? undefined : prefix;
}

function describe(err: ErrorObject, field: string | undefined): string {
  const params = err.params as Record<string, unknown>;
  const subject = field ?? 'body';
  switch (err.keyword) {
    case 'required':
      return `${subject} is required`;
    case 'additionalProperties':
      return `${subject}: unknown field`;
    case 'discriminator':
      return `${subject} must be one of "cron", "interval", "date"`;
    case 'enum':
      return `${subject} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${subject} must be ${JSON.stringify(params.allowedValue)}`;
    case 'type':
      return `${subject} must be ${String(params.type).replace(',', ' or ')}`;
    default:
      return `${subject} ${err.message ?? 'is invalid'}`;
  }
}

/** Ajv reports one error per branch of a union; the most specific one helps most. */
function mostUseful(errors: ErrorObject[]): ErrorObject {
  const score = (e: ErrorObject) =>
    e.instancePath.split('/').length * 10 + (e.keyword === 'anyOf' || e.keyword === 'oneOf' ? 0 : 5);
  return errors.reduce((best, e) => (score(e) > score(best) ? e : best), errors[0]!);
}

function fromValidation(error: FastifyError): ErrorPayload {
  const errors = (error.validation ?? []) as unknown as ErrorObject[];
  const context = error.validationContext ?? 'body';
  if (errors.length === 0) return { code: 'invalid_input', message: error.message };
  const err = mostUseful(errors);
  const field = fieldOf(err, context);
  return { code: 'invalid_input', message: describe(err, field), ...(field ? { field } : {}) };
}

/** The same error a route would answer, for input validated outside a route (the portal's calls). */
export function validationErrorFrom(errors: ErrorObject[], context = 'body'): ValidationError {
  if (errors.length === 0) return new ValidationError('input is invalid');
  const err = mostUseful(errors);
  const field = fieldOf(err, context);
  return new ValidationError(describe(err, field), field);
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/**
 * Every error leaves as `{error: {code, message, field?}}`. Input problems are 4xx with the field
 * named; anything unexpected is logged with its stack and answered with a plain 500.
 */
export interface ErrorHandlingOptions {
  /** Answers not-found requests outside the API (the portal's HTML page). */
  notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
  isApiPath?: (path: string) => boolean;
}

/** Socket errors of a database that went away, and PostgreSQL's "connection" and "shutting down" classes. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03']);

/**
 * The database could not be reached (restarting, failed over, network): a 503 the client may
 * retry, not a 500 that says the server is broken.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  // node-postgres reports a connection closed under a query without a code.
  return typeof e?.message === 'string' && /^Connection terminated|^Client has encountered a connection error|timeout exceeded when trying to connect/.test(e.message);
}

export function installErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      const body: ErrorPayload = { code: error.code, message: error.message };
      if (error.field) body.field = error.field;
      return reply.status(error.statusCode).send({ error: body });
    }
    const fe = error as FastifyError;
    if (fe.validation) return reply.status(400).send({ error: fromValidation(fe) });
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = (fe.code && FASTIFY_CODES[fe.code]) ?? (fe instanceof SyntaxError ? 'invalid_json' : 'bad_request');
      return reply.status(status).send({ error: { code, message: fe.message } });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'request failed: the database is unavailable');
      return reply
        .status(503)
        .header('retry-after', '2')
        .send({ error: { code: 'database_unavailable', message: 'the database cannot be reached right now; try again shortly' } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal_error', message: 'internal server error' } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (options.notFoundPage && options.isApiPath && !options.isApiPath(path)) return options.notFoundPage(request, reply);
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
