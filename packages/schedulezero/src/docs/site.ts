import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type MarkdownIt from 'markdown-it';
import { DocsError } from './errors.js';
import { resolveInside, scanFolder, type FolderScan } from './folder.js';
import { metaString, splitFrontMatter } from './front-matter.js';
import { createMarkdown, firstHeading, renderMarkdown, type LinkRewrite, type TocEntry } from './markdown.js';
import { findMkDocsConfig, plainFolderConfig, readMkDocsConfig, type MkDocsConfig } from './mkdocs-config.js';
import { generateNav, titleFromFilename, type NavSpec } from './nav.js';
import { slugify } from './slug.js';

/** A Markdown page of a site. */
export interface DocPage {
  /**
   * Path in the site: the file's path in its docs folder, behind the folder's prefix when the
   * site is made of several folders ("api/usage.md" for usage.md of an included "api" site).
   */
  file: string;
  /** Path under the site's URL, MkDocs style: "concepts/triggers/", "" for the home page. */
  path: string;
  /** The absolute URL path it is served at: baseUrl + path, percent-encoded. */
  url: string;
  /** The nav's title, else the front matter's, else the first h1, else one made of the file name. */
  title: string;
  inNav: boolean;
  /** The Markdown file on disk. */
  source: string;
  /** Where the page is edited (repo_url + edit_uri + its path in docs_dir), or null. */
  editUrl: string | null;
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

/** One source of a site merged from several (the portal's unified documentation). */
export interface MergedSource {
  id: string;
  /** Where the source's pages go in the merged site: "" (the root) or a folder, "handlers/python/". */
  prefix: string;
  /** Title of the source's section in the navigation; its site_name when null. */
  title: string | null;
  /** A folder holding mkdocs.yml (or the file itself), or a plain folder of Markdown files. */
  source: string;
}

const URL_LIKE = /^([a-z][a-z0-9+.-]*:|\/\/)/i;

/** One docs folder of a site: the site's own, an included (monorepo) site's, or a merged source's. */
interface Part {
  /** Where the folder's files appear in the site: "" or "api/". */
  prefix: string;
  config: MkDocsConfig;
  scan: FolderScan;
}

/** What was read from disk, kept to serve files and to notice changes. */
interface SourceState {
  parts: Part[];
  /** Every config file read (mkdocs.yml, INHERIT parents, included sites) -> mtime. */
  configMtimes: Map<string, number>;
  /** Absolute page file -> mtime when read. */
  pageMtimes: Map<string, number>;
  /** Site path of a page -> its Markdown as read. A site is a snapshot: changes make a new one. */
  texts: Map<string, string>;
  loadWarnings: readonly string[];
}

/** State of one load: what every part adds to. */
interface LoadContext {
  md: MarkdownIt;
  warnings: string[];
  parts: Part[];
  /** Real paths of config files on the current include path, to refuse include cycles. */
  including: string[];
  configFiles: Set<string>;
}

/**
 * An MkDocs site read from its folder: its pages, their titles and URLs, the navigation, and each
 * page rendered on demand (cached until the file changes). The builder renders every page of it;
 * `docs serve` and the portal build it again when isStale() says so.
 *
 * A site may be made of several docs folders: sites included into the nav with `!include` (the
 * mkdocs-monorepo-plugin form) and the sources of the portal's unified documentation. Each folder
 * keeps its files behind a prefix, so pages and links live in one path space.
 */
export class DocSite {
  private readonly md: MarkdownIt = createMarkdown();
  private readonly byPath = new Map<string, DocPage>();
  private readonly byFile = new Map<string, DocPage>();
  /** Files that are not pages, for checking links (config files are not among them). */
  private readonly assets: Set<string>;
  private readonly configReals: Set<string>;
  private readonly order: DocPage[];
  private readonly cache = new Map<string, RenderedPage>();
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
    this.configReals = new Set([...source.configMtimes.keys()].map((f) => realpathSync(f)));
    this.assets = new Set();
    for (const part of source.parts) {
      for (const file of part.scan.files) {
        if (/\.md$/i.test(file) || this.configReals.has(join(part.scan.root, file))) continue;
        this.assets.add(part.prefix + file);
      }
    }
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
    const ctx = newContext();
    const { config, nav } = await readPart(source, '', ctx);
    return DocSite.assemble(config, nav, ctx, options);
  }

  /**
   * One site made of several: each source's pages under its prefix, one navigation with a section
   * per source (in the order given), one search. Links between the sources work as relative links
   * ("../handlers/python/index.md") because all pages share one path space. A source that cannot
   * be read is left out with a warning; the others are still served.
   */
  static async merge(sources: readonly MergedSource[], site: { name: string; description?: string | null }, options: DocSiteOptions): Promise<DocSite> {
    const ctx = newContext();
    const nav: NavSpec[] = [];
    const seen = new Set<string>();
    for (const entry of sources) {
      const prefix = entry.prefix === '' || entry.prefix.endsWith('/') ? entry.prefix : `${entry.prefix}/`;
      if (seen.has(prefix)) {
        ctx.warnings.push(`${entry.source}: documentation source "${entry.id}" would be served at ${prefix || '/'} like another one; left out`);
        continue;
      }
      seen.add(prefix);
      try {
        const part = await readPart(entry.source, prefix, ctx);
        nav.push({ kind: 'section', title: entry.title ?? part.config.siteName ?? entry.id, children: part.nav });
      } catch (err) {
        if (!(err instanceof DocsError)) throw err;
        ctx.warnings.push(`documentation source "${entry.id}": ${err.message}; left out`);
      }
    }
    if (ctx.parts.length === 0) throw new DocsError('none of the documentation sources can be read');
    const config: MkDocsConfig = { ...plainFolderConfig(ctx.parts[0]?.config.docsDir ?? ''), siteName: site.name, siteDescription: site.description ?? null };
    return DocSite.assemble(config, nav, ctx, options);
  }

  private static async assemble(config: MkDocsConfig, spec: NavSpec[], ctx: LoadContext, options: DocSiteOptions): Promise<DocSite> {
    const { md, warnings } = ctx;
    const pages: DocPage[] = [];
    const pageMtimes = new Map<string, number>();
    const texts = new Map<string, string>();
    const taken = new Map<string, string>();
    for (const part of ctx.parts) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const mdFiles = part.scan.files.filter((f) => /\.md$/i.test(f));
      for (const rel of mdFiles) {
        const file = part.prefix + rel;
        // index.md wins over README.md, whatever the sort order says.
        if (/^readme\.md$/i.test(posix.basename(rel)) && mdFiles.includes(posix.join(posix.dirname(rel), 'index.md'))) {
          warnings.push(`${part.config.docsDir}: ${rel} is left out: index.md of the same folder is the folder's page`);
          continue;
        }
        const path = pagePath(file);
        const other = taken.get(path);
        if (other !== undefined) {
          warnings.push(`${part.config.docsDir}: ${rel} and ${other} would both be served at ${path || '/'}; ${rel} is left out`);
          continue;
        }
        taken.set(path, file);
        const absolute = join(part.scan.root, rel);
        // Synchronous reads: for a thousand small files they cost a fraction of the promise API's
        // open/read/close round trips. The caller yields between batches of pages.
        const text = readFileSync(absolute, 'utf8');
        pageMtimes.set(absolute, statSync(absolute).mtimeMs);
        texts.set(file, text);
        const { meta, body } = splitFrontMatter(text);
        const title = metaString(meta, 'title') ?? firstHeading(md, body) ?? titleFromFilename(rel);
        const editBase = editUrlBase(part.config);
        pages.push({
          file,
          path,
          url: joinUrl(options.baseUrl, path),
          title,
          inNav: false,
          source: absolute,
          editUrl: editBase ? editBase + rel.split('/').map(encodeURIComponent).join('/') : null,
        });
      }
    }

    const byFile = new Map(pages.map((p) => [p.file, p]));
    const nav = resolveNav(spec, byFile, (message) => warnings.push(`${config.file ?? config.docsDir}: nav: ${message}`));
    const configMtimes = new Map<string, number>();
    for (const file of ctx.configFiles) configMtimes.set(file, (await stat(file)).mtimeMs);
    for (const warning of warnings) options.onWarning?.(warning);
    return new DocSite(config, pages, nav, options, { parts: ctx.parts, configMtimes, pageMtimes, texts, loadWarnings: warnings });
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

  /** Every file the site was read from (configs, pages, other files): what a build's cache key covers. */
  get inputs(): { configs: string[]; folders: { prefix: string; root: string; files: readonly string[] }[] } {
    return {
      configs: [...this.source.configMtimes.keys()],
      folders: this.source.parts.map((p) => ({ prefix: p.prefix, root: p.scan.root, files: p.scan.files })),
    };
  }

  /** Warnings of reading the site, without those of rendering pages. */
  get loadWarnings(): readonly string[] {
    return this.source.loadWarnings;
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

  /** Files of the docs folders that are not pages (images, PDFs), as site paths. */
  get files(): readonly string[] {
    return [...this.assets];
  }

  /**
   * The absolute path of a file of the docs folders that is not a page (an image, a PDF), or
   * null. Path traversal, hidden files, config files and links out of the folder give null.
   */
  async file(path: string): Promise<string | null> {
    if (/\.md$/i.test(path)) return null;
    // The longest prefix first: an included site's folder sits inside the including site's paths.
    const parts = [...this.source.parts].sort((a, b) => b.prefix.length - a.prefix.length);
    const part = parts.find((p) => path.startsWith(p.prefix));
    if (!part) return null;
    const real = await resolveInside(part.scan.root, path.slice(part.prefix.length));
    return real === null || this.configReals.has(real) ? null : real;
  }

  /**
   * Render a page from the Markdown read with the site (cached). A site is a snapshot of its
   * files: isStale() says when to read a new one.
   */
  async render(page: DocPage): Promise<RenderedPage> {
    const cached = this.cache.get(page.file);
    if (cached) return cached;
    const text = this.source.texts.get(page.file) ?? (await readFile(page.source, 'utf8'));
    const { meta, body, problem } = splitFrontMatter(text);
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
    for (const warning of warnings) this.options.onWarning?.(warning);
    this.pageWarnings.set(page.file, warnings);
    this.cache.set(page.file, rendered);
    return rendered;
  }

  /** Render every page and return all warnings: what a `docs check` or a build reports. */
  async check(): Promise<string[]> {
    for (const page of this.pages) await this.render(page);
    return this.warnings;
  }

  /** True when a config file, a folder or a page changed since the site was read (reload it then). */
  async isStale(): Promise<boolean> {
    const changed = async (path: string, mtimeMs: number) => (await stat(path).catch(() => null))?.mtimeMs !== mtimeMs;
    for (const [file, mtimeMs] of this.source.configMtimes) if (await changed(file, mtimeMs)) return true;
    for (const part of this.source.parts) for (const [folder, mtimeMs] of part.scan.folders) if (await changed(folder, mtimeMs)) return true;
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

function newContext(): LoadContext {
  return { md: createMarkdown(), warnings: [], parts: [], including: [], configFiles: new Set() };
}

/**
 * Read one docs folder into the context under `prefix`, and the sites its nav includes under
 * prefixes of their own. Returns its config and its nav with files as site paths.
 */
async function readPart(source: string, prefix: string, ctx: LoadContext): Promise<{ config: MkDocsConfig; nav: NavSpec[] }> {
  if (!existsSync(source)) throw new DocsError(`${source} does not exist`);
  const configFile = findMkDocsConfig(source);
  let config: MkDocsConfig;
  if (configFile) {
    const loaded = readMkDocsConfig(configFile);
    config = loaded.config;
    ctx.warnings.push(...loaded.warnings);
    for (const file of config.files ?? [configFile]) ctx.configFiles.add(file);
  } else {
    config = plainFolderConfig(source);
  }
  if (!existsSync(config.docsDir) || !statSync(config.docsDir).isDirectory()) {
    throw new DocsError(`${config.docsDir}: the docs folder does not exist (docs_dir of ${configFile ?? source})`);
  }
  const scan = await scanFolder(config.docsDir);
  ctx.warnings.push(...scan.warnings.map((w) => `${config.docsDir}: ${w}`));
  ctx.parts.push({ prefix, config, scan });

  const own = config.nav ?? generateNav(scan.files.filter((f) => /\.md$/i.test(f)));
  const real = configFile ? realpathSync(configFile) : null;
  if (real) ctx.including.push(real);
  try {
    return { config, nav: await prefixNav(own, prefix, ctx) };
  } finally {
    if (real) ctx.including.pop();
  }
}

/** A part's nav with its files behind the part's prefix, and `!include`d sites read in. */
async function prefixNav(spec: readonly NavSpec[], prefix: string, ctx: LoadContext): Promise<NavSpec[]> {
  const out: NavSpec[] = [];
  for (const item of spec) {
    if (item.kind === 'page') out.push({ ...item, file: prefix + item.file });
    else if (item.kind === 'link') out.push(item);
    else if (item.kind === 'section') out.push({ ...item, children: await prefixNav(item.children, prefix, ctx) });
    else {
      const included = await includeSite(item, prefix, ctx);
      if (included) out.push(included);
    }
  }
  return out;
}

/** `Title: '!include ./api/mkdocs.yml'`: the included site's pages under its site_name's slug. */
async function includeSite(item: Extract<NavSpec, { kind: 'include' }>, prefix: string, ctx: LoadContext): Promise<NavSpec | null> {
  const configFile = findMkDocsConfig(item.config);
  if (!configFile) {
    ctx.warnings.push(`${item.at}: !include ${item.config}: no mkdocs.yml there; left out`);
    return null;
  }
  const real = realpathSync(configFile);
  if (ctx.including.includes(real)) {
    ctx.warnings.push(`${item.at}: !include ${item.config} includes a site that includes this one; left out`);
    return null;
  }
  // The monorepo plugin serves an included site under its site_name ("alias"); so do we.
  const loaded = readMkDocsConfig(configFile);
  const alias = slugify(loaded.config.siteName ?? '') || slugify(posix.basename(posix.dirname(configFile.replace(/\\/g, '/')))) || 'site';
  const childPrefix = `${prefix}${alias}/`;
  if (ctx.parts.some((p) => p.prefix === childPrefix)) {
    ctx.warnings.push(`${item.at}: !include ${item.config}: another part of the site is already served under ${childPrefix}; left out`);
    return null;
  }
  try {
    const part = await readPart(configFile, childPrefix, ctx);
    return { kind: 'section', title: item.title ?? part.config.siteName ?? alias, children: part.nav };
  } catch (err) {
    if (!(err instanceof DocsError)) throw err;
    ctx.warnings.push(`${item.at}: !include ${item.config}: ${err.message}; left out`);
    return null;
  }
}

/** repo_url + edit_uri, ending in "/", or null when pages have no edit link. */
function editUrlBase(config: MkDocsConfig): string | null {
  const base = config.editUrlBase ?? null;
  if (!base) return null;
  return base.endsWith('/') ? base : `${base}/`;
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
    } else if (item.kind === 'page') {
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
