import { posix } from 'node:path';

/** A navigation entry as written in mkdocs.yml (or generated from the folder). */
export type NavSpec =
  | { kind: 'page'; title: string | null; file: string }
  | { kind: 'link'; title: string; url: string }
  | { kind: 'section'; title: string; children: NavSpec[] };

const URL_LIKE = /^([a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * mkdocs.yml's `nav`: a list whose items are `page.md`, `Title: page.md`, `Title: https://...`
 * or `Section: [items]`. Items of another shape are reported and skipped.
 */
export function parseNavSpec(items: readonly unknown[], warn: (message: string) => void, where = ''): NavSpec[] {
  const out: NavSpec[] = [];
  items.forEach((item, index) => {
    const here = `${where}[${index}]`;
    if (typeof item === 'string') {
      out.push(URL_LIKE.test(item) ? { kind: 'link', title: item, url: item } : { kind: 'page', title: null, file: normalizeFile(item) });
      return;
    }
    if (typeof item === 'object' && item !== null && !Array.isArray(item) && Object.keys(item).length === 1) {
      const [title, value] = Object.entries(item)[0]!;
      if (typeof value === 'string') {
        out.push(URL_LIKE.test(value) ? { kind: 'link', title, url: value } : { kind: 'page', title, file: normalizeFile(value) });
        return;
      }
      if (Array.isArray(value)) {
        out.push({ kind: 'section', title, children: parseNavSpec(value, warn, `${here}.${title}`) });
        return;
      }
    }
    warn(`${here}: expected "page.md", "Title: page.md" or "Section: [...]"; skipped`);
  });
  return out;
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
