import { stringify } from 'yaml';

/**
 * Small pieces of Markdown for generated tables: code spans that survive any backticks, cell
 * text that cannot break a table row, and values written the way a YAML file would hold them.
 */

/**
 * A code span around any text: the fence is one backtick longer than the longest run inside,
 * with a space of padding when the text starts or ends with a backtick (CommonMark strips one).
 */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Text for one table cell. Line breaks would end the row and an unescaped `|` would start a new
 * cell; GFM (and markdown-it) take `\|` as a pipe even inside code spans, so every pipe is
 * escaped. Outside code spans `<` becomes `&lt;`: MkDocs passes raw HTML through, and a
 * description such as "logs/<handler>.log" would lose its `<handler>` there.
 */
export function cell(markdown: string): string {
  const oneLine = markdown.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  let out = '';
  // Code spans (a backtick run up to the next run of the same length) are kept as they are.
  const spans = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  let last = 0;
  for (const m of oneLine.matchAll(spans)) {
    out += prose(oneLine.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  out += prose(oneLine.slice(last));
  return out.replace(/\|/g, '\\|');
}

function prose(text: string): string {
  return text.replace(/</g, '&lt;');
}

/** A value as it is written in YAML (quoted only when YAML needs it), in flow style when nested. */
export function yamlValue(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

/** "a", "a or b", "a, b or c". */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
