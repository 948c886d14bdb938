import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { Type, type Static } from 'typebox';
import { hashToken } from '../api/auth.js';
import { formatPath, locate, readYamlFile } from '../config/yaml-source.js';
import { ConfigError } from './config-error.js';

/** The server's settings file (`schedulezero.yaml`); every key is optional. */
export const ConfigFileSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    database_url: Type.Optional(Type.String({ minLength: 1 })),
    log_level: Type.Optional(
      Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    ),
    allow_open_bind: Type.Optional(Type.Boolean()),
    portal: Type.Optional(Type.Boolean({ description: 'Serve the web portal (default true).' })),
    portal_config: Type.Optional(Type.String({ minLength: 1, description: 'portal_config.yaml to use, relative to the working folder.' })),
    handler_registry: Type.Optional(Type.String({ minLength: 1, description: 'handler_registry.yaml to use, relative to the working folder.' })),
    zmq: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        },
        { additionalProperties: false, description: "The original ScheduleZero's ZeroMQ transport (off by default)." },
      ),
    ),
    api_token_hashes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { description: 'SHA-256 (hex) of accepted API tokens.' }),
    ),
    heartbeat_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    lease_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    shutdown_grace_seconds: Type.Optional(Type.Number({ minimum: 0 })),
    retention: Type.Optional(
      Type.Object(
        {
          days: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
          runs_per_schedule: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type ConfigFile = Static<typeof ConfigFileSchema>;

export interface ServerConfig {
  host: string;
  port: number;
  database_url: string;
  log_level: string;
  allow_open_bind: boolean;
  /** Serve the web portal beside the API. */
  portal: boolean;
  /** portal_config.yaml (null: SCHEDULEZERO_PORTAL_CONFIG, ./portal_config.yaml, or the default portal). */
  portal_config: string | null;
  /** handler_registry.yaml (null: ./handler_registry.yaml when present). */
  handler_registry: string | null;
  /** The original's ZeroMQ registration socket; null when off. */
  zmq: { host: string; port: number } | null;
  /** SHA-256 hashes only: plaintext tokens from the environment are hashed on load. */
  api_token_hashes: string[];
  heartbeat_seconds: number;
  lease_seconds: number;
  shutdown_grace_seconds: number;
  retention: { days: number | null; runs_per_schedule: number | null };
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8888,
  database_url: 'sqlite:./data/schedulezero.db',
  log_level: 'info',
  allow_open_bind: false,
  portal: true,
  portal_config: null,
  handler_registry: null,
  zmq: null,
  api_token_hashes: [],
  heartbeat_seconds: 10,
  lease_seconds: 30,
  shutdown_grace_seconds: 30,
  retention: { days: 30, runs_per_schedule: 1000 },
};

export { ConfigError };

/** Flags given on the command line (already parsed); they win over everything else. */
export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: number;
  databaseUrl?: string;
  logLevel?: string;
  allowOpenBind?: boolean;
  portalConfig?: string;
  portal?: boolean;
  handlerRegistry?: string;
}

function describeError(err: ErrorObject): { path: string[]; message: string; atKey: boolean } {
  const path = err.instancePath.split('/').filter(Boolean);
  const params = err.params as Record<string, unknown>;
  if (err.keyword === 'additionalProperties') {
    path.push(String(params.additionalProperty));
    return { path, message: 'unknown key', atKey: true };
  }
  if (err.keyword === 'anyOf' && path.at(-1) === 'log_level') {
    return { path, message: 'must be one of fatal, error, warn, info, debug, trace, silent', atKey: false };
  }
  return { path, message: err.message ?? 'is invalid', atKey: false };
}

export function readConfigFile(file: string): ConfigFile {
  const source = readYamlFile(file);
  const validate = new Ajv({ allErrors: false, strict: false }).compile(ConfigFileSchema);
  if (!validate(source.data)) {
    const { path, message, atKey } = describeError(validate.errors![0]!);
    throw new ConfigError(`${file}${locate(source, path, atKey)}: ${formatPath(path)}: ${message}`);
  }
  return source.data as ConfigFile;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`environment ${name}: "${raw}" is not a port number`);
  return n;
}

/**
 * Settings come from, lowest first: defaults, the config file (`--config`, SCHEDULEZERO_CONFIG,
 * or ./schedulezero.yaml when present), the environment, and flags.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const explicit = flags.config ?? env.SCHEDULEZERO_CONFIG;
  const implicit = resolve(cwd, 'schedulezero.yaml');
  const file = explicit ? resolve(cwd, explicit) : existsSync(implicit) ? implicit : undefined;
  const fromFile: ConfigFile = file ? readConfigFile(file) : {};

  const envTokens = (env.SCHEDULEZERO_API_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const logLevel = flags.logLevel ?? env.SCHEDULEZERO_LOG_LEVEL ?? env.LOG_LEVEL ?? fromFile.log_level;

  return {
    host: flags.host ?? env.SCHEDULEZERO_HOST ?? fromFile.host ?? DEFAULT_CONFIG.host,
    port: flags.port ?? envNumber(env, 'SCHEDULEZERO_PORT') ?? fromFile.port ?? DEFAULT_CONFIG.port,
    database_url: flags.databaseUrl ?? env.SCHEDULEZERO_DATABASE_URL ?? fromFile.database_url ?? DEFAULT_CONFIG.database_url,
    log_level: logLevel?.toLowerCase() ?? DEFAULT_CONFIG.log_level,
    allow_open_bind:
      flags.allowOpenBind ?? (env.SCHEDULEZERO_ALLOW_OPEN_BIND === 'true' || env.SCHEDULEZERO_ALLOW_OPEN_BIND === '1' ? true : undefined) ?? fromFile.allow_open_bind ?? false,
    portal: flags.portal ?? (env.SCHEDULEZERO_PORTAL === 'false' || env.SCHEDULEZERO_PORTAL === '0' ? false : undefined) ?? fromFile.portal ?? true,
    portal_config: flags.portalConfig ?? env.SCHEDULEZERO_PORTAL_CONFIG ?? fromFile.portal_config ?? null,
    handler_registry: flags.handlerRegistry ?? env.SCHEDULEZERO_HANDLER_REGISTRY ?? fromFile.handler_registry ?? null,
    zmq: zmqSettings(env, fromFile.zmq),
    api_token_hashes: [...(fromFile.api_token_hashes ?? []), ...envTokens.map(hashToken)],
    heartbeat_seconds: fromFile.heartbeat_seconds ?? DEFAULT_CONFIG.heartbeat_seconds,
    lease_seconds: fromFile.lease_seconds ?? DEFAULT_CONFIG.lease_seconds,
    shutdown_grace_seconds: fromFile.shutdown_grace_seconds ?? DEFAULT_CONFIG.shutdown_grace_seconds,
    retention: { ...DEFAULT_CONFIG.retention, ...fromFile.retention },
  };
}

/**
 * ZeroMQ is on when the file enables it or the original's SCHEDULEZERO_ZMQ_PORT/HOST are set
 * (so that an original deployment's environment works as it did); default tcp://127.0.0.1:4242.
 */
function zmqSettings(env: NodeJS.ProcessEnv, file: ConfigFile['zmq']): ServerConfig['zmq'] {
  const fromEnv = env.SCHEDULEZERO_ZMQ_PORT !== undefined || env.SCHEDULEZERO_ZMQ_HOST !== undefined;
  if (!fromEnv && !file?.enabled) return null;
  if (file?.enabled === false && !fromEnv) return null;
  return {
    host: env.SCHEDULEZERO_ZMQ_HOST || file?.host || '127.0.0.1',
    port: envNumber(env, 'SCHEDULEZERO_ZMQ_PORT') ?? file?.port ?? 4242,
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Where a `sqlite:` URL points: a file path, or ':memory:'. */
export function sqliteFilename(url: string, cwd = process.cwd()): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '//:memory:') return ':memory:';
  const path = rest.startsWith('///') ? rest.slice(2) : rest.startsWith('//') ? rest.slice(2) : rest;
  if (!path) throw new ConfigError(`database url "${url}": no file path after "sqlite:"`);
  return resolve(cwd, path);
}
