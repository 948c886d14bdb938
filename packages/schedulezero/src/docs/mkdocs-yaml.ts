import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node } from 'yaml';
import { DocsError } from './errors.js';

/** Where a setting sits: keys of mappings and indexes of lists, from the top of the file. */
export type ConfigPath = readonly (string | number)[];

/** One mkdocs.yml of an INHERIT chain, parsed with MkDocs' tags resolved. */
export interface ConfigLayer {
  file: string;
  doc: Document;
  /** The file's value; {} when it is empty or not a mapping. */
  data: Record<string, unknown>;
  lines: LineCounter;
}

/**
 * Parse one config file. Tag problems are added to `warnings` as `file:line:col: message`;
 * a file that is not YAML at all is a DocsError with its position.
 */
export function parseLayer(text: string, file: string, env: NodeJS.ProcessEnv, warnings: string[]): ConfigLayer {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const pos = lines.linePos(error.pos[0]);
    throw new DocsError(`${file}:${pos.line}:${pos.col}: mkdocs.yml is not valid YAML: ${error.message.split('\n')[0]}`);
  }
  resolveTags(doc, env, (node, shownTag, message) => {
    // A node's range starts at its value; the report points at the tag written before it.
    const start = node.range ? text.lastIndexOf(shownTag, node.range[0]) : -1;
    const { line, col } = lines.linePos(start >= 0 ? start : (node.range?.[0] ?? 0));
    warnings.push(`${file}:${line}:${col}: ${message}`);
  });
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const data = isRecord(value) ? value : {};
  if (value !== null && value !== undefined && data !== value) warnings.push(`${file}: mkdocs.yml is not a mapping of keys; using the defaults`);
  return { file, doc, data, lines };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** MkDocs' INHERIT merge (mergedeep's replace strategy): mappings merged key by key, the child winning; anything else replaced. */
export function deepMerge(parent: Record<string, unknown>, child: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...parent };
  for (const [key, value] of Object.entries(child)) {
    const below = out[key];
    out[key] = isRecord(below) && isRecord(value) ? deepMerge(below, value) : value;
  }
  return out;
}

/**
 * The settings of an INHERIT chain (child first) merged, with the position of each setting in
 * the file it came from, so that every warning can say `file:line:col`.
 */
export class ConfigSource {
  readonly warnings: string[];
  readonly raw: Record<string, unknown>;

  constructor(
    readonly layers: readonly ConfigLayer[],
    warnings: string[],
  ) {
    this.warnings = warnings;
    this.raw = layers.reduceRight<Record<string, unknown>>((merged, layer) => deepMerge(merged, layer.data), {});
    delete this.raw.INHERIT;
  }

  /** The merged value at `path`, undefined when unset. */
  get(path: ConfigPath): unknown {
    let value: unknown = this.raw;
    for (const key of path) {
      if (typeof key === 'number' ? !Array.isArray(value) : !isRecord(value)) return undefined;
      value = (value as Record<string | number, unknown>)[key];
    }
    return value;
  }

  /**
   * `file:line:col` of the setting's value (or of its key), in the file whose value won the
   * merge: a file that leaves a mapping key out lets its parent's show through; lists and
   * other values replace the parent's whole.
   */
  at(path: ConfigPath, of: 'value' | 'key' = 'value'): string {
    for (const layer of this.layers) {
      const offset = locate(layer.doc, path, of);
      if (offset !== undefined) return position(layer, offset);
    }
    return this.layers[0]?.file ?? '';
  }

  warn(path: ConfigPath, message: string, of: 'value' | 'key' = 'value'): void {
    this.warnings.push(`${this.at(path, of)}: ${message}`);
  }

  /** A string setting (numbers taken as written); anything else is reported and ignored. */
  string(path: ConfigPath): string | null {
    const value = this.get(path);
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    this.warn(path, `${pathName(path)} must be a string; ignored`);
    return null;
  }
}

/** `theme.palette[0].primary` */
export function pathName(path: ConfigPath): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

function position(layer: ConfigLayer, offset: number): string {
  const { line, col } = layer.lines.linePos(offset);
  return `${layer.file}:${line}:${col}`;
}

/** The offset of `path` in one file; undefined when the file leaves it to its parent. */
function locate(doc: Document, path: ConfigPath, of: 'value' | 'key'): number | undefined {
  let node: unknown = doc.contents;
  let merged = true; // still inside mappings, which INHERIT merges key by key
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return merged ? undefined : start(node);
      const keyStart = isScalar(pair.key) ? start(pair.key) : undefined;
      if (i === path.length - 1 && of === 'key') return keyStart;
      const value = pair.value as Node | null;
      node = value?.range && value.range[0] < value.range[2] ? value : (pair.key as Node);
    } else if (isSeq(node) && typeof key === 'number') {
      merged = false;
      const item = node.items[key];
      if (item === undefined) return start(node);
      node = item;
    } else {
      // A value that is not a mapping replaced whatever the parent had below it.
      return i === 0 ? undefined : start(node);
    }
  }
  return start(node);
}

function start(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] | null } | null)?.range;
  return range ? range[0] : undefined;
}

/**
 * mkdocs.yml is read by PyYAML with MkDocs' own tags. `!ENV` is resolved like MkDocs does;
 * `!include` inside nav (mkdocs-monorepo-plugin) is kept as the plugin's string form
 * "!include path"; the Python tags (`!!python/name:material.extensions.emoji.twemoji`, ...)
 * configure Python code that does not exist here, so they are reported once each and their
 * values dropped.
 */
function resolveTags(doc: Document, env: NodeJS.ProcessEnv, warn: (node: Node, tag: string, message: string) => void): void {
  const reported = new Set<string>();
  const known = new Set(doc.schema.tags.map((t) => t.tag));
  visit(doc, {
    Node(_key, node, path) {
      const tag = node.tag;
      if (!tag) return undefined;
      if (tag === '!ENV') return envValue(node, env, warn);
      if (known.has(tag)) return undefined;
      if (tag === '!include' && isScalar(node) && inNav(path)) {
        const include = new Scalar(`!include ${String(node.value)}`);
        include.range = node.range;
        return include;
      }
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

/** True below the top-level `nav` key (visit's path: Document, root map, the nav pair, ...). */
function inNav(path: readonly unknown[]): boolean {
  const pair = path[2];
  return isPair(pair) && isScalar(pair.key) && pair.key.value === 'nav';
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
