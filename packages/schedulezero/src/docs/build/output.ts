import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DocPage, DocSite } from '../site.js';
import { themeAssets } from '../theme/assets.js';
import { extraUrl, pageDocument, type PageFrame, type ThemeOptions } from '../theme/page.js';
import { searchDocs, type SearchDoc } from './search.js';

/**
 * Files of a build's output folder. Synchronous writes: for many small files they cost far less
 * than the promise API's open/write/close round trips. Folders are made once each.
 */
export class OutputFolder {
  private readonly made = new Set<string>();

  constructor(readonly root: string) {
    this.made.add(root);
  }

  write(rel: string, body: string | Buffer): void {
    const path = join(this.root, rel);
    this.folder(dirname(path));
    writeFileSync(path, body);
  }

  copy(from: string, rel: string): void {
    const to = join(this.root, rel);
    this.folder(dirname(to));
    copyFileSync(from, to);
  }

  private folder(dir: string): void {
    if (this.made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }
}

/** What every page of a build shares. */
export function pageFrame(site: DocSite, theme: ThemeOptions): PageFrame {
  const assets = themeAssets();
  const logo = site.config.theme?.logo ?? null;
  const favicon = site.config.theme?.favicon ?? null;
  return {
    site,
    siteName: theme.siteName ?? site.name ?? 'Documentation',
    theme,
    asset: (name) => site.url(assets.get(name)?.output ?? name),
    siteLogo: logo ? extraUrl(site, logo) : null,
    siteFavicon: favicon ? extraUrl(site, favicon) : null,
    closed: new Map(),
  };
}

/** Render one page, write it as page/index.html, and return its search entries and warnings. */
export async function writePage(out: OutputFolder, frame: PageFrame, page: DocPage): Promise<{ search: SearchDoc[]; warnings: string[] }> {
  const rendered = await frame.site.render(page);
  out.write(`${page.path}index.html`, pageDocument(frame, rendered).value);
  return { search: searchDocs({ location: page.path, title: page.title, html: rendered.html }), warnings: rendered.warnings };
}
