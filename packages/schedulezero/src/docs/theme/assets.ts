import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEARCH_ASSETS } from './search-box.js';

/** A file of the theme as a build writes it: under _sz/ with its content hash in the name. */
export interface ThemeAsset {
  /** The name pages refer to: "theme.css". */
  name: string;
  /** The path under the site's output folder: "_sz/theme.3f2a9c1b0d4e.css". */
  output: string;
  body: Buffer;
}

/** The folder under a built site holding the theme's files. Their names carry content hashes. */
export const THEME_DIR = '_sz';

/** A hashed theme file name: "_sz/theme.3f2a9c1b0d4e.css". Served with a year-long, immutable cache. */
export const HASHED_ASSET = /^_sz\/[^/]+\.[0-9a-f]{12}\.[a-z0-9]+$/;

const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
const portalAsset = (name: string) => fileURLToPath(new URL(`../../portal/assets/${name}`, import.meta.url));

let loaded: Map<string, ThemeAsset> | null = null;

/**
 * The theme's files, read once per process: the portal's base stylesheet (so built sites look like
 * the portal they are part of), the docs layout, the Markdown content styles, search, and the
 * live-reload client of `docs serve`.
 */
export function themeAssets(): Map<string, ThemeAsset> {
  if (loaded) return loaded;
  const files: { name: string; path: string }[] = [
    { name: 'portal.css', path: portalAsset('portal.css') },
    { name: 'favicon.svg', path: portalAsset('favicon.svg') },
    { name: 'theme.css', path: own('theme.css') },
    { name: 'content.css', path: own('content.css') },
    { name: 'live-reload.js', path: own('live-reload.js') },
    ...SEARCH_ASSETS,
  ];
  loaded = new Map();
  for (const file of files) {
    const body = readFileSync(file.path);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const ext = extname(file.name);
    loaded.set(file.name, { name: file.name, output: `${THEME_DIR}/${basename(file.name, ext)}.${hash}${ext}`, body });
  }
  return loaded;
}

/** A fingerprint of every theme file: part of a build's cache key, so a new theme rebuilds sites. */
export function themeFingerprint(): string {
  const hash = createHash('sha256');
  for (const asset of themeAssets().values()) hash.update(asset.output);
  return hash.digest('hex');
}
