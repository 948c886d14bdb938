/**
 * Documentation sites in MkDocs' layout (mkdocs.yml, a docs folder of Markdown pages): read the
 * config, list the pages and the navigation, render pages to HTML. Used by the portal's docs
 * microsite; a static-site builder is meant to grow from the same pieces.
 */
export { DocsError } from './errors.js';
export { findMkDocsConfig, parseMkDocsConfig, readMkDocsConfig, type LoadedMkDocsConfig, type MkDocsConfig } from './mkdocs-config.js';
export { generateNav, parseNavSpec, titleFromFilename, type NavSpec } from './nav.js';
export { createMarkdown, firstHeading, renderMarkdown, type LinkRewrite, type RenderedMarkdown, type RenderOptions, type TocEntry } from './markdown.js';
export { slugify, SlugRegistry } from './slug.js';
export { splitFrontMatter, type FrontMatter } from './front-matter.js';
export { resolveInside, scanFolder, type FolderScan } from './folder.js';
export { DocSite, pagePath, type DocPage, type DocSiteOptions, type NavNode, type RenderedPage } from './site.js';
