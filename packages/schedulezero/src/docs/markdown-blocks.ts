import type MarkdownIt from 'markdown-it';
import type { RendererRule, StateBlock, Token } from 'markdown-it';

/**
 * Python-Markdown's indented blocks, as MkDocs sites write them:
 *
 *   !!! note "Title"        admonition (`!!! tip ""` has no title)
 *   ??? note "Title"        collapsible admonition, pymdownx.details (`???+` starts open)
 *   === "Tab"               content tabs, pymdownx.tabbed alternate style (`===!` starts a new
 *                           set, `===+` selects the tab)
 *
 * each followed by a body indented four spaces more than the marker, which is full Markdown.
 * The HTML is Material for MkDocs' own, so its CSS conventions (and our CSS-only tabs) apply.
 *
 * Hand-written because no maintained markdown-it plugin implements Python-Markdown's
 * indented-body semantics for all three: markdown-it-container and the admonition plugins
 * use fenced `:::` blocks or only cover `!!!`.
 *
 * The body is parsed the way markdown-it parses a list item: the block indent is raised to the
 * body's indent and the nested tokenizer runs over the body's lines, so body lines keep their
 * place in the source (and nested lists, blockquotes and code behave as they do anywhere).
 */
export function markdownBlocks(md: MarkdownIt): void {
  md.block.ruler.before('fence', 'sz_indented_blocks', indentedBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  Object.assign(md.renderer.rules, renderers(md));
}

type Header =
  | { kind: 'admonition'; classes: string[]; title: string }
  | { kind: 'details'; classes: string[]; title: string; open: boolean }
  | { kind: 'tab'; label: string; selected: boolean; newSet: boolean };

// A type is one or more words (Python's [\w\-]+), e.g. `!!! danger inline end "Careful"`.
const CLASSES = String.raw`[\p{L}\p{N}_-]+(?: +[\p{L}\p{N}_-]+)*`;
const ADMONITION = new RegExp(String.raw`^!!! ?(${CLASSES})(?: +"(.*)")? *$`, 'u');
const DETAILS = new RegExp(String.raw`^\?\?\?(\+)? ?(?:(${CLASSES})(?: +"(.*)")?|"(.*)") *$`, 'u');
const TAB = /^===(\+!|!\+|\+|!)? +"(.*)" *$/;

/** Reads a marker line, or null when the line is not one (it is then ordinary text). */
function readHeader(state: StateBlock, line: number): Header | null {
  const start = state.bMarks[line]! + state.tShift[line]!;
  const first = state.src.charCodeAt(start);
  if (first !== 0x21 /* ! */ && first !== 0x3f /* ? */ && first !== 0x3d /* = */) return null;
  const text = state.src.slice(start, state.eMarks[line]!);

  let m = ADMONITION.exec(text);
  if (m) {
    const classes = m[1]!.toLowerCase().split(/ +/);
    // No title: the type, capitalised; an empty title: no title at all.
    return { kind: 'admonition', classes, title: m[2] ?? capitalise(classes[0]!) };
  }
  m = DETAILS.exec(text);
  if (m) {
    const classes = m[2] ? m[2].toLowerCase().split(/ +/) : [];
    // A summary is always shown, so an empty title falls back too.
    const title = m[3] || m[4] || (classes[0] ? capitalise(classes[0]) : 'Details');
    return { kind: 'details', classes, title, open: m[1] === '+' };
  }
  m = TAB.exec(text);
  if (m) {
    const flags = m[1] ?? '';
    return { kind: 'tab', label: m[2]!, selected: flags.includes('+'), newSet: flags.includes('!') };
  }
  return null;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** One past the last non-blank line of a body: lines indented at least `indent`, blank lines between them. */
function bodyEnd(state: StateBlock, header: number, endLine: number, indent: number): number {
  let end = header + 1;
  for (let line = header + 1; line < endLine; line++) {
    if (state.isEmpty(line)) continue;
    if (state.sCount[line]! < indent) break;
    end = line + 1;
  }
  return end;
}

/** Parses lines [from, to) as Markdown whose block indent is `indent`, as a list item's content is. */
function tokenizeBody(state: StateBlock, from: number, to: number, indent: number): void {
  if (from >= to) return;
  const { blkIndent, lineMax, parentType } = state;
  state.blkIndent = indent;
  state.lineMax = to;
  state.parentType = 'root';
  state.md.block.tokenize(state, from, to);
  state.blkIndent = blkIndent;
  state.lineMax = lineMax;
  state.parentType = parentType;
}

function indentedBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  // Four spaces more than the current block's indent is an indented code block, not a marker.
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const header = readHeader(state, startLine);
  if (!header) return false;
  if (silent) return true;

  const indent = state.sCount[startLine]!;
  if (header.kind === 'tab') return tabSet(state, startLine, endLine, indent, header);

  const end = bodyEnd(state, startLine, endLine, indent + 4);
  const open = state.push(header.kind === 'admonition' ? 'admonition_open' : 'details_open', header.kind === 'admonition' ? 'div' : 'details', 1);
  open.map = [startLine, end];
  open.markup = header.kind === 'admonition' ? '!!!' : '???';
  if (header.kind === 'admonition') {
    open.attrSet('class', ['admonition', ...header.classes].join(' '));
    if (header.title !== '') inlineIn(state, 'admonition_title', 'p', header.title, startLine).attrSet('class', 'admonition-title');
  } else {
    if (header.classes.length) open.attrSet('class', header.classes.join(' '));
    if (header.open) open.attrSet('open', '');
    inlineIn(state, 'details_summary', 'summary', header.title, startLine);
  }
  tokenizeBody(state, startLine + 1, end, indent + 4);
  const close = state.push(header.kind === 'admonition' ? 'admonition_close' : 'details_close', header.kind === 'admonition' ? 'div' : 'details', -1);
  close.markup = open.markup;
  state.line = end;
  return true;
}

/** `<tag>title</tag>` with the title as inline Markdown (Python-Markdown processes it too); returns the open token. */
function inlineIn(state: StateBlock, name: string, tag: string, content: string, line: number): Token {
  const open = state.push(`${name}_open`, tag, 1);
  open.map = [line, line + 1];
  const inline = state.push('inline', '', 0);
  inline.content = content;
  inline.map = [line, line + 1];
  inline.children = [];
  state.push(`${name}_close`, tag, -1);
  return open;
}

interface Tab {
  label: string;
  header: number;
  end: number;
}

interface TabMeta {
  set: number;
  index: number;
  count: number;
  selected: number;
}

/** Consecutive `===` blocks at the same indent (blank lines between them allowed) form one set. */
function tabSet(state: StateBlock, startLine: number, endLine: number, indent: number, first: Header & { kind: 'tab' }): boolean {
  const tabs: Tab[] = [];
  let selected = first.selected ? 0 : -1;
  let line = startLine;
  let label = first.label;
  for (;;) {
    const end = bodyEnd(state, line, endLine, indent + 4);
    tabs.push({ label, header: line, end });
    const next = state.skipEmptyLines(end);
    if (next >= endLine || state.sCount[next] !== indent) break;
    const header = readHeader(state, next);
    if (header?.kind !== 'tab' || header.newSet) break;
    if (header.selected) selected = tabs.length;
    line = next;
    label = header.label;
  }

  const set = nextTabSet(state);
  const meta = (index: number): TabMeta => ({ set, index, count: tabs.length, selected: Math.max(selected, 0) });
  const last = tabs[tabs.length - 1]!.end;
  const open = state.push('tabbed_set_open', 'div', 1);
  open.map = [startLine, last];
  open.markup = '===';
  open.meta = meta(0);
  state.push('tabbed_labels_open', 'div', 1);
  tabs.forEach((tab, i) => {
    const labelOpen = state.push('tabbed_label_open', 'label', 1);
    labelOpen.meta = meta(i);
    labelOpen.map = [tab.header, tab.header + 1];
    const inline = state.push('inline', '', 0);
    inline.content = tab.label;
    inline.map = [tab.header, tab.header + 1];
    inline.children = [];
    state.push('tabbed_label_close', 'label', -1);
  });
  state.push('tabbed_labels_close', 'div', -1);
  state.push('tabbed_content_open', 'div', 1);
  for (const tab of tabs) {
    state.push('tabbed_block_open', 'div', 1).map = [tab.header, tab.end];
    tokenizeBody(state, tab.header + 1, tab.end, indent + 4);
    state.push('tabbed_block_close', 'div', -1);
  }
  state.push('tabbed_content_close', 'div', -1);
  state.push('tabbed_set_close', 'div', -1);
  state.line = last;
  return true;
}

// Tab sets are numbered per render (ids `__tabbed_<set>_<tab>` must be unique on the page). The count
// is kept per render env; a parse without an env object counts per token list, which is as good.
const tabSetCounts = new WeakMap<object, number>();

function nextTabSet(state: StateBlock): number {
  const env: unknown = state.env;
  const key: object = typeof env === 'object' && env !== null ? env : state.tokens;
  const n = (tabSetCounts.get(key) ?? 0) + 1;
  tabSetCounts.set(key, n);
  return n;
}

function tabMeta(token: Token): TabMeta {
  const meta = token.meta as Partial<TabMeta> | null;
  return { set: meta?.set ?? 0, index: meta?.index ?? 0, count: meta?.count ?? 0, selected: meta?.selected ?? 0 };
}

/** Material's markup for tabs, so that they work with CSS alone (the radio inputs hold the state). */
function renderers(md: MarkdownIt): Record<string, RendererRule> {
  const escape = md.utils.escapeHtml;
  const id = (set: number, index: number) => `__tabbed_${set}_${index + 1}`;
  return {
    details_open: (tokens, idx) => {
      const token = tokens[idx]!;
      const cls = token.attrGet('class');
      return `<details${cls ? ` class="${escape(cls)}"` : ''}${token.attrGet('open') !== null ? ' open' : ''}>\n`;
    },
    tabbed_set_open: (tokens, idx) => {
      const { set, count, selected } = tabMeta(tokens[idx]!);
      let html = `<div class="tabbed-set tabbed-alternate" data-tabs="${set}:${count}">`;
      for (let i = 0; i < count; i++) html += `<input${i === selected ? ' checked' : ''} id="${id(set, i)}" name="__tabbed_${set}" type="radio">`;
      return html;
    },
    tabbed_labels_open: () => '<div class="tabbed-labels">',
    tabbed_label_open: (tokens, idx) => {
      const { set, index } = tabMeta(tokens[idx]!);
      return `<label for="${id(set, index)}">`;
    },
    tabbed_label_close: () => '</label>',
    tabbed_labels_close: () => '</div>\n',
    tabbed_content_open: () => '<div class="tabbed-content">\n',
    tabbed_block_open: () => '<div class="tabbed-block">\n',
    tabbed_block_close: () => '</div>\n',
    tabbed_content_close: () => '</div>\n',
    tabbed_set_close: () => '</div>\n',
  };
}
