import core from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import http from 'highlight.js/lib/languages/http';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import nginx from 'highlight.js/lib/languages/nginx';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import powershell from 'highlight.js/lib/languages/powershell';
import python from 'highlight.js/lib/languages/python';
import pythonRepl from 'highlight.js/lib/languages/python-repl';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shellSession from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

/**
 * Build-time syntax highlighting of fenced code with highlight.js. Only the languages common in
 * documentation are registered (the full bundle has ~190 and slows every start); a block in any
 * other language, or none, is shown as escaped plain text. Auto-detection is never used: it is
 * slow on long blocks and often wrong.
 */
const hljs = core.newInstance(); // a private instance: registering here must not change anyone else's

const languages = {
  bash, c, cpp, csharp, css, diff, dockerfile, go, http, ini, java, javascript, json, kotlin, makefile, markdown,
  nginx, php, plaintext, powershell, python, 'python-repl': pythonRepl, ruby, rust, sql, swift, typescript, xml, yaml,
  // highlight.js calls its console-session grammar "shell" (prompt lines are commands, the rest output);
  // Pygments, which MkDocs uses, reads ```shell as a script and ```console as a session. Follow Pygments.
  console: shellSession,
};
for (const [name, grammar] of Object.entries(languages)) hljs.registerLanguage(name, grammar);
hljs.registerAliases(['shell', 'sh', 'zsh', 'shell-script'], { languageName: 'bash' });
hljs.registerAliases(['jsonc', 'json5'], { languageName: 'json' });
hljs.registerAliases(['toml'], { languageName: 'ini' });
hljs.registerAliases(['pycon'], { languageName: 'python-repl' });
hljs.registerAliases(['text', 'txt', 'none', 'output'], { languageName: 'plaintext' });

/** What the info string of a fence says, MkDocs-style. */
export interface FenceInfo {
  /** The language as written (e.g. `py`), when it is a plausible name; null otherwise. */
  language: string | null;
  /** `title="app.py"`: a file name shown above the block. */
  title: string | null;
}

// A language name worth a class: c++, c#, objective-c, python3 … but nothing that needs escaping.
const LANGUAGE_NAME = /^[\w#+.-]{1,40}$/;
// key="value", key='value' or key=value; anything else is a bare word.
const INFO_PART = /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'}]+))|(\S+)/g;

/**
 * Reads a fence's info string in the forms MkDocs sites use: `python`, `py title="app.py"`,
 * `py hl_lines="2 3" linenums="1"`, and the attribute-list form `{ .python title="app.py" }`.
 * Options other than the title (hl_lines, linenums, …) are accepted and ignored.
 */
export function parseFenceInfo(info: string): FenceInfo {
  let text = info.trim();
  const braced = text.startsWith('{');
  if (braced) text = text.slice(1, text.endsWith('}') ? -1 : undefined);
  let language: string | null = null;
  let title: string | null = null;
  let first = true;
  for (const match of text.matchAll(INFO_PART)) {
    const [, key, double, single, bare, word] = match;
    if (key !== undefined) {
      if (key === 'title') title = double ?? single ?? bare ?? '';
    } else if (word !== undefined) {
      // The language is the first word, or in the braced form the first `.class`.
      if (braced ? word.startsWith('.') && language === null : first) language = cleanLanguage(word);
    }
    first = false;
  }
  return { language, title: title === null || title.trim() === '' ? null : title };
}

function cleanLanguage(word: string): string | null {
  // `.python` (attribute-list class) and `python{1,3}` (line-highlight suffixes of other tools).
  const name = word.replace(/^\./, '').replace(/\{.*$/, '');
  return LANGUAGE_NAME.test(name) ? name : null;
}

/** Whether a language name (or alias) has a registered grammar. */
export function isKnownLanguage(name: string): boolean {
  return hljs.getLanguage(name) !== undefined;
}

/**
 * The inner HTML of a code block: highlight.js token spans for a known language, else the
 * escaped text. Never throws: a grammar failing on odd input falls back to plain text.
 */
export function highlightCode(code: string, language: string | null): { html: string; highlighted: boolean } {
  if (language !== null && isKnownLanguage(language)) {
    try {
      return { html: hljs.highlight(code, { language, ignoreIllegals: true }).value, highlighted: true };
    } catch {
      // fall through to plain text
    }
  }
  return { html: escapeHtml(code), highlighted: false };
}

/**
 * A whole fenced block as HTML: `<pre tabindex="0"><code class="hljs language-py">…</code></pre>`,
 * inside `<div class="highlight">` after a `<span class="filename">` when the fence has a title.
 * The tabindex lets keyboard users scroll long lines.
 */
export function renderFence(code: string, info: string): string {
  const { language, title } = parseFenceInfo(info);
  const { html, highlighted } = highlightCode(code, language);
  const classes = language === null ? '' : highlighted ? `hljs language-${language}` : `language-${language}`;
  const pre = `<pre tabindex="0"><code${classes ? ` class="${escapeHtml(classes)}"` : ''}>${html}</code></pre>`;
  if (title === null) return `${pre}\n`;
  return `<div class="highlight"><span class="filename">${escapeHtml(title)}</span>${pre}</div>\n`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ESCAPES[ch]!);
}
