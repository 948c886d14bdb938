import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeEntities, searchDocs, searchIndexJson, type SearchDoc } from '../../src/docs/build/search.js';
import { createMarkdown, renderMarkdown } from '../../src/docs/markdown.js';
import { SEARCH_ASSETS, searchAssetTags, searchBox, searchPageBody } from '../../src/docs/theme/search-box.js';

const md = createMarkdown();
const render = (source: string) => renderMarkdown(md, source, { file: 'page.md' }).html;

const USAGE = `# Usage

Intro about **ScheduleZero** & friends.

## Install

Run \`npm install schedulezero\` first.

\`\`\`sh
npx schedulezero --port 3000 && echo "<ok>"
\`\`\`

### From source

Clone the repo.

#### Deep detail

Stays in "From source".

## Use it's API

- one
- two
`;

describe('searchDocs', () => {
  const docs = searchDocs({ location: 'guide/usage/', title: 'Usage', html: render(USAGE) });

  it('makes one entry for the page and one per h2/h3 section, MkDocs style', () => {
    expect(docs.map((d) => [d.location, d.title])).toEqual([
      ['guide/usage/', 'Usage'],
      ['guide/usage/#install', 'Install'],
      ['guide/usage/#from-source', 'From source'],
      ['guide/usage/#use-its-api', 'Use it\'s API'],
    ]);
  });

  it('gives each section the text up to the next h2/h3, with deeper headings inside it', () => {
    const [, install, fromSource, api] = docs as [SearchDoc, SearchDoc, SearchDoc, SearchDoc];
    expect(install.text).toBe('Run npm install schedulezero first. npx schedulezero --port 3000 && echo "<ok>"');
    expect(fromSource.text).toBe('Clone the repo. Deep detail Stays in "From source".');
    // List items are separate words, not "onetwo".
    expect(api.text).toBe('one two');
  });

  it('keeps the whole text in the page entry, without permalink marks', () => {
    const page = docs[0]!;
    expect(page.text).toBe(
      'Usage Intro about ScheduleZero & friends. Install Run npm install schedulezero first. npx schedulezero --port 3000 && echo "<ok>" ' +
        'From source Clone the repo. Deep detail Stays in "From source". Use it\'s API one two',
    );
    expect(docs.some((d) => d.text.includes('#') || d.title.includes('#'))).toBe(false);
    expect(docs.some((d) => /Link to the section/.test(d.text))).toBe(false);
  });

  it('decodes entities and strips tags from hand-written HTML too', () => {
    const html =
      '<p>A&amp;B &lt;tag&gt; &quot;q&quot; it&#39;s &#x27;x&#x27; &#8212; &copy;&nbsp;ok</p>' +
      '<h2 id="a-b">A &amp; <code>B</code><a class="sz-docs-permalink" href="#a-b" aria-label="Link to the section “A & B”">#</a></h2>' +
      '<!-- a comment --><p title="x > y">inline<em>joined</em></p><script>ignored()</script>' +
      '<h3>No id</h3><p>still in A &amp; B</p>';
    const [page, section] = searchDocs({ location: '', title: 'Home', html });
    expect(page).toEqual({ location: '', title: 'Home', text: 'A&B <tag> "q" it\'s \'x\' — &copy; ok A & B inlinejoined No id still in A & B' });
    expect(section).toEqual({ location: '#a-b', title: 'A & B', text: 'inlinejoined No id still in A & B' });
  });

  it('carries the group label of unified sites', () => {
    const [page, section] = searchDocs({ location: 'a/', title: 'A', html: '<h2 id="x">X</h2><p>y</p>', sectionTitle: 'Billing' });
    expect(page!.group).toBe('Billing');
    expect(section!.group).toBe('Billing');
  });

  it('handles an empty page', () => {
    expect(searchDocs({ location: 'empty/', title: 'Empty', html: '' })).toEqual([{ location: 'empty/', title: 'Empty', text: '' }]);
  });

  it('is fast enough for large sites', () => {
    const html = render(USAGE.repeat(20));
    const started = performance.now();
    for (let i = 0; i < 1000; i++) searchDocs({ location: `p${i}/`, title: `P${i}`, html });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('decodeEntities', () => {
  it('decodes named and numeric entities, and leaves unknown or invalid ones sensible', () => {
    expect(decodeEntities('&amp;lt; &#128512; &#x1F600; &#0; &#xD800; &unknown; & alone')).toBe('&lt; 😀 😀 \ufffd \ufffd &unknown; & alone');
  });
});

describe('searchIndexJson', () => {
  it('writes the shape of MkDocs search_index.json', () => {
    const docs = searchDocs({ location: '', title: 'Home', html: '<h1 id="home">Home</h1><h2 id="a">A</h2><p>b</p>' });
    expect(JSON.parse(searchIndexJson(docs))).toEqual({
      config: { lang: ['en'], separator: '[\\s\\-]+', pipeline: ['stopWordFilter'] },
      docs: [
        { location: '', title: 'Home', text: 'Home A b' },
        { location: '#a', title: 'A', text: 'b' },
      ],
    });
    expect(JSON.parse(searchIndexJson([], { lang: ['fr', 'en'] })).config.lang).toEqual(['fr', 'en']);
  });
});

describe('searchBox', () => {
  it('escapes the base and index URL into data attributes, with no inline script', () => {
    const markup = searchBox({ base: '/docs/"x"/', indexUrl: '/docs/search/search_index.json', label: 'Find <it>' }).value;
    expect(markup).toContain('action="/docs/&quot;x&quot;/search/"');
    expect(markup).toContain('data-sz-search-base="/docs/&quot;x&quot;/"');
    expect(markup).toContain('data-sz-search-index="/docs/search/search_index.json"');
    expect(markup).toContain('Find &lt;it&gt;');
    expect(markup).toMatch(/<input[^>]*type="search"[^>]*name="q"/);
    expect(markup).toMatch(/<label[^>]*for="sz-search-q"/);
    expect(markup).not.toMatch(/<script|\son\w+=|style=/);
  });

  it('renders the search page body, optionally with its own index', () => {
    expect(searchPageBody().value).toContain('data-sz-search-page');
    expect(searchPageBody({ base: '/d/', indexUrl: '/d/search/search_index.json' }).value).toContain('data-sz-search-index="/d/search/search_index.json"');
    expect(searchPageBody().value).not.toMatch(/<script|\son\w+=|style=/);
  });

  it('lists assets that exist: MiniSearch browser build first', () => {
    expect(SEARCH_ASSETS.map((a) => a.name)).toEqual(['minisearch.js', 'search.js', 'search.css']);
    for (const asset of SEARCH_ASSETS) expect(existsSync(asset.path), asset.path).toBe(true);
    expect(readFileSync(SEARCH_ASSETS[0]!.path, 'utf8')).toContain('global.MiniSearch');
    expect(searchAssetTags('/a/').value).toMatch(/minisearch\.js[\s\S]*search\.js/);
  });
});
