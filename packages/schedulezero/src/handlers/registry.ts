import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
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
const schemaCheck = new Ajv({ strict: false, allErrors: true });

export interface RegistryLoadOptions {
  /** An http handler's secret_env must be set (the server signs with it); the governor does not need it. */
  requireSecrets?: boolean;
}

export function loadHandlerRegistry(file: string | null, env: NodeJS.ProcessEnv = process.env, options: RegistryLoadOptions = {}): HandlerRegistry {
  if (file === null) return EMPTY_REGISTRY;
  const source = readYamlFile(file, 'handler registry');
  if (!validate(source.data)) throw new ConfigError(describeSchemaError(source, validate.errors ?? []));
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
    if (spec.type !== 'worker' && Object.keys(methods).length === 0) fail(['methods'], `an ${spec.type} handler needs at least one method`);

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
