import { isRecord, pathName, type ConfigPath, type ConfigSource } from './mkdocs-yaml.js';

/** A Python-Markdown extension as configured, with its options ({} when none). */
export interface MarkdownExtension {
  name: string;
  options: Record<string, unknown>;
}

/** Plugins whose job is done here: search is built in, monorepo's `!include` is read, offline needs nothing. */
const UNDERSTOOD_PLUGINS = new Set(['search', 'monorepo', 'offline']);

/** Extensions whose syntax the page renderer handles. */
const UNDERSTOOD_EXTENSIONS = new Set([
  'admonition',
  'pymdownx.details',
  'pymdownx.superfences',
  'pymdownx.tabbed',
  'pymdownx.tasklist',
  'footnotes',
  'tables',
  'toc',
  'fenced_code',
  'codehilite',
  'pymdownx.highlight',
  'pymdownx.inlinehilite',
]);

/** Extensions commonly used whose syntax is not applied, each with what a reader of the page will see. */
const UNSUPPORTED_EXTENSIONS: Readonly<Record<string, string>> = {
  'pymdownx.snippets': 'pymdownx.snippets is not supported: --8<-- includes are not inserted',
  attr_list: 'attr_list: attributes written as { ... } are not applied',
  md_in_html: 'md_in_html: HTML in pages is shown as text here, so Markdown inside HTML blocks is not rendered',
  def_list: 'def_list: definition lists are not supported; they render as plain paragraphs',
};

interface NamedEntry {
  name: string;
  options: Record<string, unknown>;
  path: ConfigPath;
}

/**
 * `plugins`: names, single-key mappings of name -> options, or one mapping. Absent, MkDocs runs
 * `search` alone. Plugins turned off with `enabled: false` are left out; every plugin that is
 * not understood here is reported once, never refused. `material/x` is Material's own x.
 */
export function readPlugins(src: ConfigSource): string[] {
  const value = src.get(['plugins']);
  if (value === undefined) return ['search'];
  const out: string[] = [];
  for (const entry of namedEntries(src, 'plugins', 'plugin name')) {
    if (entry.options.enabled === false) continue;
    const name = entry.name.replace(/^material\//, '');
    if (out.includes(name)) continue;
    out.push(name);
    if (!UNDERSTOOD_PLUGINS.has(name)) src.warn(entry.path, `plugin ${entry.name} is not run here; its output is missing`, 'key');
  }
  return out;
}

/**
 * `markdown_extensions`: names or single-key mappings of name -> options. Those whose syntax is
 * not rendered are reported: the known ones one by one, saying what shows instead, the unknown
 * ones in a single warning.
 */
export function readMarkdownExtensions(src: ConfigSource): MarkdownExtension[] {
  const out: MarkdownExtension[] = [];
  const unknown: NamedEntry[] = [];
  for (const entry of namedEntries(src, 'markdown_extensions', 'extension name')) {
    // Python-Markdown's own extensions may be written with their module path.
    const name = entry.name.replace(/^markdown\.extensions\./, '');
    if (out.some((e) => e.name === name)) continue;
    out.push({ name, options: entry.options });
    const unsupported = UNSUPPORTED_EXTENSIONS[name];
    if (unsupported) src.warn(entry.path, unsupported, 'key');
    else if (!UNDERSTOOD_EXTENSIONS.has(name)) unknown.push(entry);
  }
  if (unknown.length > 0) {
    const names = unknown.map((e) => e.name).join(', ');
    src.warn(unknown[0]!.path, `markdown_extensions: ${names} ${unknown.length === 1 ? 'is' : 'are'} not supported here; ${unknown.length === 1 ? 'its' : 'their'} syntax renders as plain Markdown`, 'key');
  }
  return out;
}

/**
 * The entries of a list of `name` / `name: {options}` items, or of a mapping of name -> options.
 * `path` points at the entry's name, for warnings.
 */
function namedEntries(src: ConfigSource, key: string, what: string): NamedEntry[] {
  const value = src.get([key]);
  if (value === undefined || value === null) return [];
  const out: NamedEntry[] = [];
  const add = (name: string, options: unknown, path: ConfigPath) => {
    if (options !== null && options !== undefined && !isRecord(options)) {
      src.warn(path, `${pathName(path)}: the options must be a mapping; ignored`);
      options = {};
    }
    out.push({ name, options: (options as Record<string, unknown> | null) ?? {}, path });
  };
  if (isRecord(value)) {
    for (const [name, options] of Object.entries(value)) add(name, options, [key, name]);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') add(item, {}, [key, i]);
      else if (isRecord(item) && Object.keys(item).length === 1) {
        const [name, options] = Object.entries(item)[0]!;
        add(name, options, [key, i, name]);
      } else src.warn([key, i], `${pathName([key, i])} must be a ${what} or a mapping of one ${what} to its options; ignored`);
    });
  } else {
    src.warn([key], `${key} must be a list; ignored`);
  }
  return out;
}
