import { existsSync, realpathSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type MarkdownIt from 'markdown-it';
import { DocsError } from './errors.js';
import { resolveInside, scanFolder, type FolderScan } from './folder.js';
import { metaString, splitFrontMatter } from './front-matter.js';
import { createMarkdown, firstHeading, renderMarkdown, type LinkRewrite, type TocEntry } from './markdown.js';
import { findMkDocsConfig, plainFolderConfig, readMkDocsConfig, type MkDocsConfig } from './mkdocs-config.js';
import { generateNav, titleFromFilename, type NavSpec } from './nav.js';

/** A Markdown page of a site. */
export interface DocPage {
  /** Path in the docs folder: "concepts/triggers.md". */
  file: string;
  /** Path under the site's URL, MkDocs style: "concepts/triggers/", "" for the home page. */
  path: string;
  /** The absolute URL path it is served at: baseUrl + path, percent-encoded. */
  url: string;
  /** The nav's title, else the front matter's, else the first h1, else one made of the file name. */
  title: string;
  inNav: boolean;
}

export type NavNode =
  | { kind: 'page'; title: string; page: DocPage }
  | { kind: 'link'; title: string; url: string }
  | { kind: 'section'; title: string; children: NavNode[] };

export interface RenderedPage {
  page: DocPage;
  /** The article's HTML. Raw HTML of the Markdown is escaped, so this is safe to emit. */
  html: string;
  /** False when the Markdown has no h1 (the page's title should then be shown as one). */
  hasTitleHeading: boolean;
  toc: TocEntry[];
  /** The front matter's description, if any. */
  description: string | null;
  warnings: string[];
}

export interface DocSiteOptions {
  /** The URL path the site is served at, ending in "/": "/docs/core/". */
  baseUrl: string;
  /** Called once for every new warning (when the site loads, when a page is first rendered). */
  onWarning?: (message: string) => void;
}

const URL_LIKE = /^([a-z][a-z0-9+.-]*:|\/\/)/i;

/** What was read from disk, kept to serve files and to notice changes. */
interface SourceState {
  scan: FolderScan;
  configMtime: number | null;
  /** Absolute page file -> mtime when read. */
  pageMtimes: Map<string, number>;
  loadWarnings: readonly string[];
}

/**
 * An MkDocs site read from its folder: its pages, their titles and URLs, the navigation, and each
 * page rendered on demand (cached until the file changes). This is the reader that a static-site
 * builder renders every page of; the portal's docs microsite serves it page by page.
 */
export class DocSite {
  private readonly md: MarkdownIt = createMarkdown();
  private readonly byPath = new Map<string, DocPage>();
  private readonly byFile = new Map<string, DocPage>();
  /** Files that are not pages, for checking links (mkdocs.yml is not one of them). */
  private readonly assets: Set<string>;
  private readonly configReal: string | null;
  private readonly order: DocPage[];
  private readonly cache = new Map<string, { mtimeMs: number; rendered: RenderedPage }>();
  private readonly pageWarnings = new Map<string, string[]>();

  private constructor(
    readonly config: MkDocsConfig,
    /** Every page, by file name. */
    readonly pages: readonly DocPage[],
    readonly nav: readonly NavNode[],
    private readonly options: DocSiteOptions,
    private readonly source: SourceState,
  ) {
    for (const page of pages) {
      this.byPath.set(page.path, page);
      this.byFile.set(page.file, page);
    }
    this.configReal = config.file ? realpathSync(config.file) : null;
    this.assets = new Set(source.scan.files.filter((f) => !/\.md$/i.test(f) && join(source.scan.root, f) !== this.configReal));
    this.order = [];
    const walk = (nodes: readonly NavNode[]) => {
      for (const node of nodes) {
        if (node.kind === 'page' && !this.order.includes(node.page)) this.order.push(node.page);
        else if (node.kind === 'section') walk(node.children);
      }
    };
    walk(nav);
  }

  /**
   * Read a site from a folder holding mkdocs.yml (or mkdocs.yml itself). A folder without one is
   * read as a plain docs folder with a generated navigation. Throws DocsError when there is
   * nothing to read.
   */
  static async load(source: string, options: DocSiteOptions): Promise<DocSite> {
    if (!existsSync(source)) throw new DocsError(`${source} does not exist`);
    const configFile = findMkDocsConfig(source);
    const warnings: string[] = [];
    let config: MkDocsConfig;
    if (configFile) {
      const loaded = readMkDocsConfig(configFile);
      config = loaded.config;
      warnings.push(...loaded.warnings);
    } else {
      config = plainFolderConfig(source);
    }
    if (!existsSync(config.docsDir) || !statSync(config.docsDir).isDirectory()) {
      throw new DocsError(`${config.docsDir}: the docs folder does not exist (docs_dir of ${configFile ?? source})`);
    }
    const scan = await scanFolder(config.docsDir);
    warnings.push(...scan.warnings.map((w) => `${config.docsDir}: ${w}`));

    const md = createMarkdown();
    const pages: DocPage[] = [];
    const pageMtimes = new Map<string, number>();
    const mdFiles = scan.files.filter((f) => /\.md$/i.test(f));
    const taken = new Map<string, string>();
    for (const file of mdFiles) {
      // index.md wins over README.md, whatever the sort order says.
      if (/^readme\.md$/i.test(posix.basename(file)) && mdFiles.includes(posix.join(posix.dirname(file), 'index.md'))) {
        warnings.push(`${config.docsDir}: ${file} is left out: index.md of the same folder is the folder's page`);
        continue;
      }
      const path = pagePath(file);
      const other = taken.get(path);
      if (other !== undefined) {
        warnings.push(`${config.docsDir}: ${file} and ${other} would both be served at ${path || '/'}; ${file} is left out`);
        continue;
      }
      taken.set(path, file);
      const absolute = join(scan.root, file);
      const [text, info] = await Promise.all([readFile(absolute, 'utf8'), stat(absolute)]);
      pageMtimes.set(absolute, info.mtimeMs);
      const { meta, body } = splitFrontMatter(text);
      const title = metaString(meta, 'title') ?? firstHeading(md, body) ?? titleFromFilename(file);
      pages.push({ file, path, url: joinUrl(options.baseUrl, path), title, inNav: false });
    }

    const byFile = new Map(pages.map((p) => [p.file, p]));
    const spec = config.nav ?? generateNav(pages.map((p) => p.file));
    const nav = resolveNav(spec, byFile, (message) => warnings.push(`${config.file ?? config.docsDir}: nav: ${message}`));
    const configMtime = config.file ? (await stat(config.file)).mtimeMs : null;
    for (const warning of warnings) options.onWarning?.(warning);
    return new DocSite(config, pages, nav, options, { scan, configMtime, pageMtimes, loadWarnings: warnings });
  }

  /** site_name of mkdocs.yml, or null. */
  get name(): string | null {
    return this.config.siteName;
  }

  get description(): string | null {
    return this.config.siteDescription;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** Warnings of loading and of every page rendered so far. */
  get warnings(): string[] {
    return [...this.source.loadWarnings, ...[...this.pageWarnings.values()].flat()];
  }

  /** The site's index page, else the first page of the navigation. */
  home(): DocPage | null {
    return this.byPath.get('') ?? this.order[0] ?? this.pages[0] ?? null;
  }

  /** The page at a (percent-decoded) path under the site's URL: "" or "concepts/triggers/". */
  page(path: string): DocPage | null {
    return this.byPath.get(path) ?? null;
  }

  pageForFile(file: string): DocPage | null {
    return this.byFile.get(file) ?? null;
  }

  /** Previous and next page in the navigation's reading order (none for pages outside it). */
  neighbours(page: DocPage): { previous: DocPage | null; next: DocPage | null } {
    const at = this.order.indexOf(page);
    if (at < 0) return { previous: null, next: null };
    return { previous: this.order[at - 1] ?? null, next: this.order[at + 1] ?? null };
  }

  /**
   * The absolute path of a file of the docs folder that is not a page (an image, a PDF), or
   * null. Path traversal, hidden files, mkdocs.yml and links out of the folder give null.
   */
  async file(path: string): Promise<string | null> {
    if (/\.md$/i.test(path)) return null;
    const real = await resolveInside(this.source.scan.root, path);
    return real === null || real === this.configReal ? null : real;
  }

  /** Render a page (cached until its file's mtime changes). */
  async render(page: DocPage): Promise<RenderedPage> {
    const absolute = join(this.source.scan.root, page.file);
    const { mtimeMs } = await stat(absolute);
    const cached = this.cache.get(page.file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.rendered;

    const { meta, body, problem } = splitFrontMatter(await readFile(absolute, 'utf8'));
    const out = renderMarkdown(this.md, body, { file: page.file, link: (target, kind) => this.rewrite(page, target, kind) });
    const warnings = [...(problem ? [`${page.file}: ${problem}`] : []), ...out.warnings];
    const rendered: RenderedPage = {
      page,
      html: out.html,
      hasTitleHeading: out.title !== null,
      toc: out.toc,
      description: metaString(meta, 'description'),
      warnings,
    };
    const before = new Set(this.pageWarnings.get(page.file) ?? []);
    for (const warning of warnings) if (!before.has(warning)) this.options.onWarning?.(warning);
    this.pageWarnings.set(page.file, warnings);
    this.cache.set(page.file, { mtimeMs, rendered });
    return rendered;
  }

  /** Render every page and return all warnings: what a `docs check` or a build reports. */
  async check(): Promise<string[]> {
    for (const page of this.pages) await this.render(page);
    return this.warnings;
  }

  /** True when mkdocs.yml, a folder or a page changed since the site was read (reload it then). */
  async isStale(): Promise<boolean> {
    const changed = async (path: string, mtimeMs: number) => (await stat(path).catch(() => null))?.mtimeMs !== mtimeMs;
    if (this.config.file && this.source.configMtime !== null && (await changed(this.config.file, this.source.configMtime))) return true;
    for (const [folder, mtimeMs] of this.source.scan.folders) if (await changed(folder, mtimeMs)) return true;
    for (const [file, mtimeMs] of this.source.pageMtimes) if (await changed(file, mtimeMs)) return true;
    return false;
  }

  /** The URL of a page or file path of the site. */
  url(path: string): string {
    return joinUrl(this.options.baseUrl, path);
  }

  /**
   * Relative links between pages are written to the Markdown files ("../configuration.md#x");
   * they become the URLs the pages are served at. Other relative targets are files of the docs
   * folder. Anything missing is marked broken and reported.
   */
  private rewrite(from: DocPage, target: string, kind: 'link' | 'image'): LinkRewrite | null {
    if (target === '' || target.startsWith('#') || target.startsWith('/') || URL_LIKE.test(target)) return null;
    const hashAt = target.indexOf('#');
    const fragment = hashAt >= 0 ? target.slice(hashAt) : '';
    let rest = hashAt >= 0 ? target.slice(0, hashAt) : target;
    const queryAt = rest.indexOf('?');
    const query = queryAt >= 0 ? rest.slice(queryAt) : '';
    rest = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return { href: target, broken: 'the address is not valid' };
    }
    const joined = posix.normalize(posix.join(posix.dirname(from.file), decoded));
    if (joined === '..' || joined.startsWith('../')) return { href: target, broken: 'points outside the docs folder' };
    const clean = joined === '.' || joined === './' ? '' : joined.replace(/\/$/, '');

    if (/\.md$/i.test(clean)) {
      const page = this.byFile.get(clean);
      if (kind === 'link' && page) return { href: page.url + query + fragment };
      return { href: target, broken: 'no such page in the docs folder' };
    }
    const folderPage = this.byPath.get(clean === '' ? '' : `${clean}/`);
    if (kind === 'link' && folderPage && (decoded.endsWith('/') || !this.assets.has(clean))) return { href: folderPage.url + query + fragment };
    if (clean !== '' && this.assets.has(clean)) return { href: this.url(clean) + query + fragment, file: true };
    return { href: target, broken: 'no such file in the docs folder' };
  }
}

/** MkDocs' directory URLs: foo/bar.md -> foo/bar/, foo/index.md (or README.md) -> foo/. */
export function pagePath(file: string): string {
  const dir = posix.dirname(file);
  const folder = dir === '.' ? '' : `${dir}/`;
  const base = posix.basename(file).replace(/\.md$/i, '');
  return /^(index|readme)$/i.test(base) ? folder : `${folder}${base}/`;
}

function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return base + path.split('/').map(encodeURIComponent).join('/');
}

function resolveNav(spec: readonly NavSpec[], byFile: Map<string, DocPage>, warn: (message: string) => void): NavNode[] {
  const out: NavNode[] = [];
  for (const item of spec) {
    if (item.kind === 'link') out.push(item);
    else if (item.kind === 'section') {
      const children = resolveNav(item.children, byFile, warn);
      if (children.length > 0) out.push({ kind: 'section', title: item.title, children });
    } else {
      const page = byFile.get(item.file);
      if (!page) {
        warn(`"${item.file}" is not a page of the docs folder; left out`);
        continue;
      }
      if (!page.inNav && item.title) page.title = item.title;
      page.inNav = true;
      out.push({ kind: 'page', title: item.title ?? page.title, page });
    }
  }
  return out;
}
