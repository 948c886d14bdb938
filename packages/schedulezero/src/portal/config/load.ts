import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describeSchemaError } from '../../config/schema-errors.js';
import { formatPath, locate, readYamlFile, type YamlSource } from '../../config/yaml-source.js';
import { ConfigError } from '../../server/config-error.js';
import { BUILTIN_MICROSITES, DEFAULT_MICROSITES, RESERVED_PATHS } from './defaults.js';
import { PortalConfigSchema, type DocSiteEntry, type MicrositeEntry, type MicrositeType, type PortalConfigFile } from './schema.js';

/** Where a microsite's code comes from. */
export type MicrositeSource = { kind: 'core' } | { kind: 'path'; path: string } | { kind: 'package'; name: string };

/** A microsite entry with every default filled in and every path resolved. */
export interface ResolvedMicrosite {
  id: string;
  name: string;
  icon: string;
  type: MicrositeType;
  source: MicrositeSource;
  /** Mount path ("/schedules"), or an absolute URL for external microsites. */
  path: string;
  enabled: boolean;
  nav_order: number;
  description: string;
  docs_source: string | null;
  open_in: 'new_tab' | 'same_tab';
  options: Record<string, unknown>;
  /** "file:line:col" of the entry, for errors found later (a plugin that fails to load). */
  where: string;
  /** Which of name, icon and description the config gave (the microsite's own defaults fill the rest). */
  configured: { name: boolean; icon: boolean; description: boolean };
}

export interface ResolvedPortalConfig {
  /** The file read, or null for the built-in default. */
  file: string | null;
  /** Relative paths in the file are relative to this folder. */
  baseDir: string;
  portal: { name: string; version: string; type: 'core' | 'custom' | 'saas'; base_platform: string; base_version: string | null; description: string };
  branding: { logo: string | null; favicon: string | null; primary_color: string; company_name: string | null };
  /** All entries, enabled or not, in nav_order. */
  microsites: ResolvedMicrosite[];
  documentation: { strategy: 'unified' | 'modular' | 'external'; sites: DocSiteEntry[] };
  multi_tenant: { enabled: boolean; tenant_isolation: 'database' | 'schema' | 'kubernetes' };
  billing: { enabled: boolean; provider: string | null; usage_metrics: string[] };
}

export interface LoadedPortalConfig {
  config: ResolvedPortalConfig;
  /** Unknown keys and other things worth a look, each with its location. */
  warnings: string[];
}

export interface PortalConfigLocation {
  /** --portal-config */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The file to read: the flag, SCHEDULEZERO_PORTAL_CONFIG, ./portal_config.yaml, or none (the default portal). */
export function findPortalConfig({ flag, env = process.env, cwd = process.cwd() }: PortalConfigLocation = {}): string | null {
  const explicit = flag ?? env.SCHEDULEZERO_PORTAL_CONFIG;
  if (explicit) return resolve(cwd, explicit);
  const implicit = resolve(cwd, 'portal_config.yaml');
  return existsSync(implicit) ? implicit : null;
}

export function loadPortalConfig(location: PortalConfigLocation = {}): LoadedPortalConfig {
  const file = findPortalConfig(location);
  if (file === null) return { config: resolveConfig({}, null, location.cwd ?? process.cwd()), warnings: [] };
  return readPortalConfig(file);
}

/** Read and validate one file (what `schedulezero portal check` runs). Throws ConfigError. */
export function readPortalConfig(file: string): LoadedPortalConfig {
  const source = readYamlFile(file, 'portal config');
  if (typeof source.data !== 'object' || source.data === null || Array.isArray(source.data)) {
    throw new ConfigError(`${file}:1:1: (top level): must be a mapping of keys (portal, branding, microsites, ...)`);
  }
  const warnings: string[] = [];
  dropUnknownKeys(PortalConfigSchema as unknown as SchemaNode, source.data, [], (path) => {
    warnings.push(`${file}${locate(source, path, true)}: ${formatPath(path)}: unknown key, ignored`);
  });
  if (!validate(source.data)) throw new ConfigError(describeSchemaError(source, validate.errors ?? []));
  return { config: resolveConfig(source.data as PortalConfigFile, source, dirname(file), warnings), warnings };
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(PortalConfigSchema);

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}

/** Unknown keys are warnings, not errors: report each where it is written and drop it. */
function dropUnknownKeys(schema: SchemaNode, data: unknown, path: (string | number)[], warn: (path: (string | number)[]) => void): void {
  if (schema.anyOf) {
    const kind = Array.isArray(data) ? 'array' : data === null ? 'null' : typeof data;
    const branch = schema.anyOf.find((s) => s.type === kind);
    if (branch) dropUnknownKeys(branch, data, path, warn);
    return;
  }
  if (schema.type === 'object' && schema.properties && typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const sub = schema.properties[key];
      if (!sub) {
        warn([...path, key]);
        delete record[key];
      } else {
        dropUnknownKeys(sub, record[key], [...path, key], warn);
      }
    }
  } else if (schema.type === 'array' && schema.items && Array.isArray(data)) {
    data.forEach((item, i) => dropUnknownKeys(schema.items!, item, [...path, i], warn));
  }
}

const URL_LIKE = /^(https?:)?\/\//i;

function resolveConfig(file: PortalConfigFile, source: YamlSource | null, baseDir: string, warnings: string[] = []): ResolvedPortalConfig {
  const fileName = source?.file ?? '(default portal)';
  const where = (path: (string | number)[], atKey = false) => `${fileName}${source ? locate(source, path, atKey) : ''}`;
  const fail = (path: (string | number)[], message: string): never => {
    throw new ConfigError(`${where(path)}: ${formatPath(path)}: ${message}`);
  };

  const entries = file.microsites ?? DEFAULT_MICROSITES;
  const microsites: ResolvedMicrosite[] = [];
  const ids = new Map<string, number>();
  entries.forEach((raw, index) => {
    const entry: MicrositeEntry = typeof raw === 'string' ? { id: raw } : raw;
    const at = typeof raw === 'string' ? ['microsites', index] : ['microsites', index, 'id'];
    if (ids.has(entry.id)) fail(at, `duplicate microsite id "${entry.id}" (also microsites[${ids.get(entry.id)}])`);
    ids.set(entry.id, index);
    const builtin = BUILTIN_MICROSITES[entry.id];
    const type: MicrositeType = entry.microsite_type ?? builtin?.type ?? 'htmx';

    let src: MicrositeSource;
    if (entry.source === undefined || entry.source === 'schedulezero-core') {
      if (!builtin && type !== 'external' && type !== 'openapi' && type !== 'mkdocs') {
        fail(at, `"${entry.id}" is not a built-in microsite (${Object.keys(BUILTIN_MICROSITES).join(', ')}); give its code with source: ./path or a package name`);
      }
      src = { kind: 'core' };
    } else if (entry.source.startsWith('.') || isAbsolute(entry.source)) {
      const path = resolve(baseDir, entry.source);
      if (!existsSync(path)) fail(['microsites', index, 'source'], `${path} does not exist`);
      src = { kind: 'path', path };
    } else {
      src = { kind: 'package', name: entry.source };
    }

    let path = entry.path ?? builtin?.path ?? `/${entry.id}`;
    const pathAt = entry.path === undefined ? at : ['microsites', index, 'path'];
    if (type === 'external') {
      if (entry.path === undefined || !/^https?:\/\/[^\s]+$/i.test(entry.path)) {
        fail(pathAt, 'an external microsite needs path: an absolute http(s) URL');
      }
    } else {
      if (!path.startsWith('/') || URL_LIKE.test(path)) fail(pathAt, `must be a URL path starting with "/" (got "${path}")`);
      if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path.includes('//') || path.split('/').some((s) => s === '..' || s === '.')) {
        fail(pathAt, `"${path}" is not a clean URL path (letters, digits, "-", "_", ".", "~" and "/")`);
      }
      if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '');
      if (path === '/') fail(pathAt, 'a microsite cannot take "/" itself (the portal sends "/" to the first microsite)');
      const reserved = RESERVED_PATHS.find((r) => path === r || path.startsWith(`${r}/`));
      if (reserved) fail(pathAt, `"${path}" is reserved by the server (${RESERVED_PATHS.join(', ')})`);
    }

    let docs: string | null = null;
    if (entry.docs_source !== undefined) {
      docs = resolve(baseDir, entry.docs_source);
      if (!existsSync(docs)) fail(['microsites', index, 'docs_source'], `${docs} does not exist`);
    }
    if (type === 'mkdocs' && docs === null && !builtin) fail(at, 'a microsite of microsite_type mkdocs needs docs_source');

    microsites.push({
      id: entry.id,
      name: entry.name ?? builtin?.name ?? entry.id,
      icon: entry.icon ?? builtin?.icon ?? '',
      type,
      source: src,
      path,
      enabled: entry.enabled ?? true,
      nav_order: entry.nav_order ?? (index + 1) * 10,
      description: entry.description ?? builtin?.description ?? '',
      docs_source: docs,
      open_in: entry.open_in ?? 'new_tab',
      options: entry.options ?? {},
      where: where(at),
      configured: { name: entry.name !== undefined, icon: entry.icon !== undefined, description: entry.description !== undefined },
    });
  });

  const byPath = new Map<string, ResolvedMicrosite>();
  for (const m of microsites) {
    if (!m.enabled || m.type === 'external') continue;
    const other = byPath.get(m.path);
    if (other) throw new ConfigError(`${m.where}: microsites "${other.id}" and "${m.id}" are both mounted at ${m.path}`);
    byPath.set(m.path, m);
  }
  microsites.sort((a, b) => a.nav_order - b.nav_order);

  const branding = file.branding ?? {};
  const asset = (key: 'logo' | 'favicon'): string | null => {
    const value = branding[key];
    if (value === undefined) return null;
    if (URL_LIKE.test(value) || value.startsWith('/') || value.startsWith('data:')) {
      if (value.startsWith('/') && !URL_LIKE.test(value) && existsSync(value) && statSync(value).isFile()) return value;
      return value;
    }
    const path = resolve(baseDir, value);
    if (!existsSync(path) || !statSync(path).isFile()) fail(['branding', key], `${path} is not a file`);
    return path;
  };

  const strategy = file.documentation?.strategy ?? 'modular';
  if (file.multi_tenant?.enabled) warnings.push(`${where(['multi_tenant', 'enabled'])}: multi_tenant.enabled: multi-tenancy is not available in this release; the setting is read and ignored`);
  if (file.billing?.enabled) warnings.push(`${where(['billing', 'enabled'])}: billing.enabled: billing is not available in this release; the setting is read and ignored`);

  return {
    file: source?.file ?? null,
    baseDir,
    portal: {
      name: file.portal?.name ?? 'ScheduleZero',
      version: file.portal?.version ?? '',
      type: file.portal?.type ?? 'core',
      base_platform: file.portal?.base_platform ?? 'schedulezero',
      base_version: file.portal?.base_version ?? null,
      description: file.portal?.description ?? '',
    },
    branding: {
      logo: asset('logo'),
      favicon: asset('favicon'),
      primary_color: branding.primary_color ?? '#4f46e5',
      company_name: branding.company_name ?? null,
    },
    microsites,
    documentation: { strategy: strategy === 'separate' ? 'modular' : strategy, sites: file.documentation?.sites ?? [] },
    multi_tenant: { enabled: file.multi_tenant?.enabled ?? false, tenant_isolation: file.multi_tenant?.tenant_isolation ?? 'database' },
    billing: { enabled: file.billing?.enabled ?? false, provider: file.billing?.provider ?? null, usage_metrics: file.billing?.usage_metrics ?? [] },
  };
}
