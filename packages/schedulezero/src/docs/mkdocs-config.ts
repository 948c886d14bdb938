import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node } from 'yaml';
import { DocsError } from './errors.js';
import { parseNavSpec, type NavSpec } from './nav.js';

/** What the reader takes from mkdocs.yml. Everything else is kept in `raw` for later use. */
export interface MkDocsConfig {
  /** The mkdocs.yml read, or null for a plain folder of Markdown files. */
  file: string | null;
  siteName: string | null;
  siteDescription: string | null;
  /** Absolute folder of the pages. */
  docsDir: string;
  /** The configured navigation, or null when it is to be generated from the folder. */
  nav: NavSpec[] | null;
  raw: Record<string, unknown>;
}

export interface LoadedMkDocsConfig {
  config: MkDocsConfig;
  /** Things worth a look (unsupported tags, settings ignored), each as `file:line:col: message`. */
  warnings: string[];
}

const CONFIG_NAMES = ['mkdocs.yml', 'mkdocs.yaml'];

/** The mkdocs.yml of a folder (or the file itself when given one), or null. */
export function findMkDocsConfig(path: string): string | null {
  if (!existsSync(path)) return null;
  if (statSync(path).isFile()) return path;
  for (const name of CONFIG_NAMES) {
    const file = join(path, name);
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return null;
}

/** Read mkdocs.yml. Throws DocsError only when the file cannot be read or is not YAML at all. */
export function readMkDocsConfig(file: string): LoadedMkDocsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DocsError(`${file}: cannot read the MkDocs config (${(err as Error).message})`);
  }
  return parseMkDocsConfig(text, file);
}

/** The config of a folder that has no mkdocs.yml: its Markdown files with a generated navigation. */
export function plainFolderConfig(docsDir: string): MkDocsConfig {
  return { file: null, siteName: null, siteDescription: null, docsDir, nav: null, raw: {} };
}

export function parseMkDocsConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedMkDocsConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: { range?: [number, number, number] | null } | null | undefined): string => {
    if (!node?.range) return file;
    const { line, col } = lines.linePos(node.range[0]);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const pos = lines.linePos(error.pos[0]);
    throw new DocsError(`${file}:${pos.line}:${pos.col}: mkdocs.yml is not valid YAML: ${error.message.split('\n')[0]}`);
  }

  const warnings: string[] = [];
  resolveTags(doc, env, (node, shownTag, message) => {
    // A node's range starts at its value; the report points at the tag written before it.
    const start = node.range ? text.lastIndexOf(shownTag, node.range[0]) : -1;
    const { line, col } = lines.linePos(start >= 0 ? start : (node.range?.[0] ?? 0));
    warnings.push(`${file}:${line}:${col}: ${message}`);
  });

  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const raw = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  if (data !== null && data !== undefined && raw !== data) warnings.push(`${file}: mkdocs.yml is not a mapping of keys; using the defaults`);
  const node = (key: string): Node | null => {
    const value = doc.getIn([key], true);
    return value && typeof value === 'object' && 'range' in value ? (value as Node) : null;
  };

  const stringSetting = (key: string): string | null => {
    const value = raw[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    warnings.push(`${at(node(key))}: ${key} must be a string; ignored`);
    return null;
  };

  const siteName = stringSetting('site_name');
  const siteDescription = stringSetting('site_description');
  const docsDir = resolve(dirname(file), stringSetting('docs_dir') ?? 'docs');

  let nav: NavSpec[] | null = null;
  if (raw.nav !== undefined && raw.nav !== null) {
    if (Array.isArray(raw.nav)) nav = parseNavSpec(raw.nav, (message) => warnings.push(`${at(node('nav'))}: nav: ${message}`));
    else warnings.push(`${at(node('nav'))}: nav must be a list; the navigation is generated from the folder instead`);
  }

  if (raw.use_directory_urls === false) {
    warnings.push(`${at(node('use_directory_urls'))}: use_directory_urls: false is not supported; pages are served at folder URLs (page/)`);
  }
  if (raw.INHERIT !== undefined) warnings.push(`${at(node('INHERIT'))}: INHERIT is not supported; only this file is read`);

  return {
    config: { file, siteName, siteDescription, docsDir, nav, raw },
    warnings,
  };
}

/**
 * mkdocs.yml is read by PyYAML with MkDocs' own tags. `!ENV` is resolved like MkDocs does; the
 * Python tags (`!!python/name:material.extensions.emoji.twemoji`, ...) configure Python code that
 * does not exist here, so they are reported once each and their values dropped.
 */
function resolveTags(doc: Document, env: NodeJS.ProcessEnv, warn: (node: Node, tag: string, message: string) => void): void {
  const reported = new Set<string>();
  const known = new Set(doc.schema.tags.map((t) => t.tag));
  visit(doc, {
    Node(_key, node) {
      const tag = node.tag;
      if (!tag) return undefined;
      if (tag === '!ENV') return envValue(node, env, warn);
      if (known.has(tag)) return undefined;
      const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
      if (!reported.has(shown)) {
        reported.add(shown);
        warn(node, shown, `YAML tag ${shown} is not supported here; the value is ignored`);
      }
      const replacement = new Scalar(null);
      replacement.range = node.range;
      return replacement;
    },
  });
}

/** `!ENV NAME` or `!ENV [NAME, OTHER, default]`: the first variable set, else the default. */
function envValue(node: Node, env: NodeJS.ProcessEnv, warn: (node: Node, tag: string, message: string) => void): Scalar {
  let names: string[] = [];
  let fallback: unknown = null;
  if (isScalar(node)) names = [String(node.value)];
  else if (isSeq(node)) {
    const items = node.items.map((item) => (isScalar(item) ? item.value : null));
    if (items.length > 1) fallback = items.pop();
    names = items.map((item) => String(item));
  } else {
    warn(node, '!ENV', '!ENV takes a variable name or a list of names and a default; the value is ignored');
  }
  const name = names.find((n) => env[n] !== undefined);
  const value = new Scalar(name !== undefined ? env[name]! : fallback);
  value.range = node.range;
  return value;
}
