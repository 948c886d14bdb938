/**
 * Documentation sites in MkDocs' layout (mkdocs.yml, a docs folder of Markdown pages): read the
 * config and the pages (site.ts), render Markdown (markdown.ts), build a static site with search
 * (build/), and serve builds (serve/). The portal's docs microsites use it; so does
 * `schedulezero docs`. Published as `schedulezero/docs`, which loads none of the server.
 */
export { DocsError } from './errors.js';
export { findMkDocsConfig, parseMkDocsConfig, plainFolderConfig, readMkDocsConfig, type LoadedMkDocsConfig, type MkDocsConfig } from './mkdocs-config.js';
export { generateNav, parseNavSpec, titleFromFilename, type NavSpec } from './nav.js';
export { createMarkdown, firstHeading, renderMarkdown, type LinkRewrite, type RenderedMarkdown, type RenderOptions, type TocEntry } from './markdown.js';
export { slugify, SlugRegistry } from './slug.js';
export { splitFrontMatter, type FrontMatter } from './front-matter.js';
export { resolveInside, scanFolder, type FolderScan } from './folder.js';
export { DocSite, pagePath, type DocPage, type DocSiteOptions, type MergedSource, type NavNode, type RenderedPage } from './site.js';
export { buildDocs, buildSite, BUILD_MARKER, DocsBuildCache, type BuildOptions, type BuildReport, type BuildSiteOptions } from './build/index.js';
export type { ThemeOptions } from './theme/page.js';
