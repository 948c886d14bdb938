/**
 * The search index of a built documentation site, in MkDocs' search_index.json format: one entry
 * per page (its whole text) and one per h2/h3 section (location `page/#id`). Keeping MkDocs' shape
 * means the file works with tools written for MkDocs sites as well as with our own search.js.
 *
 * Runs once per page of sites with thousands of pages, so the HTML is read in a single pass with
 * one regular expression. The input is our own markdown-it output (raw HTML disabled), which is
 * well formed: a full HTML parser would buy nothing here.
 */

export interface SearchPage {
  /** Page path relative to the site base, MkDocs style: '' for the home page, 'guide/usage/'. */
  location: string;
  title: string;
  /** The rendered article HTML. */
  html: string;
  /** A label for the group the page belongs to (e.g. the source name in a unified site). */
  sectionTitle?: string;
}

export interface SearchDoc {
  /** 'guide/usage/' for a page, 'guide/usage/#install' for a section of it. */
  location: string;
  title: string;
  text: string;
  /** The page's group label (SearchPage.sectionTitle), when it has one. An addition to MkDocs' fields. */
  group?: string;
}

export interface SearchIndexOptions {
  /** Languages of the site, for MkDocs-compatible clients (lunr); default ['en']. */
  lang?: string[];
}

/** The index entries of one page: the page itself, then one per h2/h3 that has an id. */
export function searchDocs(page: SearchPage): SearchDoc[] {
  const { text, sections } = readArticle(page.html);
  const group = page.sectionTitle ? { group: page.sectionTitle } : {};
  const docs: SearchDoc[] = [{ location: page.location, title: page.title, text, ...group }];
  for (const section of sections) {
    docs.push({ location: `${page.location}#${section.id}`, title: section.title, text: section.text, ...group });
  }
  return docs;
}

/** search_index.json as MkDocs writes it (its default separator and pipeline). */
export function searchIndexJson(docs: readonly SearchDoc[], options: SearchIndexOptions = {}): string {
  return JSON.stringify({
    config: { lang: options.lang && options.lang.length > 0 ? options.lang : ['en'], separator: '[\\s\\-]+', pipeline: ['stopWordFilter'] },
    docs,
  });
}

interface Section {
  id: string;
  title: string;
  text: string;
}

// A comment, or a start/end tag whose attribute values may be quoted (and then hold any character).
const TAG_RE = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']+|"[^"]*"|'[^']*')*)>/g;
// highlight.js's token spans: thousands on a big site, inline, never holding a quoted ">".
const HLJS_SPAN_RE = /<span class="hljs-[\w -]*">|<\/span>/g;
const ID_RE = /\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const CLASS_RE = /\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

// Tags that end a line of text: without a space here, "<li>one</li><li>two</li>" would read "onetwo".
// Inline tags (em, code, a, span...) add nothing, so "foo<em>bar</em>" stays one word.
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'img', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
// Elements whose content is not text a reader sees.
const HIDDEN_TAGS = new Set(['script', 'style', 'template']);

/**
 * The article's whole text, and the text of each h2/h3 section with an id. The whole text is put
 * together from the text before the first section and the sections' titles and texts, so the
 * HTML is walked and its whitespace collapsed once.
 */
function readArticle(source: string): { text: string; sections: Section[] } {
  // Dropped up front with one cheap pattern, they never reach the tag-by-tag walk below. Closing
  // spans of other spans go too: a span is inline, so its end adds nothing to the text.
  const html = source.includes('hljs-') ? source.replace(HLJS_SPAN_RE, '') : source;
  const intro: string[] = [];
  const sections: Section[] = [];
  let section: { id: string; title: string[]; text: string[] } | null = null;
  let heading: { tag: string; id: string | null; title: string[] } | null = null;
  // Depth inside a permalink anchor or a hidden element, whose text is skipped.
  let skipTag: string | null = null;
  let skipDepth = 0;

  const flush = () => {
    if (section) sections.push({ id: section.id, title: collapse(section.title.join('')), text: collapse(section.text.join('')) });
    section = null;
  };
  const emit = (chunk: string) => {
    if (heading) heading.title.push(chunk);
    else if (section) section.text.push(chunk);
    else intro.push(chunk);
  };

  let last = 0;
  TAG_RE.lastIndex = 0;
  for (let m = TAG_RE.exec(html); m !== null; m = TAG_RE.exec(html)) {
    if (skipDepth === 0 && m.index > last) emit(decodeEntities(html.slice(last, m.index)));
    last = TAG_RE.lastIndex;
    const name = m[2]?.toLowerCase();
    if (!name) continue; // a comment
    const closing = m[1] === '/';
    const attrs = m[3] ?? '';

    if (skipDepth > 0) {
      if (name === skipTag) skipDepth += closing ? -1 : 1;
      continue;
    }
    if (!closing && (HIDDEN_TAGS.has(name) || (name === 'a' && isPermalink(attrs)))) {
      skipTag = name;
      skipDepth = 1;
      continue;
    }
    if (BLOCK_TAGS.has(name)) emit(' ');
    if ((name === 'h2' || name === 'h3') && !closing) {
      heading = { tag: name, id: attrValue(attrs, ID_RE), title: [] };
    } else if (heading && closing && name === heading.tag) {
      const done: { tag: string; id: string | null; title: string[] } = heading;
      heading = null;
      // A heading without an id cannot be linked to: its text stays in the current section.
      if (done.id) {
        flush();
        section = { id: done.id, title: done.title, text: [] };
      } else {
        (section ? section.text : intro).push(' ', ...done.title, ' ');
      }
    }
  }
  if (skipDepth === 0 && last < html.length) emit(decodeEntities(html.slice(last)));
  // A heading left open (not our renderer's output) keeps its text in the page.
  const open = heading as { title: string[] } | null;
  if (open) (section ? (section as { text: string[] }).text : intro).push(' ', ...open.title);
  flush();
  const parts = [collapse(intro.join(''))];
  for (const s of sections) parts.push(s.title, s.text);
  return { text: parts.filter((p) => p !== '').join(' '), sections };
}

function isPermalink(attrs: string): boolean {
  const classes = attrValue(attrs, CLASS_RE);
  return classes !== null && classes.split(/\s+/).includes('sz-docs-permalink');
}

function attrValue(attrs: string, re: RegExp): string | null {
  const m = re.exec(attrs);
  if (!m) return null;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Decodes the entities markdown-it and highlight.js write (&amp; &lt; &gt; &quot; and numeric
 * ones such as &#39; or &#x27;). Unknown names are left as written rather than guessed.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    // NUL, surrogates and out-of-range values become U+FFFD, as HTML parsers do.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(code);
  });
}
