import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../server/config-error.js';
import type { ResolvedMicrosite } from './config/load.js';
import type { MicrositeDefinition } from './plugin.js';

export interface LoadedMicrosite {
  definition: MicrositeDefinition;
  /** Folder of the entry module: `assets` and `docs` are relative to it. */
  dir: string;
}

/** Built-in microsites by id, imported lazily so that an unused one costs nothing. */
export type CoreMicrosites = Record<string, () => Promise<LoadedMicrosite>>;

/** The entry module of a package folder: exports["."] (import/default), module, main, or index.js. */
function packageEntry(dir: string): string | null {
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: unknown; module?: string; main?: string };
    const pick = (value: unknown): string | null => {
      if (typeof value === 'string') return value;
      if (value && typeof value === 'object') {
        const v = value as Record<string, unknown>;
        return pick(v['.'] ?? v.import ?? v.default ?? v.node ?? null);
      }
      return null;
    };
    const entry = pick(pkg.exports) ?? pkg.module ?? pkg.main;
    if (entry) return resolve(dir, entry);
  }
  for (const name of ['index.js', 'index.mjs']) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** A package installed in node_modules of the config's folder or any folder above it. */
function findPackage(name: string, from: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isDefinition(value: unknown): value is MicrositeDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.id === 'string' && (d.routes === undefined || typeof d.routes === 'function');
}

export async function loadMicrosite(entry: ResolvedMicrosite, core: CoreMicrosites, baseDir: string): Promise<LoadedMicrosite> {
  const fail = (message: string): never => {
    throw new ConfigError(`${entry.where}: microsite "${entry.id}": ${message}`);
  };
  if (entry.source.kind === 'core') {
    const load = core[entry.id] ?? (entry.type === 'openapi' ? core['@openapi'] : entry.type === 'mkdocs' ? core['@mkdocs'] : undefined);
    if (!load) fail('no built-in microsite has this id');
    return load!();
  }

  // An OpenAPI reference whose source is the document itself: the built-in renderer shows it.
  if (entry.type === 'openapi' && entry.source.kind === 'path' && /\.(json|ya?ml)$/i.test(entry.source.path)) return core['@openapi']!();

  let file: string | null;
  if (entry.source.kind === 'path') {
    const path = entry.source.path;
    file = statSync(path).isDirectory() ? packageEntry(path) : path;
    if (!file) fail(`${path} has no entry module (package.json "exports"/"main", or index.js)`);
  } else {
    const dir = findPackage(entry.source.name, baseDir);
    if (!dir) fail(`package "${entry.source.name}" is not installed (npm install it next to the portal config)`);
    file = packageEntry(dir!);
    if (!file) fail(`package "${entry.source.name}" has no entry module`);
  }

  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file!).href)) as { default?: unknown };
  } catch (err) {
    return fail(`cannot load ${file}: ${(err as Error).message}`);
  }
  const definition = module.default;
  if (!isDefinition(definition)) {
    return fail(`${file} must default-export a microsite definition: an object with an "id" and optionally "routes(app, ctx)"`);
  }
  return { definition, dir: dirname(file!) };
}
