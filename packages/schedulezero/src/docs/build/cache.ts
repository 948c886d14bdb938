import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocSite } from '../site.js';
import { themeFingerprint } from '../theme/assets.js';
import type { ThemeOptions } from '../theme/page.js';
import { BUILD_MARKER, buildSite, type BuildReport } from './builder.js';

/** Bump when the builder's output changes for the same input, so caches are not reused across it. */
const BUILDER_VERSION = '1';

/**
 * A hash of everything a build's output depends on: the content of every config file and of
 * every file of the docs folders, the URL it is served at, the theme's options and files, and
 * the builder's version. Equal keys give equal output, so a build with a key already built is skipped.
 */
export async function buildKey(site: DocSite, theme: ThemeOptions): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${BUILDER_VERSION}\0${themeFingerprint()}\0${site.baseUrl}\0${JSON.stringify(theme)}\0`);
  const { configs, folders } = site.inputs;
  for (const file of [...configs].sort()) hash.update(`config\0${file}\0`).update(await readFile(file)).update('\0');
  for (const folder of folders) {
    for (const file of folder.files) hash.update(`file\0${folder.prefix}${file}\0`).update(await readFile(join(folder.root, file))).update('\0');
  }
  return hash.digest('hex');
}

export interface CachedBuild {
  /** The folder holding the built site. */
  dir: string;
  key: string;
  /** The build's report, or null when an earlier build with the same key was reused. */
  report: BuildReport | null;
}

/**
 * Built sites kept by content hash under one folder (`<site id>-<key>`): a portal that starts
 * again with unchanged docs serves the earlier build instead of building again. Older builds of
 * a site are removed once a newer one is in place.
 */
export class DocsBuildCache {
  private readonly building = new Map<string, Promise<CachedBuild>>();

  constructor(readonly root: string) {}

  async ensure(id: string, site: DocSite, theme: ThemeOptions): Promise<CachedBuild> {
    const key = (await buildKey(site, theme)).slice(0, 20);
    const dir = join(this.root, `${id}-${key}`);
    const pending = this.building.get(dir);
    if (pending) return pending;
    const work = (async (): Promise<CachedBuild> => {
      if (existsSync(join(dir, BUILD_MARKER))) return { dir, key, report: null };
      const report = await buildSite(site, { outDir: dir, theme, keepExisting: true });
      return { dir, key, report };
    })();
    this.building.set(dir, work);
    try {
      return await work;
    } finally {
      this.building.delete(dir);
    }
  }

  /** Remove the site's builds other than `keep` (called after `keep` is being served). */
  async prune(id: string, keep: string): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    const prefix = `${id}-`;
    await Promise.all(
      entries
        .filter((name) => name.startsWith(prefix) && /^[0-9a-f]{20}$/.test(name.slice(prefix.length)) && join(this.root, name) !== keep)
        .map((name) => rm(join(this.root, name), { recursive: true, force: true })),
    );
  }
}
