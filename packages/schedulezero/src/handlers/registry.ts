import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describeSchemaError } from '../config/schema-errors.js';
import { locate, readYamlFile } from '../config/yaml-source.js';
import { ConfigError } from '../server/config-error.js';
import {
  HandlerRegistrySchema,
  type CommandHandlerSpec,
  type GovernedProcess,
  type HandlerRegistryFile,
  type HandlerSpec,
  type HttpHandlerSpec,
  type MethodSpec,
} from './registry-schema.js';

/** A handler of the registry with relative paths resolved against the registry file's folder. */
export type RegisteredHandler = (
  | (HttpHandlerSpec & { secret: string | null })
  | (CommandHandlerSpec & { cwd: string })
  | (Extract<HandlerSpec, { type: 'worker' }> & { run?: GovernedProcess & { cwd: string; log_file: string } })
) & {
  /** Methods by name; an empty entry in the file is an empty spec here. */
  methods: Record<string, MethodSpec>;
  /** "file:line:col" of the entry, for errors found later. */
  where: string;
};

export interface HandlerRegistry {
  file: string | null;
  handlers: RegisteredHandler[];
}

export const EMPTY_REGISTRY: HandlerRegistry = { file: null, handlers: [] };

/** The file to read: the given path (flag, env or settings), else ./handler_registry.yaml when present. */
export function findHandlerRegistry(path: string | null, cwd = process.cwd()): string | null {
  if (path) return resolve(cwd, path);
  const implicit = resolve(cwd, 'handler_registry.yaml');
  return existsSync(implicit) ? implicit : null;
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true, discriminator: false }).compile(HandlerRegistrySchema);
/** Parameter schemas are JSON Schema written by users: compiled once here to refuse broken ones early. */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schemaCheck = addFormats(new Ajv({ strict: false, allErrors: true }));

export interface RegistryLoadOptions {
  /** An http handler's secret_env must be set (the server signs with it); the governor does not need it. */
  requireSecrets?: boolean;
}

export function loadHandlerRegistry(file: string | null, env: NodeJS.ProcessEnv = process.env, options: RegistryLoadOptions = {}): HandlerRegistry {
  if (file === null) return EMPTY_REGISTRY;
  const source = readYamlFile(file, 'handler registry');
  if (!validate(source.data)) throw new ConfigError(describeSchemaError(source, relevantErrors(source.data, validate.errors ?? [])));
  const data = source.data as HandlerRegistryFile;
  const base = dirname(file);
  const seen = new Map<string, number>();

  const handlers = data.handlers.map((spec, index): RegisteredHandler => {
    const where = `${file}${locate(source, ['handlers', index, 'id'], false)}`;
    const fail = (path: (string | number)[], message: string): never => {
      throw new ConfigError(`${file}${locate(source, ['handlers', index, ...path], false)}: handlers[${index}].${path.join('.')}: ${message}`);
    };
    if (seen.has(spec.id)) fail(['id'], `duplicate handler id "${spec.id}" (also handlers[${seen.get(spec.id)}])`);
    seen.set(spec.id, index);
    const methods: Record<string, MethodSpec> = {};
    for (const [name, method] of Object.entries(spec.methods)) {
      methods[name] = method ?? {};
      if (method?.params_schema) {
        try {
          schemaCheck.compile(method.params_schema);
        } catch (err) {
          fail(['methods', name, 'params_schema'], `not a valid JSON Schema: ${(err as Error).message}`);
        }
      }
    }
    if (spec.type !== 'worker' && Object.keys(methods).length === 0) fail(['methods'], `${spec.type === 'http' ? 'an' : 'a'} ${spec.type} handler needs at least one method`);

    if (spec.type === 'http') {
      let secret: string | null = null;
      if (spec.secret_env !== undefined) {
        secret = env[spec.secret_env] ?? null;
        if (!secret && options.requireSecrets !== false) fail(['secret_env'], `environment variable ${spec.secret_env} is not set (it holds the signing secret)`);
      }
      return { ...spec, methods, where, secret };
    }
    if (spec.type === 'command') {
      return { ...spec, methods, where, cwd: resolve(base, spec.cwd ?? '.') };
    }
    if (spec.run) {
      const run = { ...spec.run, cwd: resolve(base, spec.run.cwd ?? '.'), log_file: resolve(base, spec.run.log_file ?? `logs/${spec.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`) };
      return { ...spec, methods, where, run };
    }
    const { run: _none, ...rest } = spec;
    return { ...rest, methods, where };
  });
  return { file, handlers };
}

/** The branch of the handler union (registry-schema.ts) each `type` selects. */
const BRANCH: Record<string, number> = { http: 0, command: 1, worker: 2 };

/**
 * Ajv reports a mistake in one handler once per branch of the handler union ("type must be
 * equal to constant" from the two branches that do not apply). Keep the errors of the branch
 * the entry's own `type` picks; an unknown key is reported as that key.
 */
function relevantErrors(data: unknown, errors: ErrorObject[]): ErrorObject[] {
  const handlers = (data as { handlers?: unknown[] } | null)?.handlers;
  const kept = errors.filter((e) => {
    const at = /^\/handlers\/(\d+)(?:\/|$)/.exec(e.instancePath);
    const branch = /^#\/properties\/handlers\/items\/anyOf\/(\d+)\//.exec(e.schemaPath);
    if (!at || !branch) return true;
    const type = (handlers?.[Number(at[1])] as { type?: unknown } | undefined)?.type;
    const wanted = typeof type === 'string' ? BRANCH[type] : undefined;
    return wanted === undefined || Number(branch[1]) === wanted;
  });
  return kept.length > 0 ? kept : errors;
}
