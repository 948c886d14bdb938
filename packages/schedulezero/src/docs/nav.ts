import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';

/** A navigation entry as written in mkdocs.yml (or generated from the folder). */
export type NavSpec =
  | { kind: 'page'; title: string | null; file: string }
  | { kind: 'link'; title: string; url: string }
  | { kind: 'section'; title: string; children: NavSpec[] }
  /**
   * mkdocs-monorepo-plugin's `Title: '!include ./api/mkdocs.yml'`: another site's pages in this
   * nav. Reading that site (its docs_dir, nav, include cycles) is the site layer's job.
   */
  | {
      kind: 'include';
      title: string | null;
      /** Absolute path of the included mkdocs.yml, or of a folder holding one. */
      config: string;
      /** `file:line:col` of the entry, for warnings about the included site. */
      at: string;
    };

export interface NavSpecOptions {
  /** The folder `!include` paths are relative to: the mkdocs.yml's. The working folder when absent. */
  baseDir?: string;
  /** `file:line:col` of the nav item at a path below `nav` (`[1, 'Guide', 0]`), for warnings and includes. */
  locate?: (path: readonly (string | number)[]) => string;
}

const URL_LIKE = /^([a-z][a-z0-9+.-]*:|\/\/)/i;
/** The monorepo plugin's include forms; the YAML tag `!include x` arrives here as the string "!include x". */
const INCLUDE = /^!include\s+(\S.*)$/;
const WILDCARD_INCLUDE = /^\*include\s/;

/**
 * mkdocs.yml's `nav`: a list whose items are `page.md`, `Title: page.md`, `Title: https://...`,
 * `Section: [items]` or `Title: '!include ./other/mkdocs.yml'`. Items of another shape, and
 * includes of files that do not exist, are reported and skipped. `warn` gets the item's
 * position as its second argument when `options.locate` is given.
 */
export function parseNavSpec(items: readonly unknown[], warn: (message: string, at?: string) => void, where = '', options: NavSpecOptions = {}): NavSpec[] {
  return parseItems(items, warn, where, [], options);
}

type Warn = (message: string, at?: string) => void;

function parseItems(items: readonly unknown[], warn: Warn, where: string, path: readonly (string | number)[], options: NavSpecOptions): NavSpec[] {
  const out: NavSpec[] = [];
  items.forEach((item, index) => {
    const here = `${where}[${index}]`;
    const itemPath = [...path, index];
    // Positions are looked up only for a warning: finding one walks the YAML document, which for
    // a thousand-page nav would cost more than reading the whole site.
    const at = () => options.locate?.(itemPath);
    if (typeof item === 'string') {
      const spec = fromString(null, item, itemPath, { here, at, warn, options });
      if (spec) out.push(spec);
      return;
    }
    if (typeof item === 'object' && item !== null && !Array.isArray(item) && Object.keys(item).length === 1) {
      const [title, value] = Object.entries(item)[0]!;
      if (typeof value === 'string') {
        const spec = fromString(title, value, [...itemPath, title], { here, at, warn, options });
        if (spec) out.push(spec);
        return;
      }
      if (Array.isArray(value)) {
        out.push({ kind: 'section', title, children: parseItems(value, warn, `${here}.${title}`, [...itemPath, title], options) });
        return;
      }
    }
    warn(`${here}: expected "page.md", "Title: page.md", "Section: [...]" or "Title: '!include ./other/mkdocs.yml'"; skipped`, at());
  });
  return out;
}

interface ItemContext {
  /** `[1].Guide[0]`, for messages. */
  here: string;
  /** The item's position, when known (looked up on demand). */
  at: () => string | undefined;
  warn: Warn;
  options: NavSpecOptions;
}

/** A page, a link or an include, from an item's string (`Title:` already taken off). */
function fromString(title: string | null, value: string, valuePath: readonly (string | number)[], item: ItemContext): NavSpec | null {
  const include = INCLUDE.exec(value.trim());
  if (include) {
    const target = include[1]!.trim();
    const config = resolve(item.options.baseDir ?? '.', target);
    if (!existsSync(config)) {
      item.warn(`${item.here}: !include ${target}: ${config} does not exist; skipped`, item.at());
      return null;
    }
    return { kind: 'include', title, config, at: item.options.locate?.(valuePath) ?? `nav${item.here}` };
  }
  if (WILDCARD_INCLUDE.test(value.trim())) {
    item.warn(`${item.here}: "${value}": wildcard includes are not supported; skipped`, item.at());
    return null;
  }
  if (URL_LIKE.test(value)) return { kind: 'link', title: title ?? value, url: value };
  return { kind: 'page', title, file: normalizeFile(value) };
}

function normalizeFile(file: string): string {
  return posix.normalize(file.replace(/\\/g, '/')).replace(/^\.\//, '');
}

/** "getting-started.md" -> "Getting started"; an index page takes its folder's name. */
export function titleFromFilename(file: string): string {
  const base = posix.basename(file).replace(/\.md$/i, '');
  const name = /^(index|readme)$/i.test(base) ? posix.basename(posix.dirname(file)) : base;
  if (name === '.' || name === '') return 'Home';
  return titleFromName(name);
}

function titleFromName(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isIndex(file: string): boolean {
  return /^(index|readme)\.md$/i.test(posix.basename(file));
}

/**
 * The navigation MkDocs makes when mkdocs.yml has none: in every folder the index page first,
 * then the other pages by name, then one section per subfolder.
 */
export function generateNav(files: readonly string[]): NavSpec[] {
  interface Folder {
    pages: string[];
    folders: Map<string, Folder>;
  }
  const root: Folder = { pages: [], folders: new Map() };
  for (const file of files) {
    const parts = file.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) folder.folders.set(part, (next = { pages: [], folders: new Map() }));
      folder = next;
    }
    folder.pages.push(file);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const build = (folder: Folder): NavSpec[] => {
    const pages = [...folder.pages].sort((a, b) => Number(isIndex(b)) - Number(isIndex(a)) || byName(a, b));
    const sections = [...folder.folders.entries()].sort(([a], [b]) => byName(a, b));
    return [
      ...pages.map((file): NavSpec => ({ kind: 'page', title: null, file })),
      ...sections.map(([name, sub]): NavSpec => ({ kind: 'section', title: titleFromName(name), children: build(sub) })),
    ];
  };
  return build(root);
}
