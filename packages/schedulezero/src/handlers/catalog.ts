import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError } from '../domain/errors.js';
import type { JsonObject, RetryPolicy } from '../domain/types.js';
import type { HandlerRegistry, RegisteredHandler } from './registry.js';

/** What a worker may tell about a method when it registers. */
export interface MethodInfo {
  description?: string;
  params_schema?: Record<string, unknown>;
}

/** Where a method's spec came from. */
export type MethodSource = 'registry' | 'worker';

export interface CatalogMethod {
  name: string;
  description: string | null;
  params_schema: Record<string, unknown> | null;
  timeout_seconds: number | null | undefined;
  retry: Partial<RetryPolicy> | undefined;
  source: MethodSource;
}

/**
 * What the server knows about handlers and their methods: the registry file, plus what pull
 * workers declare when they register. The engine asks it to validate params (a schedule or run
 * whose params break the method's schema is refused with 400 naming the field) and for a
 * method's default timeout and retry policy.
 */
export class HandlerCatalog {
  // Formats (email, date-time, uri, ...) are checked, as users of JSON Schema expect.
  private readonly ajv = (addFormatsModule as unknown as (ajv: Ajv) => Ajv)(new Ajv({ strict: false, allErrors: false, useDefaults: false }));
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly registered = new Map<string, RegisteredHandler>();
  /** handler -> method -> info, as the latest registering worker said. */
  private readonly fromWorkers = new Map<string, Map<string, MethodInfo>>();

  constructor(registry: HandlerRegistry) {
    for (const handler of registry.handlers) this.registered.set(handler.id, handler);
  }

  handler(id: string): RegisteredHandler | undefined {
    return this.registered.get(id);
  }

  handlers(): RegisteredHandler[] {
    return [...this.registered.values()];
  }

  /** Remember method schemas a worker sent. Throws ValidationError when a schema does not compile. */
  learn(handler: string, info: Record<string, MethodInfo>): void {
    for (const [method, spec] of Object.entries(info)) {
      if (spec.params_schema) {
        try {
          this.compile(spec.params_schema);
        } catch (err) {
          throw new ValidationError(`method_info.${method}.params_schema is not a valid JSON Schema: ${(err as Error).message}`, `method_info.${method}.params_schema`);
        }
      }
    }
    const known = this.fromWorkers.get(handler) ?? new Map<string, MethodInfo>();
    for (const [method, spec] of Object.entries(info)) known.set(method, spec);
    this.fromWorkers.set(handler, known);
  }

  /** What workers declared about a handler's methods (for other nodes to learn), or null. */
  declared(handler: string): Record<string, MethodInfo> | null {
    const known = this.fromWorkers.get(handler);
    return known ? Object.fromEntries(known) : null;
  }

  /** The method's spec: the registry's, else what a worker declared; null when nothing is known. */
  method(handler: string, method: string): CatalogMethod | null {
    const registered = this.registered.get(handler)?.methods[method];
    if (registered) {
      return {
        name: method,
        description: registered.description ?? null,
        params_schema: registered.params_schema ?? null,
        timeout_seconds: registered.timeout_seconds,
        retry: registered.retry,
        source: 'registry',
      };
    }
    const declared = this.fromWorkers.get(handler)?.get(method);
    if (declared) {
      return { name: method, description: declared.description ?? null, params_schema: declared.params_schema ?? null, timeout_seconds: undefined, retry: undefined, source: 'worker' };
    }
    return null;
  }

  /** Every method known for a handler (registry first, then worker-declared ones). */
  methods(handler: string): CatalogMethod[] {
    const names = new Set([...Object.keys(this.registered.get(handler)?.methods ?? {}), ...(this.fromWorkers.get(handler)?.keys() ?? [])]);
    return [...names].sort().map((name) => this.method(handler, name)!);
  }

  /**
   * Refuse params that break the method's schema (field "params.<path>"), and methods a
   * registry-declared handler does not have (field "method").
   */
  check(handler: string, method: string, params: JsonObject): void {
    const registered = this.registered.get(handler);
    if (registered && !(method in registered.methods) && registered.type !== 'worker') {
      throw new ValidationError(`handler "${handler}" has no method "${method}" (it has ${Object.keys(registered.methods).sort().join(', ')})`, 'method', 'unknown_method');
    }
    const spec = this.method(handler, method);
    if (!spec?.params_schema) return;
    const validate = this.compile(spec.params_schema);
    if (!validate(params)) throw paramsError(validate.errors ?? [], handler, method);
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.compiled.set(key, fn);
    }
    return fn;
  }
}

function paramsError(errors: ErrorObject[], handler: string, method: string): ValidationError {
  const err = errors[0]!;
  const parts = err.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = err.params as Record<string, unknown>;
  if (err.keyword === 'required' && typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (err.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  const field = ['params', ...parts].join('.');
  const what =
    err.keyword === 'required'
      ? 'is required'
      : err.keyword === 'additionalProperties'
        ? 'is not a parameter of this method'
        : err.keyword === 'enum'
          ? `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
          : (err.message ?? 'is invalid');
  return new ValidationError(`${field} ${what} (schema of ${handler}.${method})`, field, 'invalid_params');
}
