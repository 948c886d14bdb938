import { describe, expect, test } from 'vitest';
import { createMarkdown, firstHeading, renderMarkdown } from '../../src/docs/markdown.js';
import { slugify } from '../../src/docs/slug.js';

const md = createMarkdown();
const render = (source: string, link?: Parameters<typeof renderMarkdown>[2]['link']) => renderMarkdown(md, source, { file: 'page.md', ...(link ? { link } : {}) });

describe('renderMarkdown', () => {
  test('raw HTML in Markdown is escaped, not emitted', () => {
    const out = render('# Title\n\n<script>alert(1)</script>\n\nText with <img src=x onerror=alert(2)> inline.\n');
    expect(out.html).not.toContain('<script>');
    expect(out.html).not.toContain('<img');
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out.html).toContain('&lt;img src=x onerror=alert(2)&gt;');
  });

  test('fenced code is escaped, highlighted with its language class, and scrolls by keyboard', () => {
    const out = render('```ts\nconst a = "<b>" && 1 < 2;\n```\n\n    indented <i>\n');
    expect(out.html).toContain(
      '<pre tabindex="0"><code class="hljs language-ts"><span class="hljs-keyword">const</span> a = <span class="hljs-string">&quot;&lt;b&gt;&quot;</span> &amp;&amp; <span class="hljs-number">1</span> &lt; <span class="hljs-number">2</span>;\n</code></pre>',
    );
    expect(out.html).toContain('<pre tabindex="0"><code>indented &lt;i&gt;\n</code></pre>');
  });

  test('tables render inside a scroll wrapper', () => {
    const out = render('| Key | Value |\n| --- | --- |\n| `a` | <b>1</b> |\n');
    expect(out.html).toMatch(/^<div class="sz-docs-table"><table>\n<thead>\n<tr>\n<th>Key<\/th>/);
    expect(out.html).toContain('<td><code>a</code></td>\n<td>&lt;b&gt;1&lt;/b&gt;</td>');
    expect(out.html).toContain('</table>\n</div>');
  });

  test('headings get MkDocs ids (unique per page) and permalinks; h2/h3 make the table of contents', () => {
    const out = render(
      '# The *Title*\n\n## Install `npm`\n\n### From npm\n\n### From source\n\n## Install `npm`\n\n#### Deep\n\n## Times without an offset\n',
    );
    expect(out.title).toBe('The Title');
    expect(out.html).toContain('<h1 id="the-title">The <em>Title</em></h1>');
    expect(out.html).toContain('<h2 id="install-npm">Install <code>npm</code><a class="sz-docs-permalink" href="#install-npm" aria-label="Link to the section “Install npm”">#</a></h2>');
    expect(out.html).toContain('<h2 id="install-npm_1">');
    expect(out.html).toContain('<h4 id="deep">Deep<a class="sz-docs-permalink" href="#deep"');
    expect(out.toc).toEqual([
      {
        level: 2,
        id: 'install-npm',
        text: 'Install npm',
        children: [
          { level: 3, id: 'from-npm', text: 'From npm', children: [] },
          { level: 3, id: 'from-source', text: 'From source', children: [] },
        ],
      },
      { level: 2, id: 'install-npm_1', text: 'Install npm', children: [] },
      { level: 2, id: 'times-without-an-offset', text: 'Times without an offset', children: [] },
    ]);
  });

  test('an h3 before any h2 is a top-level entry; a page without h1 has no title', () => {
    const out = render('### Alone\n\n## Then\n');
    expect(out.title).toBeNull();
    expect(out.toc.map((e) => [e.level, e.id])).toEqual([
      [3, 'alone'],
      [2, 'then'],
    ]);
  });

  test('relative links and images go through the rewrite; broken ones are marked and reported', () => {
    const seen: string[] = [];
    const out = render('[ok](a.md#x) [gone](gone.md) [file](f.pdf) [ext](https://e.com) ![pic](img/p.png)\n', (target, kind) => {
      seen.push(`${kind}:${target}`);
      if (target === 'a.md#x') return { href: '/docs/s/a/#x' };
      if (target === 'gone.md') return { href: target, broken: 'no such page in the docs folder' };
      if (target === 'f.pdf') return { href: '/docs/s/f.pdf', file: true };
      if (target === 'img/p.png') return { href: '/docs/s/img/p.png', file: true };
      return null;
    });
    expect(seen).toEqual(['link:a.md#x', 'link:gone.md', 'link:f.pdf', 'link:https://e.com', 'image:img/p.png']);
    expect(out.html).toContain('<a href="/docs/s/a/#x">ok</a>');
    expect(out.html).toContain('<a href="gone.md" class="sz-docs-broken" title="Broken link: no such page in the docs folder">gone</a>');
    expect(out.html).toContain('<a href="/docs/s/f.pdf" hx-boost="false">file</a>');
    expect(out.html).toContain('<a href="https://e.com">ext</a>');
    expect(out.html).toContain('<img src="/docs/s/img/p.png" alt="pic" loading="lazy">');
    expect(out.warnings).toEqual(['page.md: link "gone.md": no such page in the docs folder']);
  });

  test('dangerous link schemes are not links at all', () => {
    const out = render('[x](javascript:alert(1)) [y](data:text/html;base64,PHNjcmlwdD4=)\n');
    expect(out.html).not.toContain('href="javascript:');
    expect(out.html).not.toContain('href="data:');
  });
});

describe('helpers', () => {
  test('firstHeading reads the first h1, ATX or setext, outside code', () => {
    expect(firstHeading(md, '```\n# not this\n```\n\nSetext title\n============\n\n# Later\n')).toBe('Setext title');
    expect(firstHeading(md, '## Only h2\n')).toBeNull();
  });

  test('slugify matches Python-Markdown', () => {
    expect(slugify('Field form (APScheduler)')).toBe('field-form-apscheduler');
    expect(slugify('  Crème brûlée & co.  ')).toBe('creme-brulee-co');
    expect(slugify('a -- b   c')).toBe('a-b-c');
    expect(slugify('snake_case stays')).toBe('snake_case-stays');
  });
});
