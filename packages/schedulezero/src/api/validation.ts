import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import secureJson from 'secure-json-parse';
import { ValidationError } from '../domain/errors.js';
import { validationErrorFrom } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  allErrors: false,
  useDefaults: true,
  // Unknown fields are an error that names them, never silently dropped.
  removeAdditional: false,
  discriminator: true,
  strict: false,
};

const standalone = addFormats(new Ajv({ ...common, coerceTypes: false }));

/**
 * A body validator outside Fastify, with the routes' settings (defaults applied, unknown fields
 * refused): the portal checks what microsites hand the engine exactly as the API checks bodies.
 */
export function compileBodyValidator<T>(schema: object): (value: unknown) => T {
  const validate = standalone.compile(schema);
  return (value) => {
    if (!validate(value)) throw validationErrorFrom(validate.errors ?? []);
    return value as T;
  };
}

/**
 * Two validators: JSON bodies are taken as typed (a string is not a number), while query strings
 * and path parameters, which are text by nature, are coerced to the schema's types.
 */
export function installValidation(app: FastifyInstance): void {
  const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    return ajv.compile(schema as FastifySchema & object);
  });

  // An empty body with a JSON content type is "no body" (curl -X POST -H 'content-type: ...').
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      done(new ValidationError(`request body is not valid JSON: ${message}`, undefined, 'invalid_json'), undefined);
    }
  });
}
