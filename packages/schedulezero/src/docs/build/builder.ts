import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DocsError } from '../errors.js';
import type { DocSite } from '../site.js';
import { themeAssets } from '../theme/assets.js';
import { OutputFolder, pageFrame, writePage } from './output.js';
import { notFoundDocument, redirectDocument, searchDocument, type ThemeOptions } from '../theme/page.js';
import { searchIndexJson } from './search.js';

export interface BuildSiteOptions {
  /** The folder to write. Replaced as a whole when the build has finished. */
  outDir: string;
  theme?: ThemeOptions;
  /** Called as the build goes: pages rendered so far, files copied. */
  onProgress?: (event: { phase: 'pages' | 'files'; done: number; total: number }) => void;
  /**
   * Leave an existing build in outDir in place (the cache: its folder names are content hashes,
   * so an existing build there is this build).
   */
  keepExisting?: boolean;
}

export interface BuildReport {
  pages: number;
  /** Files of the docs folders copied beside the pages (images, downloads). */
  files: number;
  warnings: string[];
  ms: number;
  outDir: string;
}

/**
 * The file that marks a folder as a build's output. A build replaces its output folder only when
 * the folder is empty or holds this file, so `--out .` can never delete someone's project.
 */
export const BUILD_MARKER = '.schedulezero-docs.json';

/** Pages rendered and written between two yields to the event loop. */
const BATCH = 32;

/**
 * Write a site as static files in MkDocs' layout: page/index.html for every page, the docs
 * folders' other files at their paths, search/search_index.json (MkDocs' format) with a search
 * page, 404.html, and the theme's files under _sz/ with content hashes in their names.
 *
 * The output is written to a temporary folder next to outDir and moved into place at the end, so
 * a server reading outDir never sees half a site.
 */
export async function buildSite(site: DocSite, options: BuildSiteOptions): Promise<BuildReport> {
  const started = performance.now();
  // Without a trailing slash: the temporary folder is a sibling of outDir, not inside it.
  const outDir = resolve(options.outDir);
  await checkReplaceable(outDir);
  const temp = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(temp, { recursive: true });
  try {
    const out = new OutputFolder(temp);
    for (const asset of themeAssets().values()) out.write(asset.output, asset.body);
    const theme = options.theme ?? {};
    const frame = pageFrame(site, theme);

    // One thread: rendering in worker threads was measured slower on two CPUs (each thread
    // compiles and warms up the renderer and reads the site again).
    const total = site.pages.length;
    const results: Awaited<ReturnType<typeof writePage>>[] = [];
    for (let i = 0; i < total; i += BATCH) {
      for (const page of site.pages.slice(i, i + BATCH)) results.push(await writePage(out, frame, page));
      // A server building a site goes on answering requests between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
      options.onProgress?.({ phase: 'pages', done: Math.min(i + BATCH, total), total });
    }
    const home = site.home();
    if (!site.page('') && home) out.write('index.html', redirectDocument(home.url).value);
    out.write('search/search_index.json', searchIndexJson(results.flatMap((r) => r.search)));
    out.write('search/index.html', searchDocument(frame).value);
    out.write('404.html', notFoundDocument(frame).value);

    const files = site.files;
    let copied = 0;
    for (const file of files) {
      const from = await site.file(file);
      if (from === null) continue;
      out.copy(from, file);
      copied++;
      if (copied % 200 === 0 || copied === files.length) options.onProgress?.({ phase: 'files', done: copied, total: files.length });
    }

    const warnings = [...site.loadWarnings, ...results.flatMap((r) => r.warnings)];
    const report = { pages: site.pages.length, files: copied, warnings, ms: 0, outDir };
    await writeFile(join(temp, BUILD_MARKER), `${JSON.stringify({ builtAt: new Date().toISOString(), pages: report.pages, files: report.files })}\n`);
    if (options.keepExisting && existsSync(join(outDir, BUILD_MARKER))) {
      // Another process built the same content meanwhile: keep its output, which may be in use.
      await rm(temp, { recursive: true, force: true });
      return { ...report, ms: performance.now() - started };
    }
    if (existsSync(outDir)) await rm(outDir, { recursive: true, force: true });
    await mkdir(dirname(outDir), { recursive: true });
    try {
      await rename(temp, outDir);
    } catch (err) {
      // Two processes building the same content into the cache: the first one's output stays.
      if (!options.keepExisting || !existsSync(join(outDir, BUILD_MARKER))) throw err;
      await rm(temp, { recursive: true, force: true });
    }
    return { ...report, ms: performance.now() - started };
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function checkReplaceable(outDir: string): Promise<void> {
  const info = await stat(outDir).catch(() => null);
  if (info === null) return;
  if (!info.isDirectory()) throw new DocsError(`${outDir} exists and is not a folder; choose another output folder`);
  const entries = await readdir(outDir);
  if (entries.length === 0 || entries.includes(BUILD_MARKER)) return;
  throw new DocsError(`${outDir} is not empty and was not written by a docs build; it is left alone (choose an empty or new output folder)`);
}
