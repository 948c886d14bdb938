import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DocsError } from './errors.js';
import { readMarkdownExtensions, readPlugins, type MarkdownExtension } from './mkdocs-extensions.js';
import { emptyTheme, readTheme, type MkDocsTheme } from './mkdocs-theme.js';
import { ConfigSource, isRecord, parseLayer, pathName, type ConfigLayer } from './mkdocs-yaml.js';
import { parseNavSpec, type NavSpec } from './nav.js';

export type { MarkdownExtension } from './mkdocs-extensions.js';
export { MATERIAL_PRIMARY_COLORS, type MkDocsTheme } from './mkdocs-theme.js';

/** What the reader takes from mkdocs.yml. Everything else is kept in `raw` for later use. */
export interface MkDocsConfig {
  /** The mkdocs.yml read, or null for a plain folder of Markdown files. */
  file: string | null;
  /** Every config file read, as absolute paths: the file, then its INHERIT parents. For change detection and cache keys. */
  files: string[];
  siteName: string | null;
  siteDescription: string | null;
  /** site_url, ending in "/" like MkDocs makes it. */
  siteUrl: string | null;
  repoUrl: string | null;
  /** repo_name, or derived from repo_url's host like MkDocs does (GitHub, GitLab, Bitbucket, else the host's first label). */
  repoName: string | null;
  /** The edit_uri in effect (MkDocs' default for the repo host when unset), ending in "/"; null: no edit links. */
  editUri: string | null;
  /** repo_url joined with edit_uri: a page's edit link is this plus its path in docs_dir. */
  editUrlBase: string | null;
  copyright: string | null;
  /** Absolute folder of the pages. */
  docsDir: string;
  /** The configured navigation, or null when it is to be generated from the folder. */
  nav: NavSpec[] | null;
  theme: MkDocsTheme;
  /** Stylesheets from extra_css: paths relative to docs_dir, or URLs, as written. */
  extraCss: string[];
  /** The `extra` mapping (Material's social links, analytics, ...), {} when unset. */
  extra: Record<string, unknown>;
  /** Plugins enabled, in order; MkDocs' default ['search'] when the key is absent. */
  plugins: string[];
  /** markdown_extensions as configured (MkDocs' always-on toc, tables and fenced_code are not added). */
  markdownExtensions: MarkdownExtension[];
  /** The merged settings (INHERIT applied, tags resolved). */
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

/**
 * Read mkdocs.yml. Throws DocsError only when the file (or an INHERIT parent) cannot be read,
 * is not YAML at all, or the INHERIT chain is broken; everything else is a warning.
 */
export function readMkDocsConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedMkDocsConfig {
  return parseMkDocsConfig(readConfigText(file, `${file}: cannot read the MkDocs config`), file, env);
}

/** The config of a folder that has no mkdocs.yml: its Markdown files with a generated navigation. */
export function plainFolderConfig(docsDir: string): MkDocsConfig {
  return {
    file: null,
    files: [],
    siteName: null,
    siteDescription: null,
    siteUrl: null,
    repoUrl: null,
    repoName: null,
    editUri: null,
    editUrlBase: null,
    copyright: null,
    docsDir,
    nav: null,
    theme: emptyTheme(),
    extraCss: [],
    extra: {},
    plugins: ['search'],
    markdownExtensions: [],
    raw: {},
  };
}

export function parseMkDocsConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedMkDocsConfig {
  const warnings: string[] = [];
  const src = new ConfigSource(loadInheritChain(text, file, env, warnings), warnings);
  const raw = src.raw;
  // Relative paths are the reading file's, as in MkDocs, wherever in the chain they are written.
  const base = dirname(resolve(file));

  const siteName = src.string(['site_name']);
  const siteDescription = src.string(['site_description']);
  const docsDir = resolve(base, src.string(['docs_dir']) ?? 'docs');

  let nav: NavSpec[] | null = null;
  if (raw.nav !== undefined && raw.nav !== null) {
    if (Array.isArray(raw.nav)) {
      nav = parseNavSpec(raw.nav, (message, at) => warnings.push(`${at ?? src.at(['nav'])}: nav: ${message}`), '', {
        baseDir: base,
        locate: (path) => src.at(['nav', ...path]),
      });
    } else src.warn(['nav'], 'nav must be a list; the navigation is generated from the folder instead');
  }

  // Read in the order settings usually have in a mkdocs.yml, so that warnings mostly come in file order.
  const siteUrl = readUrl(src, 'site_url', true);
  const repo = readRepo(src);
  const copyright = src.string(['copyright']);
  const theme = readTheme(src);
  const extra = readExtra(src);
  const extraCss = readExtraCss(src);
  const config: MkDocsConfig = {
    file,
    files: src.layers.map((layer) => resolve(layer.file)),
    siteName,
    siteDescription,
    siteUrl,
    ...repo,
    copyright,
    docsDir,
    nav,
    theme,
    extraCss,
    extra,
    plugins: readPlugins(src),
    markdownExtensions: readMarkdownExtensions(src),
    raw,
  };

  const scripts = raw.extra_javascript;
  if (scripts !== undefined && scripts !== null && !(Array.isArray(scripts) && scripts.length === 0)) {
    src.warn(['extra_javascript'], "extra_javascript is not run: scripts are not added to pages served from the portal's origin; ignored");
  }
  if (raw.hooks !== undefined && raw.hooks !== null) src.warn(['hooks'], 'hooks are Python code and are not run here; their output is missing');
  if (raw.edit_uri_template !== undefined) src.warn(['edit_uri_template'], 'edit_uri_template is not supported; edit links are made from repo_url and edit_uri');
  if (raw.use_directory_urls === false) {
    src.warn(['use_directory_urls'], 'use_directory_urls: false is not supported; pages are served at folder URLs (page/)');
  }
  return { config, warnings };
}

/**
 * The file and its INHERIT parents, child first. Like MkDocs, a parent that does not exist is
 * an error; a chain that comes back to a file already in it is one too (MkDocs would recurse).
 */
function loadInheritChain(text: string, file: string, env: NodeJS.ProcessEnv, warnings: string[]): ConfigLayer[] {
  const layers = [parseLayer(text, file, env, warnings)];
  const seen = [identity(file)];
  for (;;) {
    const layer = layers[layers.length - 1]!;
    const inherit = layer.data.INHERIT;
    if (inherit === undefined) return layers;
    const at = inheritAt(layer);
    if (typeof inherit !== 'string' || inherit.trim() === '') {
      warnings.push(`${at}: INHERIT must be the path of a parent config file; ignored`);
      return layers;
    }
    const parent = resolve(dirname(resolve(layer.file)), inherit);
    if (!existsSync(parent)) throw new DocsError(`${at}: INHERIT: the parent config ${inherit} does not exist (${parent})`);
    const id = identity(parent);
    if (seen.includes(id)) {
      const chain = [...layers.map((l) => l.file), parent].join(' -> ');
      throw new DocsError(`${at}: INHERIT: ${inherit} is already in the chain, the configs inherit from each other (${chain})`);
    }
    seen.push(id);
    layers.push(parseLayer(readConfigText(parent, `${at}: INHERIT: cannot read the parent config ${parent}`), parent, env, warnings));
  }
}

/** `file:line:col` of a layer's own INHERIT value. */
function inheritAt(layer: ConfigLayer): string {
  return new ConfigSource([layer], []).at(['INHERIT']);
}

/** A file's real path (symlinks followed) when it exists, so a cycle through a link is seen. */
function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

function readConfigText(file: string, failure: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DocsError(`${failure} (${(err as Error).message})`);
  }
}

/** An http(s) URL setting; anything else is reported and ignored. */
function readUrl(src: ConfigSource, key: string, folder = false): string | null {
  const value = src.string([key]);
  if (value === null || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    src.warn([key], `${key} must be a URL such as https://example.com/; ignored`);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    src.warn([key], `${key} must be an http or https URL; ignored`);
    return null;
  }
  // MkDocs makes site_url a folder URL.
  if (folder && !url.pathname.endsWith('/')) url.pathname += '/';
  return folder ? url.href : value.trim();
}

/** MkDocs' defaults for the hosts it knows: repo_name and the edit_uri of the default branch's docs folder. */
const KNOWN_HOSTS: Readonly<Record<string, { name: string; editUri: string }>> = {
  'github.com': { name: 'GitHub', editUri: 'edit/master/docs/' },
  'gitlab.com': { name: 'GitLab', editUri: 'edit/master/docs/' },
  'bitbucket.org': { name: 'Bitbucket', editUri: 'src/default/docs/' },
};

type RepoSettings = Pick<MkDocsConfig, 'repoUrl' | 'repoName' | 'editUri' | 'editUrlBase'>;

/** repo_url, repo_name and edit_uri, with MkDocs' defaults derived from the repository host. */
function readRepo(src: ConfigSource): RepoSettings {
  const repoUrl = readUrl(src, 'repo_url');
  const host = repoUrl ? new URL(repoUrl).hostname.toLowerCase() : null;
  const known = host ? KNOWN_HOSTS[host] : undefined;

  let repoName = src.string(['repo_name']);
  if (repoName === null && host) repoName = known?.name ?? pythonTitle(host.split('.')[0]!);

  // Unset (or of a wrong type), the host's default; an explicit empty edit_uri turns edit links off.
  let editUri = src.string(['edit_uri']) ?? known?.editUri ?? null;
  if (editUri === '') editUri = null;
  if (editUri !== null && !editUri.endsWith('/')) editUri += '/';

  let editUrlBase: string | null = null;
  if (editUri !== null) {
    if (/^https?:\/\//i.test(editUri)) editUrlBase = editUri;
    else if (repoUrl) {
      // As MkDocs: repo_url is taken as a folder unless edit_uri is only a query or fragment.
      const baseUrl = repoUrl.endsWith('/') || /^[?#]/.test(editUri) ? repoUrl : `${repoUrl}/`;
      editUrlBase = new URL(editUri, baseUrl).href;
    } else {
      src.warn(['edit_uri'], 'edit_uri is relative to repo_url, which is not set; pages have no edit link');
    }
  }
  return { repoUrl, repoName, editUri, editUrlBase };
}

/** Python's str.title(), which MkDocs uses for repo_name of an unknown host: "git" -> "Git". */
function pythonTitle(text: string): string {
  return text.replace(/[a-z]+/gi, (word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase());
}

function readExtra(src: ConfigSource): Record<string, unknown> {
  const extra = src.get(['extra']);
  if (extra === undefined || extra === null) return {};
  if (isRecord(extra)) return extra;
  src.warn(['extra'], 'extra must be a mapping; ignored');
  return {};
}

function readExtraCss(src: ConfigSource): string[] {
  const value = src.get(['extra_css']);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    src.warn(['extra_css'], 'extra_css must be a list of stylesheet paths or URLs; ignored');
    return [];
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'string' && item.trim() !== '') out.push(item.trim());
    else src.warn(['extra_css', i], `${pathName(['extra_css', i])} must be a stylesheet path or URL; ignored`);
  });
  return out;
}
