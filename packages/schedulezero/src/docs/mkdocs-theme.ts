import { isRecord, pathName, type ConfigPath, type ConfigSource } from './mkdocs-yaml.js';

/** What the built-in theme takes from mkdocs.yml's `theme`. Null: not configured. */
export interface MkDocsTheme {
  name: string | null;
  /** The header colour as `#rrggbb` (or `#rgb` as written). */
  primaryColor: string | null;
  /** Material's palette: `default` is light, `slate` dark, both (a toggle) auto. */
  scheme: 'light' | 'dark' | 'auto' | null;
  /** Paths relative to docs_dir, or URLs, as written. */
  logo: string | null;
  favicon: string | null;
  language: string | null;
}

export function emptyTheme(): MkDocsTheme {
  return { name: null, primaryColor: null, scheme: null, logo: null, favicon: null, language: null };
}

/**
 * Material for MkDocs' named primary colours, as its stylesheet renders them: the Material
 * Design swatch it picks per name (src/templates/assets/stylesheets/palette/_primary.scss)
 * after its hex2hsl rounding, which is why indigo is #4051b5 and not #3f51b5. Black is
 * hsl(var(--md-hue) 15% 9%) with the default hue 225.
 */
export const MATERIAL_PRIMARY_COLORS: Readonly<Record<string, string>> = {
  red: '#ef5552',
  pink: '#e92063',
  purple: '#ab47bd',
  'deep purple': '#7e56c2',
  indigo: '#4051b5',
  blue: '#2094f3',
  'light blue': '#02a6f2',
  cyan: '#00bdd6',
  teal: '#009485',
  green: '#4cae4f',
  'light green': '#8bc34b',
  lime: '#cbdc38',
  yellow: '#ffec3d',
  amber: '#ffc105',
  orange: '#ffa724',
  'deep orange': '#ff6e42',
  brown: '#795649',
  grey: '#757575',
  'blue grey': '#546d78',
  black: '#14151a',
  white: '#ffffff',
};

/** Themes whose pages the built-in theme stands in for without a word. */
const FAMILIAR_THEMES = new Set(['mkdocs', 'readthedocs', 'material']);
/** Theme keys read here; every other one is listed in a single warning. */
const READ_KEYS = new Set(['name', 'palette', 'logo', 'favicon', 'language', 'locale']);
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** mkdocs.yml's `theme`: a name, or a mapping with a name and options. */
export function readTheme(src: ConfigSource): MkDocsTheme {
  const theme = emptyTheme();
  const value = src.get(['theme']);
  if (value === undefined || value === null) return theme;
  if (typeof value === 'string') {
    theme.name = value;
  } else if (isRecord(value)) {
    theme.name = src.string(['theme', 'name']);
    theme.logo = src.string(['theme', 'logo']);
    theme.favicon = src.string(['theme', 'favicon']);
    theme.language = src.string(['theme', 'language']) ?? src.string(['theme', 'locale']);
    readPalette(src, theme);
    const ignored = Object.keys(value).filter((key) => !READ_KEYS.has(key));
    if (ignored.length > 0) {
      src.warn(['theme', ignored[0]!], `theme: ${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} not used; pages use the built-in theme's layout and features`, 'key');
    }
  } else {
    src.warn(['theme'], 'theme must be a theme name or a mapping; the built-in theme is used');
    return theme;
  }
  if (theme.name !== null && !FAMILIAR_THEMES.has(theme.name)) {
    src.warn(value === theme.name ? ['theme'] : ['theme', 'name'], `theme ${theme.name} is not available here; pages use the built-in theme`);
  }
  return theme;
}

/** `palette`: one mapping, or Material's list of them behind a light/dark toggle. */
function readPalette(src: ConfigSource, theme: MkDocsTheme): void {
  const palette = src.get(['theme', 'palette']);
  if (palette === undefined || palette === null) return;
  const base: ConfigPath = ['theme', 'palette'];
  if (!isRecord(palette) && !Array.isArray(palette)) {
    src.warn(base, 'theme.palette must be a mapping or a list of mappings; ignored');
    return;
  }
  const entries: unknown[] = Array.isArray(palette) ? palette : [palette];
  const schemes = new Set<'light' | 'dark' | 'auto'>();
  entries.forEach((entry, i) => {
    const path = Array.isArray(palette) ? [...base, i] : base;
    if (!isRecord(entry)) {
      src.warn(path, `${pathName(path)} must be a mapping (scheme, primary, ...); ignored`);
      return;
    }
    const scheme = readScheme(src, path);
    if (scheme) schemes.add(scheme);
    // The first entry is the one shown first; a toggle's other entries usually repeat its colour.
    if (theme.primaryColor === null && entry.primary !== undefined) theme.primaryColor = readPrimary(src, [...path, 'primary']);
  });
  theme.scheme = schemes.has('auto') || (schemes.has('light') && schemes.has('dark')) ? 'auto' : (schemes.values().next().value ?? null);
}

function readScheme(src: ConfigSource, entry: ConfigPath): 'light' | 'dark' | 'auto' | null {
  const scheme = src.string([...entry, 'scheme']);
  if (scheme === null) {
    // Material's "follow the system" toggle entry has a media query and no scheme.
    const media = src.get([...entry, 'media']);
    return typeof media === 'string' && /^\(\s*prefers-color-scheme\s*\)$/.test(media.trim()) ? 'auto' : null;
  }
  if (scheme === 'default') return 'light';
  if (scheme === 'slate') return 'dark';
  src.warn([...entry, 'scheme'], `${pathName([...entry, 'scheme'])}: ${scheme} is a custom scheme whose colours come from extra_css; the built-in theme's scheme is used`);
  return null;
}

function readPrimary(src: ConfigSource, path: ConfigPath): string | null {
  const primary = src.string(path);
  if (primary === null) return null;
  if (HEX_COLOR.test(primary)) return primary;
  const name = primary.trim().toLowerCase().replace(/[-_\s]+/g, ' ');
  if (name === 'custom') {
    src.warn(path, `${pathName(path)}: custom: the colours come from extra_css (--md-primary-fg-color); the built-in theme's colour is used`);
    return null;
  }
  const color = MATERIAL_PRIMARY_COLORS[name];
  if (color) return color;
  src.warn(path, `${pathName(path)}: ${primary} is not a Material colour name or #rrggbb; ignored`);
  return null;
}
