import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'yaml';
import { AppError } from '../../../domain/errors.js';
import { ConfigError } from '../../../server/config-error.js';
import type { MicrositeContext } from '../../plugin.js';

/** Where the document comes from, and how to read it. */

export type OpenApiDocument = Record<string, unknown>;

export interface SpecSource {
  /** true: the server's own API (its paths are absolute on this origin). */
  own: boolean;
  /** Shown in errors and on the page: "the server's API" or the file's name. */
  label: string;
  /** Name for the download. */
  fileName: string;
  load(): OpenApiDocument;
}

const SPEC_FILE = /\.(json|ya?ml)$/i;

/**
 * The server's own API unless the entry names a file: `source: ./openapi.yaml` (a path source
 * that is a .json/.yaml file) or `options: { spec: ./openapi.yaml }`, relative to the config file.
 * A file that is missing or unreadable stops the server at start with the config entry's
 * location; a file edited later is read again.
 */
export function specSource(ctx: MicrositeContext): SpecSource {
  const { microsite } = ctx;
  const fail = (message: string): never => {
    throw new ConfigError(`${microsite.where}: microsite "${microsite.id}": ${message}`);
  };
  let file: string | null = null;
  if (microsite.source.kind === 'path' && SPEC_FILE.test(microsite.source.path)) file = microsite.source.path;
  const option = microsite.options.spec;
  if (option !== undefined) {
    if (typeof option !== 'string' || !SPEC_FILE.test(option)) fail('options.spec must be the path of an OpenAPI file (.json, .yaml or .yml)');
    file = resolve(ctx.portal.baseDir, option as string);
  }
  if (file === null) {
    return { own: true, label: "this server's API", fileName: 'openapi.json', load: () => ctx.api.openapi() };
  }
  const source = new FileSpec(file);
  try {
    source.read();
  } catch (err) {
    fail(`${file}: ${(err as Error).message}`);
  }
  return source;
}

class FileSpec implements SpecSource {
  readonly own = false;
  readonly label: string;
  readonly fileName: string;
  private cached: { mtimeMs: number; size: number; doc: OpenApiDocument } | null = null;

  constructor(private readonly file: string) {
    this.label = basename(file);
    this.fileName = `${basename(file).replace(SPEC_FILE, '')}.json`;
  }

  /** The document for a page: a reason the reader can act on (and no server path) when it fails. */
  load(): OpenApiDocument {
    try {
      return this.read();
    } catch (err) {
      throw new AppError(500, 'openapi_unreadable', `The API reference cannot be shown: ${this.label} ${(err as Error).message}.`);
    }
  }

  /** Parse the file again when it changed; throws an Error whose message says what is wrong. */
  read(): OpenApiDocument {
    let stat;
    try {
      stat = statSync(this.file);
    } catch {
      throw new Error('does not exist');
    }
    if (this.cached && this.cached.mtimeMs === stat.mtimeMs && this.cached.size === stat.size) return this.cached.doc;
    let data: unknown;
    try {
      // YAML is a superset of JSON: one parser reads both.
      data = parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`is not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('is not an OpenAPI document (expected a mapping at the top)');
    const doc = data as OpenApiDocument;
    if (typeof doc.openapi !== 'string' && typeof doc.swagger !== 'string') {
      throw new Error('is not an OpenAPI document (it has no "openapi" or "swagger" version key)');
    }
    this.cached = { mtimeMs: stat.mtimeMs, size: stat.size, doc };
    return doc;
  }
}
