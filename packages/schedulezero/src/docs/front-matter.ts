import { parse } from 'yaml';

export interface FrontMatter {
  /** The YAML block's keys (title, description, ...); empty when the page has none. */
  meta: Record<string, unknown>;
  /** The Markdown after the block. */
  body: string;
  /** Set when a block was found but is not a YAML mapping: it is then shown as Markdown. */
  problem: string | null;
}

const BLOCK = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/** MkDocs' YAML front matter: `---` on the first line, keys, then `---` (or `...`). */
export function splitFrontMatter(source: string): FrontMatter {
  const text = source.startsWith('\ufeff') ? source.slice(1) : source;
  const match = BLOCK.exec(text);
  if (!match) return { meta: {}, body: text, problem: null };
  let data: unknown;
  try {
    // Unknown tags only produce warnings in `yaml`; they do not matter for page metadata.
    data = parse(match[1]!, { logLevel: 'silent' });
  } catch (err) {
    return { meta: {}, body: text, problem: `front matter is not valid YAML (${(err as Error).message.split('\n')[0]})` };
  }
  if (data === null || data === undefined) return { meta: {}, body: text.slice(match[0].length), problem: null };
  if (typeof data !== 'object' || Array.isArray(data)) return { meta: {}, body: text, problem: 'front matter is not a mapping of keys' };
  return { meta: data as Record<string, unknown>, body: text.slice(match[0].length), problem: null };
}

/** A string value of the front matter, or null. */
export function metaString(meta: Record<string, unknown>, key: string): string | null {
  const value = meta[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null;
}
