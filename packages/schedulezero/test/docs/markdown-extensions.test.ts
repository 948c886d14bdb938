import { describe, expect, test } from 'vitest';
import { highlightCode, isKnownLanguage, parseFenceInfo } from '../../src/docs/highlight.js';
import { createMarkdown, firstHeading, renderMarkdown } from '../../src/docs/markdown.js';

const md = createMarkdown();
const render = (source: string) => renderMarkdown(md, source, { file: 'page.md' });
const html = (source: string) => render(source).html;

/** The text a browser would show for some HTML (tags dropped, the entities we emit decoded). */
function text(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function ids(markup: string): string[] {
  return [...markup.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
}

function count(markup: string, needle: string): number {
  return markup.split(needle).length - 1;
}

describe('fenced code', () => {
  test('a known language is highlighted at build time with highlight.js classes', () => {
    const out = html('```python\ndef f(x):\n    return "<b>"  # done\n```\n');
    expect(out).toBe(
      '<pre tabindex="0"><code class="hljs language-python"><span class="hljs-keyword">def</span> <span class="hljs-title function_">f</span>(<span class="hljs-params">x</span>):\n' +
        '    <span class="hljs-keyword">return</span> <span class="hljs-string">&quot;&lt;b&gt;&quot;</span>  <span class="hljs-comment"># done</span>\n</code></pre>\n',
    );
  });

  test.each([
    ['sh', 'echo "$HOME" | grep x'],
    ['bash', 'if [ -f a ]; then echo yes; fi'],
    ['shell', 'export A=1'],
    ['py', 'import os'],
    ['js', 'const a = 1;'],
    ['ts', 'let a: number = 1;'],
    ['yml', 'key: "value"'],
    ['yaml', 'list:\n  - 1'],
    ['json', '{"a": [1, true, null]}'],
    ['jsonc', '{"a": 1 // note\n}'],
    ['toml', '[tool]\nname = "x"'],
    ['ini', '[section]\nkey=1'],
    ['html', '<p class="x">Hi</p>'],
    ['xml', '<a b="c"/>'],
    ['css', '.a { color: red; }'],
    ['sql', 'SELECT * FROM jobs WHERE id = 1;'],
    ['go', 'func main() { fmt.Println("x") }'],
    ['rust', 'fn main() { let x = 1; }'],
    ['java', 'public class A { }'],
    ['c', 'int main(void) { return 0; }'],
    ['cpp', '#include <vector>\nint x = 1;'],
    ['csharp', 'public class A { }'],
    ['dockerfile', 'FROM node:20\nRUN npm ci'],
    ['markdown', '# Title\n*em*'],
    ['diff', '--- a\n+++ b\n-old\n+new'],
    ['http', 'GET /api HTTP/1.1\nHost: x'],
    ['nginx', 'server { listen 80; }'],
    ['ruby', 'def a; end'],
    ['php', '<?php echo "x"; ?>'],
    ['kotlin', 'fun main() { val a = 1 }'],
    ['swift', 'let a = 1'],
  ])('```%s is highlighted and keeps its text', (language, code) => {
    const out = html(`\`\`\`${language}\n${code}\n\`\`\`\n`);
    expect(out).toContain(`<code class="hljs language-${language}">`);
    expect(out).toMatch(/<span class="hljs-/);
    expect(text(out)).toBe(`${code}\n\n`);
  });

  test('```console is a shell session: prompts are marked, output is left alone', () => {
    const out = html('```console\n$ npm install schedulezero\nadded 1 package\n```\n');
    expect(out).toContain('<code class="hljs language-console"><span class="hljs-meta prompt_">$ </span>');
    expect(out).toContain('\nadded 1 package\n</code>');
  });

  test('an unknown language, or none, is escaped plain text with no guessing', () => {
    expect(html('```mermaid\ngraph TD; A-->B<b>\n```\n')).toBe('<pre tabindex="0"><code class="language-mermaid">graph TD; A--&gt;B&lt;b&gt;\n</code></pre>\n');
    // Looks like Python, but without a language it is not highlighted.
    expect(html('```\ndef f(): return 1\n```\n')).toBe('<pre tabindex="0"><code>def f(): return 1\n</code></pre>\n');
    expect(html('~~~text\nplain\n~~~\n')).toBe('<pre tabindex="0"><code class="hljs language-text">plain\n</code></pre>\n');
  });

  test('a language name that would need escaping is dropped, not emitted', () => {
    const out = html('```"><script>alert(1)</script>\nx\n```\n');
    expect(out).toBe('<pre tabindex="0"><code>x\n</code></pre>\n');
  });

  test('title="…" shows the file name above the block; hl_lines and linenums do not disturb the language', () => {
    expect(html('```python title="app.py"\npass\n```\n')).toBe(
      '<div class="highlight"><span class="filename">app.py</span><pre tabindex="0"><code class="hljs language-python"><span class="hljs-keyword">pass</span>\n</code></pre></div>\n',
    );
    const lines = html('```py hl_lines="2 3" linenums="1"\na = 1\nb = 2\nc = 3\n```\n');
    expect(lines).toMatch(/^<pre tabindex="0"><code class="hljs language-py">a = <span class="hljs-number">1<\/span>/);
    expect(html('``` { .yaml title="mkdocs.yml" linenums="1" }\nsite_name: x\n```\n')).toContain(
      '<span class="filename">mkdocs.yml</span><pre tabindex="0"><code class="hljs language-yaml"><span class="hljs-attr">site_name:</span>',
    );
    expect(html('```js title="<b>x</b>.js"\n1\n```\n')).toContain('<span class="filename">&lt;b&gt;x&lt;/b&gt;.js</span>');
  });

  test('parseFenceInfo reads the forms MkDocs sites use', () => {
    expect(parseFenceInfo('python')).toEqual({ language: 'python', title: null });
    expect(parseFenceInfo('  py   title="my app.py" hl_lines="1 2"')).toEqual({ language: 'py', title: 'my app.py' });
    expect(parseFenceInfo("py title='single.py'")).toEqual({ language: 'py', title: 'single.py' });
    expect(parseFenceInfo('py title=bare.py linenums="1"')).toEqual({ language: 'py', title: 'bare.py' });
    expect(parseFenceInfo('{ .python #id .annotate title="a.py" }')).toEqual({ language: 'python', title: 'a.py' });
    expect(parseFenceInfo('{.c++}')).toEqual({ language: 'c++', title: null });
    expect(parseFenceInfo('title="only.txt"')).toEqual({ language: null, title: 'only.txt' });
    expect(parseFenceInfo('js{1,3}')).toEqual({ language: 'js', title: null });
    expect(parseFenceInfo('py title=""')).toEqual({ language: 'py', title: null });
    expect(parseFenceInfo('')).toEqual({ language: null, title: null });
    expect(parseFenceInfo('{')).toEqual({ language: null, title: null });
    expect(parseFenceInfo('a"b')).toEqual({ language: null, title: null });
  });

  test('highlightCode: known languages by name or alias, nothing auto-detected, never throws', () => {
    expect(isKnownLanguage('python') && isKnownLanguage('py') && isKnownLanguage('sh') && isKnownLanguage('yml')).toBe(true);
    expect(isKnownLanguage('cobol')).toBe(false);
    expect(highlightCode('def f(): pass', null)).toEqual({ html: 'def f(): pass', highlighted: false });
    expect(highlightCode('<x>', 'cobol')).toEqual({ html: '&lt;x&gt;', highlighted: false });
    for (const language of ['python', 'json', 'html', 'sql', 'bash', 'typescript', 'markdown', 'php']) {
      for (const code of ['', '"', "'''", '/*', '<?php', '```', '\u0000\uffff', '${', '\\', ')))(((', '<!--', '#!/x', '\r\n\t']) {
        const result = highlightCode(code, language);
        expect(text(result.html)).toBe(code);
      }
    }
  });
});

describe('admonitions', () => {
  test('!!! type: a div with the type as class and the capitalised type as title; the body is Markdown', () => {
    expect(html('!!! note\n    Body with *emphasis*.\n\n    - a list\n')).toBe(
      '<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>Body with <em>emphasis</em>.</p>\n<ul>\n<li>a list</li>\n</ul>\n</div>\n',
    );
  });

  test('custom, empty and Markdown titles; several classes; types are lower-cased', () => {
    expect(html('!!! warning "Mind the `gap`"\n    x\n')).toContain('<div class="admonition warning">\n<p class="admonition-title">Mind the <code>gap</code></p>\n');
    expect(html('!!! tip ""\n    No title.\n')).toBe('<div class="admonition tip">\n<p>No title.</p>\n</div>\n');
    expect(html('!!! danger inline end "Stop"\n    x\n')).toContain('<div class="admonition danger inline end">\n<p class="admonition-title">Stop</p>');
    expect(html('!!! Note\n    x\n')).toContain('<div class="admonition note">\n<p class="admonition-title">Note</p>');
    expect(html('!!!info\n    x\n')).toContain('<div class="admonition info">');
  });

  test('titles are text: markup in them is escaped', () => {
    const out = html('!!! note "<img src=x onerror=alert(1)>"\n    body\n\n??? tip "<script>x</script>"\n    body\n');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script');
    expect(out).toContain('<p class="admonition-title">&lt;img src=x onerror=alert(1)&gt;</p>');
    expect(out).toContain('<summary>&lt;script&gt;x&lt;/script&gt;</summary>');
  });

  test('the body may hold blank lines and ends at the first line indented less', () => {
    expect(html('!!! note\n    one\n\n\n    two\nthree\n\n    four\n')).toBe(
      '<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>one</p>\n<p>two</p>\n</div>\n<p>three</p>\n<pre tabindex="0"><code>four\n</code></pre>\n',
    );
  });

  test('a tab indents the body like four spaces', () => {
    expect(html('!!! note\n\tTabbed body\n')).toBe('<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>Tabbed body</p>\n</div>\n');
  });

  test('without a body it is an empty admonition', () => {
    expect(html('!!! note\n\nAfter.\n')).toBe('<div class="admonition note">\n<p class="admonition-title">Note</p>\n</div>\n<p>After.</p>\n');
    expect(html('!!! note')).toBe('<div class="admonition note">\n<p class="admonition-title">Note</p>\n</div>\n');
  });

  test('a marker without a valid type, or with a broken title, is a plain paragraph', () => {
    expect(html('!!!\n')).toBe('<p>!!!</p>\n');
    expect(html('!!! <b>\n')).toBe('<p>!!! &lt;b&gt;</p>\n');
    expect(html('!!! "Title only"\n')).toBe('<p>!!! &quot;Title only&quot;</p>\n');
    expect(html('!!! note "unclosed\n')).toBe('<p>!!! note &quot;unclosed</p>\n');
    expect(html('!!! no/te\n')).toBe('<p>!!! no/te</p>\n');
  });

  test('it interrupts a paragraph; indented by four it is code', () => {
    expect(html('Para\n!!! note\n    x\n')).toBe('<p>Para</p>\n<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>x</p>\n</div>\n');
    expect(html('    !!! note\n        x\n')).toBe('<pre tabindex="0"><code>!!! note\n    x\n</code></pre>\n');
  });

  test('code inside: fenced (highlighted) and indented', () => {
    const out = html('!!! example\n    ```python title="a.py"\n    x = 1\n\n    y = 2\n    ```\n\n        indented code\n');
    expect(out).toBe(
      '<div class="admonition example">\n<p class="admonition-title">Example</p>\n' +
        '<div class="highlight"><span class="filename">a.py</span><pre tabindex="0"><code class="hljs language-python">x = <span class="hljs-number">1</span>\n\ny = <span class="hljs-number">2</span>\n</code></pre></div>\n' +
        '<pre tabindex="0"><code>indented code\n</code></pre>\n</div>\n',
    );
  });

  test('admonitions nest', () => {
    expect(html('!!! note\n    outer\n\n    !!! warning\n        inner\n\n    outer again\n')).toBe(
      '<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>outer</p>\n' +
        '<div class="admonition warning">\n<p class="admonition-title">Warning</p>\n<p>inner</p>\n</div>\n' +
        '<p>outer again</p>\n</div>\n',
    );
  });

  test('inside lists (Python-Markdown four-space style and CommonMark style) and blockquotes', () => {
    expect(html('1. Step\n\n    !!! tip\n        Inside the item.\n\n2. Next\n')).toBe(
      '<ol>\n<li>\n<p>Step</p>\n<div class="admonition tip">\n<p class="admonition-title">Tip</p>\n<p>Inside the item.</p>\n</div>\n</li>\n<li>\n<p>Next</p>\n</li>\n</ol>\n',
    );
    expect(html('- item\n  !!! note\n      body\n- next\n')).toBe(
      '<ul>\n<li>item\n<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>body</p>\n</div>\n</li>\n<li>next</li>\n</ul>\n',
    );
    expect(html('> !!! quote\n>     Quoted.\n>\n>     More.\n\nOut.\n')).toBe(
      '<blockquote>\n<div class="admonition quote">\n<p class="admonition-title">Quote</p>\n<p>Quoted.</p>\n<p>More.</p>\n</div>\n</blockquote>\n<p>Out.</p>\n',
    );
  });
});

describe('collapsible blocks (???)', () => {
  test('??? is a closed <details>, ???+ an open one', () => {
    expect(html('??? note "More"\n    Hidden *text*.\n')).toBe('<details class="note">\n<summary>More</summary>\n<p>Hidden <em>text</em>.</p>\n</details>\n');
    expect(html('???+ warning\n    Shown.\n')).toBe('<details class="warning" open>\n<summary>Warning</summary>\n<p>Shown.</p>\n</details>\n');
    expect(html('??? "Just a title"\n    x\n')).toBe('<details>\n<summary>Just a title</summary>\n<p>x</p>\n</details>\n');
    // A summary is always shown: an empty title falls back to the type.
    expect(html('??? faq ""\n    x\n')).toContain('<details class="faq">\n<summary>Faq</summary>');
    expect(html('???\n')).toBe('<p>???</p>\n');
  });
});

describe('content tabs (===)', () => {
  test('consecutive tabs form one set in Material markup that works without JavaScript', () => {
    expect(html('=== "pip"\n    ```sh\n    pip install x\n    ```\n\n=== "npm"\n\n    npm *install*\n')).toBe(
      '<div class="tabbed-set tabbed-alternate" data-tabs="1:2">' +
        '<input checked id="__tabbed_1_1" name="__tabbed_1" type="radio"><input id="__tabbed_1_2" name="__tabbed_1" type="radio">' +
        '<div class="tabbed-labels"><label for="__tabbed_1_1">pip</label><label for="__tabbed_1_2">npm</label></div>\n' +
        '<div class="tabbed-content">\n' +
        '<div class="tabbed-block">\n<pre tabindex="0"><code class="hljs language-sh">pip install x\n</code></pre>\n</div>\n' +
        '<div class="tabbed-block">\n<p>npm <em>install</em></p>\n</div>\n' +
        '</div>\n</div>\n',
    );
  });

  test('===+ selects a tab; ===! starts a new set; anything between two tabs ends the set', () => {
    const selected = html('=== "A"\n    a\n===+ "B"\n    b\n');
    expect(selected).toContain('<input id="__tabbed_1_1" name="__tabbed_1" type="radio"><input checked id="__tabbed_1_2" name="__tabbed_1" type="radio">');

    const split = html('=== "A"\n    a\n\n===! "B"\n    b\n\n=== "C"\n    c\n\nText.\n\n=== "D"\n    d\n');
    expect(split.match(/data-tabs="[^"]*"/g)).toEqual(['data-tabs="1:1"', 'data-tabs="2:2"', 'data-tabs="3:1"']);
    expect(split).toContain('<label for="__tabbed_2_1">B</label><label for="__tabbed_2_2">C</label>');
    expect(split).toContain('<label for="__tabbed_3_1">D</label>');
    expect(html('===+! "X"\n    x\n')).toContain('<input checked id="__tabbed_1_1"');
  });

  test('labels are text: markup in them is escaped', () => {
    const out = html('=== "<img src=x onerror=alert(1)>"\n    x\n=== "`code` & co"\n    y\n');
    expect(out).not.toContain('<img');
    expect(out).toContain('<label for="__tabbed_1_1">&lt;img src=x onerror=alert(1)&gt;</label><label for="__tabbed_1_2"><code>code</code> &amp; co</label>');
  });

  test('tabs hold admonitions, code and nested tab sets; every id on the page is unique', () => {
    const out = html(
      '=== "One"\n    !!! note\n        In a tab.\n\n    === "Inner A"\n        ia\n    === "Inner B"\n        ib\n\n=== "Two"\n    ```json\n    {"a": 1}\n    ```\n',
    );
    expect(out).toContain('<div class="tabbed-block">\n<div class="admonition note">\n<p class="admonition-title">Note</p>\n<p>In a tab.</p>\n</div>\n<div class="tabbed-set tabbed-alternate" data-tabs="2:2">');
    expect(out).toContain('<label for="__tabbed_1_1">One</label><label for="__tabbed_1_2">Two</label>');
    expect(out).toContain('<code class="hljs language-json">');
    expect(count(out, '<div')).toBe(count(out, '</div>'));
    expect(new Set(ids(out)).size).toBe(ids(out).length);
  });

  test('set numbers start again on every render of the same MarkdownIt', () => {
    const source = '=== "A"\n    a\n';
    expect(html(source)).toBe(html(source));
    expect(html(source)).toContain('id="__tabbed_1_1"');
  });

  test('headings inside tabs and admonitions get ids, permalinks and TOC entries; links inside are rewritten', () => {
    const out = renderMarkdown(md, '# Page\n\n=== "Linux"\n    ## Install\n\n    See [setup](setup.md).\n\n=== "macOS"\n    ## Install\n\n!!! note\n    ### Aside\n', {
      file: 'page.md',
      link: (target) => (target === 'setup.md' ? { href: '/docs/s/setup/' } : null),
    });
    expect(out.html).toContain('<h2 id="install">Install<a class="sz-docs-permalink" href="#install"');
    expect(out.html).toContain('<h2 id="install_1">');
    expect(out.html).toContain('<a href="/docs/s/setup/">setup</a>');
    expect(out.toc).toEqual([
      { level: 2, id: 'install', text: 'Install', children: [] },
      { level: 2, id: 'install_1', text: 'Install', children: [{ level: 3, id: 'aside', text: 'Aside', children: [] }] },
    ]);
    expect(out.title).toBe('Page');
  });
});

describe('task lists', () => {
  test('- [ ] and - [x] become disabled checkboxes in a task-list', () => {
    expect(html('- [ ] todo\n- [x] done\n- plain\n')).toBe(
      '<ul class="task-list">\n' +
        '<li class="task-list-item"><input type="checkbox" class="task-list-item-checkbox" id="task-item-0" disabled="disabled"><label class="task-list-item-label" for="task-item-0"> todo</label></li>\n' +
        '<li class="task-list-item"><input type="checkbox" class="task-list-item-checkbox" id="task-item-1" checked="checked" disabled="disabled"><label class="task-list-item-label" for="task-item-1"> done</label></li>\n' +
        '<li>plain</li>\n</ul>\n',
    );
  });

  test('brackets elsewhere are text; task lists work inside admonitions', () => {
    expect(html('[ ] not a task\n')).toBe('<p>[ ] not a task</p>\n');
    expect(html('!!! todo\n    - [X] inside\n')).toContain('<ul class="task-list">\n<li class="task-list-item"><input type="checkbox" class="task-list-item-checkbox" id="task-item-0" checked="checked" disabled="disabled">');
  });
});

describe('footnotes', () => {
  test('references and definitions, with Python-Markdown ids that never clash with headings', () => {
    const out = html('## fn1\n\nText[^1] and again[^1], and a name[^note].\n\n[^1]: First *note*.\n[^note]: Second.\n');
    expect(out).toContain('Text<sup class="footnote-ref"><a href="#fn:1" id="fnref:1">1</a></sup> and again<sup class="footnote-ref"><a href="#fn:1" id="fnref:1:1">1</a></sup>');
    expect(out).toContain('a name<sup class="footnote-ref"><a href="#fn:2" id="fnref:2">2</a></sup>');
    expect(out).toContain('<hr class="footnotes-sep">\n<section class="footnotes">\n<ol class="footnotes-list">\n');
    expect(out).toContain(
      '<li id="fn:1" class="footnote-item"><p>First <em>note</em>. <a href="#fnref:1" class="footnote-backref" aria-label="Back to reference 1">↩︎</a> <a href="#fnref:1:1" class="footnote-backref" aria-label="Back to reference 1">↩︎</a></p>\n</li>',
    );
    expect(out).toContain('<li id="fn:2" class="footnote-item"><p>Second. <a href="#fnref:2"');
    expect(new Set(ids(out)).size).toBe(ids(out).length);
  });

  test('an undefined footnote is left as text', () => {
    expect(html('Dangling[^x].\n')).toBe('<p>Dangling[^x].</p>\n');
  });
});

describe('robustness', () => {
  const pieces = [
    '!!! note', '!!! warning "T"', '!!! tip ""', '!!!', '!!! "', '!!! <b>', '??? bug', '???+ faq "Q"', '??? "x',
    '=== "A"', '===+ "B"', '===! "C"', '=== ""', '===', '====', '    ', '        ', '\t', '  ', '\n', '\n', '\n\n', '\r\n',
    '- ', '* ', '1. ', '> ', '>', '```', '```py title="a.py"', '```js hl_lines="1"', '~~~', '``` {', '# ', '## H', '### H',
    'text', '*em*', '`c`', '[^1]', '[^1]: n', '[^a]:', '- [ ] ', '- [x] ', '"', "'", '<img src=x onerror=alert(1)>',
    '<script>', '|a|b|\n|-|-|', '[l](x.md)', '\u0000', '\u00a0', 'é', '\\', '---', '===\n',
  ];

  // A small deterministic generator, so that a failure can be replayed.
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test('random documents built from the syntax never throw, stay escaped, balanced and with unique ids', () => {
    const next = random(20_260_527);
    for (let doc = 0; doc < 400; doc++) {
      let source = '';
      const length = 1 + Math.floor(next() * 40);
      for (let i = 0; i < length; i++) source += pieces[Math.floor(next() * pieces.length)]! + (next() < 0.3 ? '\n' : next() < 0.5 ? ' ' : '');
      let out = '';
      try {
        out = html(source);
        firstHeading(md, source);
      } catch (error) {
        throw new Error(`document ${doc} threw ${String(error)}:\n${JSON.stringify(source)}`);
      }
      expect(out, JSON.stringify(source)).not.toMatch(/<(img|script)\b/);
      expect(count(out, '<div'), JSON.stringify(source)).toBe(count(out, '</div>'));
      expect(count(out, '<details'), JSON.stringify(source)).toBe(count(out, '</details>'));
      const all = ids(out);
      expect(new Set(all).size, JSON.stringify(source)).toBe(all.length);
    }
  });

  test('deep nesting is cut off by markdown-it, not by the stack', () => {
    let source = '';
    for (let depth = 0; depth < 150; depth++) source += `${' '.repeat(depth * 4)}!!! note\n`;
    source += `${' '.repeat(150 * 4)}deep\n`;
    expect(() => html(source)).not.toThrow();
  });

  test('a 300-line page with 10 code blocks renders in one go', () => {
    const sections: string[] = [];
    for (let i = 0; i < 10; i++) {
      sections.push(
        `## Section ${i}`,
        '',
        ...Array.from({ length: 8 }, (_, j) => `Paragraph ${j} with *emphasis*, \`code\` and a [link](page${j}.md).`),
        '',
        '!!! note',
        '    A note.',
        '',
        `\`\`\`${['python', 'ts', 'yaml', 'bash', 'json'][i % 5]}`,
        ...Array.from({ length: 14 }, (_, j) => `value_${j} = "${'x'.repeat(j)}"  # ${j}`),
        '```',
        '',
      );
    }
    const source = sections.join('\n');
    expect(source.split('\n').length).toBeGreaterThanOrEqual(300);
    const out = render(source);
    expect(count(out.html, '<pre tabindex="0">')).toBe(10);
    expect(out.toc).toHaveLength(10);
  });
});
