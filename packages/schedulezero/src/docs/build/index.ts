import { resolve, dirname } from 'node:path';
import { findMkDocsConfig } from '../mkdocs-config.js';
import { DocSite } from '../site.js';
import type { ThemeOptions } from '../theme/page.js';
import { buildSite, type BuildReport } from './builder.js';

export { buildSite, BUILD_MARKER, type BuildReport, type BuildSiteOptions } from './builder.js';
export { DocsBuildCache, buildKey } from './cache.js';

export interface BuildOptions {
  /** Output folder; mkdocs.yml's site_dir (default "site" beside it) when absent. */
  outDir?: string;
  /** URL path the output is served at, ending in "/". Default "/". */
  baseUrl?: string;
  theme?: ThemeOptions;
  onProgress?: (event: { phase: string; done: number; total: number }) => void;
  onWarning?: (message: string) => void;
}

/** `schedulezero docs build`: read an MkDocs site (a folder or its mkdocs.yml) and write it as static files. */
export async function buildDocs(source: string, options: BuildOptions = {}): Promise<BuildReport> {
  const baseUrl = normalizeBase(options.baseUrl ?? '/');
  const site = await DocSite.load(source, { baseUrl, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  return buildSite(site, {
    outDir: resolve(options.outDir ?? defaultSiteDir(source, site)),
    ...(options.theme ? { theme: options.theme } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** MkDocs' site_dir: relative to mkdocs.yml, "site" by default. */
export function defaultSiteDir(source: string, site: DocSite): string {
  const configFile = findMkDocsConfig(source);
  const base = configFile ? dirname(configFile) : resolve(source);
  const siteDir = site.config.raw.site_dir;
  return resolve(base, typeof siteDir === 'string' && siteDir !== '' ? siteDir : 'site');
}

export function normalizeBase(base: string): string {
  const withSlash = base.startsWith('/') ? base : `/${base}`;
  return withSlash.endsWith('/') ? withSlash : `${withSlash}/`;
}
