import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance } from 'fastify';
import { validationErrorFrom } from '../../api/errors.js';
import { AppError } from '../../domain/errors.js';

/**
 * The original answered errors as `{"error": {"code": <HTTP status>, "message"}}` (its Tornado
 * base handler), and its clients read them so. Same shape here, plus `field` naming the
 * offending input; never a traceback (the original's debug mode sent one).
 */
export function installOriginalErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    const send = (status: number, message: string, field?: string) =>
      reply.status(status).send({ error: { code: status, message, ...(field ? { field } : {}) } });
    if (error instanceof AppError) return send(error.statusCode, error.message, error.field);
    const fe = error as FastifyError;
    if (fe.validation) {
      const invalid = validationErrorFrom(fe.validation as unknown as ErrorObject[], fe.validationContext ?? 'body');
      return send(400, invalid.message, invalid.field);
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(status, fe.message);
    request.log.error({ err: error }, 'request failed');
    return send(500, 'internal server error');
  });
}
