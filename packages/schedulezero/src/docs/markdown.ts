import { tasklist } from '@mdit/plugin-tasklist';
import MarkdownIt from 'markdown-it';
import type { PluginSimple, StateCore, Token } from 'markdown-it';
// @ts-expect-error markdown-it-footnote publishes no type declarations (see the cast below)
import footnoteUntyped from 'markdown-it-footnote';
import { renderFence } from './highlight.js';
import { markdownBlocks } from './markdown-blocks.js';
import { SlugRegistry } from './slug.js';

const footnote = footnoteUntyped as PluginSimple;

/** One entry of a page's "On this page": an h2 with its h3s. */
export interface TocEntry {
  level: 2 | 3;
  id: string;
  text: string;
  children: TocEntry[];
}

/** What a relative link (or image source) in a page becomes. */
export interface LinkRewrite {
  href: string;
  /** Why the target is missing; the link is then marked broken and a warning recorded. */
  broken?: string;
  /** A file rather than a page: loaded by the browser itself, not swapped in by htmx. */
  file?: boolean;
}

export interface RenderOptions {
  /** The page's path in the docs folder, for warnings. */
  file: string;
  /** Rewrite a relative link target; null leaves it as written. */
  link?: (target: string, kind: 'link' | 'image') => LinkRewrite | null;
}

export interface RenderedMarkdown {
  html: string;
  /** Text of the first h1, or null when the page has none. */
  title: string | null;
  toc: TocEntry[];
  warnings: string[];
}

interface RenderEnv {
  options: RenderOptions;
  title: string | null;
  toc: TocEntry[];
  warnings: string[];
}

/**
 * The Markdown dialect of documentation pages: CommonMark with tables and strikethrough, raw
 * HTML escaped (`html: false`, so a page cannot inject markup or scripts), MkDocs-compatible
 * heading ids with permalinks, and relative links rewritten to the served URLs. On top, the
 * extensions MkDocs sites lean on: highlighted fenced code (with `title="…"`), admonitions
 * (`!!!`), collapsible blocks (`???`), content tabs (`===`), task lists and footnotes.
 */
export function createMarkdown(): MarkdownIt {
  const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
  md.use(markdownBlocks);
  md.use(tasklist, { containerClass: 'task-list' });
  md.use(footnote);
  // Ids in Python-Markdown's form (fn:1, fnref:1) rather than fn1: a colon never occurs in a heading
  // slug, so a heading such as "## fn1" cannot collide with a footnote.
  md.renderer.rules.footnote_anchor_name = (tokens, idx) => `:${footnoteNumber(tokens[idx]!)}`;
  // The bare number, as Python-Markdown shows it, not "[1]" / "[1:2]".
  md.renderer.rules.footnote_caption = (tokens, idx) => String(footnoteNumber(tokens[idx]!));
  // The plugin's back link is a bare "↩"; say where it goes.
  md.renderer.rules.footnote_anchor = (tokens, idx) => {
    const token = tokens[idx]!;
    const n = footnoteNumber(token);
    const sub = (token.meta as { subId?: unknown } | null)?.subId;
    const id = typeof sub === 'number' && sub > 0 ? `${n}:${sub}` : String(n);
    return ` <a href="#fnref:${id}" class="footnote-backref" aria-label="Back to reference ${n}">\u21a9\uFE0E</a>`;
  };
  md.core.ruler.push('sz_docs', docsRule);

  // Highlighted at build time; long lines scroll inside the block, and tabindex lets keyboard users scroll it too.
  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx]!;
    return renderFence(token.content, md.utils.unescapeAll(token.info));
  };
  md.renderer.rules.code_block = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    return `<pre tabindex="0"><code>${md.utils.escapeHtml(token.content)}</code></pre>\n`;
  };
  md.renderer.rules.table_open = (tokens, idx, options, _env, self) => `<div class="sz-docs-table">${self.renderToken(tokens, idx, options)}`;
  md.renderer.rules.table_close = (tokens, idx, options, _env, self) => `${self.renderToken(tokens, idx, options)}</div>`;
  return md;
}

function footnoteNumber(token: Token): number {
  const meta = token.meta as { id?: unknown } | null;
  return (typeof meta?.id === 'number' ? meta.id : 0) + 1;
}

export function renderMarkdown(md: MarkdownIt, source: string, options: RenderOptions): RenderedMarkdown {
  const env: RenderEnv = { options, title: null, toc: [], warnings: [] };
  const html = md.render(source, env);
  return { html, title: env.title, toc: env.toc, warnings: env.warnings };
}

/**
 * The text of a page's first h1 (for titles in the navigation), without parsing the page: a line
 * scan that skips fenced and indented code and knows both heading forms (`# Title` and a line
 * underlined with `===`). Reading a big site's titles this way costs a fraction of a parse.
 */
export function firstHeading(md: MarkdownIt, source: string): string | null {
  const lines = source.split(/\r?\n/);
  let fence: string | null = null;
  let previous: string | null = null;
  for (const line of lines) {
    if (fence !== null) {
      if (line.trimStart().startsWith(fence) && line.trim().replace(/^[`~]+/, '') === '') fence = null;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open) {
      fence = open[1]!;
      previous = null;
      continue;
    }
    if (/^( {4}|\t)/.test(line) && previous === null) continue;
    const atx = /^ {0,3}#(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) return headingText(md, atx[1] ?? '');
    if (/^ {0,3}=+[ \t]*$/.test(line) && previous !== null) return headingText(md, previous);
    previous = line.trim() === '' || /^ {0,3}(#{2,6}[ \t]|[-*+>] |\d+[.)] )/.test(line) ? null : previous === null ? line.trim() : `${previous} ${line.trim()}`;
  }
  return null;
}

function headingText(md: MarkdownIt, text: string): string | null {
  const tokens = md.parseInline(text.trim(), {});
  const plain = inlineText(tokens[0]?.children ?? []);
  return plain === '' ? null : plain;
}

function inlineText(children: readonly Token[]): string {
  let text = '';
  for (const child of children) {
    if (child.type === 'text' || child.type === 'code_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
    else if (child.type === 'image') text += inlineText(child.children ?? []);
  }
  return text.trim();
}

function docsRule(state: StateCore): void {
  const env = state.env as RenderEnv | undefined;
  if (!env || !('toc' in env)) return;
  const slugs = new SlugRegistry();
  let h2: TocEntry | null = null;
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open') {
      const inline = tokens[i + 1]!;
      const text = inlineText(inline.children ?? []);
      const id = slugs.unique(text);
      token.attrSet('id', id);
      const level = Number(token.tag.slice(1));
      if (level === 1) {
        env.title ??= text;
        continue;
      }
      if (level === 2) env.toc.push((h2 = { level: 2, id, text, children: [] }));
      else if (level === 3) (h2 ? h2.children : env.toc).push({ level: 3, id, text, children: [] });
      appendPermalink(state, inline, id, text);
    } else if (token.type === 'inline') {
      rewriteLinks(token.children ?? [], env);
    }
  }
}

function appendPermalink(state: StateCore, inline: Token, id: string, text: string): void {
  const open = new state.Token('link_open', 'a', 1);
  open.attrs = [
    ['class', 'sz-docs-permalink'],
    ['href', `#${id}`],
    ['aria-label', `Link to the section “${text}”`],
  ];
  const mark = new state.Token('text', '', 0);
  mark.content = '#';
  const close = new state.Token('link_close', 'a', -1);
  inline.children = [...(inline.children ?? []), open, mark, close];
}

function rewriteLinks(children: readonly Token[], env: RenderEnv): void {
  const rewrite = env.options.link;
  if (!rewrite) return;
  for (const child of children) {
    const kind = child.type === 'link_open' ? 'link' : child.type === 'image' ? 'image' : null;
    if (!kind) continue;
    const attr = kind === 'link' ? 'href' : 'src';
    if (kind === 'image') child.attrSet('loading', 'lazy');
    const target = child.attrGet(attr);
    if (target === null) continue;
    const result = rewrite(target, kind);
    if (result === null) continue;
    child.attrSet(attr, result.href);
    if (result.broken) {
      env.warnings.push(`${env.options.file}: ${kind === 'image' ? 'image' : 'link'} "${safeDecode(target)}": ${result.broken}`);
      child.attrJoin('class', 'sz-docs-broken');
      child.attrSet('title', `Broken ${kind}: ${result.broken}`);
    } else if (kind === 'link' && result.file) {
      child.attrSet('hx-boost', 'false');
    }
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURI(value);
  } catch {
    return value;
  }
}
