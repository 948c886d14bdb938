import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DocsError } from '../../src/docs/errors.js';
import { generateNav, titleFromFilename } from '../../src/docs/nav.js';
import { DocSite, pagePath, type NavNode } from '../../src/docs/site.js';
import { tempDir } from '../helpers.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sz-docsite-');
});
afterEach(() => dir.cleanup());

function write(rel: string, text: string | Buffer): string {
  const path = join(dir.path, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** The nav as [title, url | children] pairs, easy to compare. */
function outline(nodes: readonly NavNode[]): unknown[] {
  return nodes.map((n) => (n.kind === 'page' ? [n.title, n.page.url] : n.kind === 'link' ? [n.title, n.url] : [n.title, outline(n.children)]));
}

describe('a folder without nav', () => {
  test('the navigation is generated: index first, pages by name, then one section per folder', async () => {
    write('mkdocs.yml', 'site_name: Generated\n');
    write('docs/index.md', '# Welcome\n');
    write('docs/zeta.md', '# Last letter\n');
    write('docs/alpha-beta.md', 'No heading here.\n');
    write('docs/guide/index.md', '---\ntitle: The guide\n---\n# Ignored h1\n');
    write('docs/guide/b.md', '# B page\n');
    write('docs/guide/a.md', '# A page\n');
    write('docs/how_to/README.md', '# How-to home\n');
    write('docs/img/logo.png', 'png');
    write('docs/.hidden/secret.md', '# Secret\n');
    const site = await DocSite.load(dir.path, { baseUrl: '/docs/gen/' });

    expect(site.name).toBe('Generated');
    expect(outline(site.nav)).toEqual([
      ['Welcome', '/docs/gen/'],
      ['Alpha beta', '/docs/gen/alpha-beta/'],
      ['Last letter', '/docs/gen/zeta/'],
      [
        'Guide',
        [
          ['The guide', '/docs/gen/guide/'],
          ['A page', '/docs/gen/guide/a/'],
          ['B page', '/docs/gen/guide/b/'],
        ],
      ],
      ['How to', [['How-to home', '/docs/gen/how_to/']]],
    ]);
    expect(site.pages.map((p) => p.file)).not.toContain('.hidden/secret.md');
    expect(site.warnings).toEqual([]);
    const { previous, next } = site.neighbours(site.page('guide/')!);
    expect(previous?.title).toBe('Last letter');
    expect(next?.title).toBe('A page');
  });

  test('a folder with no mkdocs.yml at all is a site of its Markdown files', async () => {
    write('one.md', '# One\n');
    write('two/index.md', '# Two\n');
    const site = await DocSite.load(dir.path, { baseUrl: '/d/x/' });
    expect(site.name).toBeNull();
    expect(outline(site.nav)).toEqual([
      ['One', '/d/x/one/'],
      ['Two', [['Two', '/d/x/two/']]],
    ]);
    // No index.md: the home page is the first page of the navigation.
    expect(site.home()?.file).toBe('one.md');
  });

  test('generateNav and titles on their own', () => {
    expect(generateNav(['b.md', 'index.md', 'sub/x.md', 'a.md', 'sub/index.md'])).toEqual([
      { kind: 'page', title: null, file: 'index.md' },
      { kind: 'page', title: null, file: 'a.md' },
      { kind: 'page', title: null, file: 'b.md' },
      {
        kind: 'section',
        title: 'Sub',
        children: [
          { kind: 'page', title: null, file: 'sub/index.md' },
          { kind: 'page', title: null, file: 'sub/x.md' },
        ],
      },
    ]);
    expect(titleFromFilename('index.md')).toBe('Home');
    expect(titleFromFilename('user-guide/index.md')).toBe('User guide');
    expect(titleFromFilename('getting_started.md')).toBe('Getting started');
    expect(pagePath('index.md')).toBe('');
    expect(pagePath('a/README.md')).toBe('a/');
    expect(pagePath('a/b.md')).toBe('a/b/');
  });
});

describe('a site with a nav', () => {
  beforeEach(() => {
    write(
      'mkdocs.yml',
      `site_name: Acme
docs_dir: content
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
nav:
  - Home: index.md
  - Guide:
      - guide/setup.md
      - Advanced use: guide/advanced.md
  - Missing: nope.md
  - Vendor: https://example.com/vendor
`,
    );
    write(
      'content/index.md',
      '# Acme\n\nSee [setup](guide/setup.md#install), [the folder](guide/), [gone](missing.md), [pdf](files/a%20b.pdf), [outside](../mkdocs.yml), [anchor](#top), [abs](/elsewhere).\n\n![Logo](img/logo.png) ![None](img/none.png)\n',
    );
    write('content/guide/setup.md', '# Setup\n\n## Install\n\nBack [home](../index.md) or [advanced](advanced.md?x=1#deep).\n');
    write('content/guide/advanced.md', '# Advanced\n');
    write('content/guide/index.md', '# Guide overview\n');
    write('content/extra.md', '# Not in nav\n');
    write('content/img/logo.png', 'PNG');
    write('content/files/a b.pdf', 'PDF');
  });

  test('pages take their titles from the nav, then the page; missing nav entries are reported', async () => {
    const site = await DocSite.load(join(dir.path, 'mkdocs.yml'), { baseUrl: '/docs/acme/' });
    expect(outline(site.nav)).toEqual([
      ['Home', '/docs/acme/'],
      [
        'Guide',
        [
          ['Setup', '/docs/acme/guide/setup/'],
          ['Advanced use', '/docs/acme/guide/advanced/'],
        ],
      ],
      ['Vendor', 'https://example.com/vendor'],
    ]);
    expect(site.page('guide/advanced/')?.title).toBe('Advanced use');
    expect(site.page('extra/')).toMatchObject({ title: 'Not in nav', inNav: false });
    expect(site.neighbours(site.page('extra/')!)).toEqual({ previous: null, next: null });
    expect(site.neighbours(site.page('guide/setup/')!).previous?.url).toBe('/docs/acme/');
    expect(site.neighbours(site.page('guide/advanced/')!).next).toBeNull();
    // The two nav problems, and pymdownx.emoji of the config (unsupported: rendered as plain Markdown).
    expect(site.warnings).toHaveLength(3);
    expect(site.warnings[0]).toMatch(/mkdocs\.yml:5:20: YAML tag !!python\/name:material\.extensions\.emoji\.twemoji is not supported/);
    expect(site.warnings[1]).toMatch(/mkdocs\.yml:4:5: markdown_extensions: pymdownx\.emoji is not supported here/);
    expect(site.warnings[2]).toBe(`${join(dir.path, 'mkdocs.yml')}: nav: "nope.md" is not a page of the docs folder; left out`);
  });

  test('relative links become served URLs; broken ones are warned about', async () => {
    const seen: string[] = [];
    const site = await DocSite.load(dir.path, { baseUrl: '/docs/acme/', onWarning: (w) => seen.push(w) });
    const home = await site.render(site.home()!);
    expect(home.html).toContain('<a href="/docs/acme/guide/setup/#install">setup</a>');
    expect(home.html).toContain('<a href="/docs/acme/guide/">the folder</a>');
    expect(home.html).toContain('<a href="missing.md" class="sz-docs-broken"');
    expect(home.html).toContain('<a href="/docs/acme/files/a%20b.pdf" hx-boost="false">pdf</a>');
    expect(home.html).toContain('<a href="../mkdocs.yml" class="sz-docs-broken" title="Broken link: points outside the docs folder">');
    expect(home.html).toContain('<a href="#top">anchor</a>');
    expect(home.html).toContain('<a href="/elsewhere">abs</a>');
    expect(home.html).toContain('<img src="/docs/acme/img/logo.png" alt="Logo" loading="lazy">');
    expect(home.html).toContain('<img src="img/none.png" alt="None" loading="lazy" class="sz-docs-broken"');
    const setup = await site.render(site.page('guide/setup/')!);
    expect(setup.html).toContain('<a href="/docs/acme/">home</a>');
    expect(setup.html).toContain('<a href="/docs/acme/guide/advanced/?x=1#deep">advanced</a>');

    const pageWarnings = [
      'index.md: link "missing.md": no such page in the docs folder',
      'index.md: link "../mkdocs.yml": points outside the docs folder',
      'index.md: image "img/none.png": no such file in the docs folder',
    ];
    expect(home.warnings).toEqual(pageWarnings);
    expect(site.warnings.slice(-3)).toEqual(pageWarnings);
    expect(seen.slice(-3)).toEqual(pageWarnings);
    // check() renders everything: the other pages have no problems.
    expect((await site.check()).filter((w) => !w.includes('mkdocs.yml:') && !w.includes('nav:'))).toEqual(pageWarnings);
  });

  test('a site is a snapshot: pages render as read; a changed file makes it stale, and a new read renders the change', async () => {
    const site = await DocSite.load(dir.path, { baseUrl: '/docs/acme/' });
    const page = site.page('guide/advanced/')!;
    const first = await site.render(page);
    expect(await site.render(page)).toBe(first);
    const file = write('content/guide/advanced.md', '# Advanced\n\nNew text.\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(await site.render(page)).toBe(first);
    expect(await site.isStale()).toBe(true);
    const again = await DocSite.load(dir.path, { baseUrl: '/docs/acme/' });
    expect((await again.render(again.page('guide/advanced/')!)).html).toContain('New text.');
  });

  test('files of the docs folder are found; traversal, hidden files, sources and outside symlinks are not', async () => {
    write('outside.txt', 'SECRET');
    write('content/.env', 'TOKEN=1');
    symlinkSync(join(dir.path, 'outside.txt'), join(dir.path, 'content', 'leak.txt'));
    symlinkSync(join(dir.path, 'content', 'img', 'logo.png'), join(dir.path, 'content', 'alias.png'));
    const site = await DocSite.load(dir.path, { baseUrl: '/docs/acme/' });
    expect(await site.file('img/logo.png')).toBe(join(dir.path, 'content', 'img', 'logo.png'));
    expect(await site.file('files/a b.pdf')).toBe(join(dir.path, 'content', 'files', 'a b.pdf'));
    expect(await site.file('alias.png')).toBe(join(dir.path, 'content', 'img', 'logo.png'));
    for (const bad of ['../outside.txt', 'img/../../outside.txt', '..', 'img/', '', 'leak.txt', '.env', 'index.md', 'img\\..\\..\\outside.txt', 'img/logo.png\0', 'nope.png']) {
      expect(await site.file(bad), bad).toBeNull();
    }
    expect(site.warnings.some((w) => w.includes('leak.txt: symbolic link to a place outside the docs folder'))).toBe(true);
  });

  test('mkdocs.yml inside its own docs folder (docs_dir: .) is never served', async () => {
    write('self/mkdocs.yml', 'site_name: Self\ndocs_dir: .\n');
    write('self/index.md', '# Self\n');
    const site = await DocSite.load(join(dir.path, 'self'), { baseUrl: '/d/self/' });
    expect(await site.file('mkdocs.yml')).toBeNull();
    expect(site.pages.map((p) => p.file)).toEqual(['index.md']);
  });
});

describe('failures and reloading', () => {
  test('a missing folder or docs_dir is a DocsError', async () => {
    await expect(DocSite.load(join(dir.path, 'nope'), { baseUrl: '/d/' })).rejects.toThrow(DocsError);
    write('mkdocs.yml', 'docs_dir: pages\n');
    await expect(DocSite.load(dir.path, { baseUrl: '/d/' })).rejects.toThrow(/the docs folder does not exist/);
  });

  test('isStale notices a page added, changed or removed, and mkdocs.yml edited', async () => {
    write('mkdocs.yml', 'site_name: Live\n');
    write('docs/index.md', '# Home\n');
    const first = await DocSite.load(dir.path, { baseUrl: '/d/' });
    expect(await first.isStale()).toBe(false);
    write('docs/more/new.md', '# New\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir.path, 'docs'), later, later);
    expect(await first.isStale()).toBe(true);
    const second = await DocSite.load(dir.path, { baseUrl: '/d/' });
    expect(second.page('more/new/')?.title).toBe('New');
    expect(await second.isStale()).toBe(false);
    write('mkdocs.yml', 'site_name: Renamed\n');
    utimesSync(join(dir.path, 'mkdocs.yml'), new Date(Date.now() + 9000), new Date(Date.now() + 9000));
    expect(await second.isStale()).toBe(true);
  });
});
