import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { DocsError } from '../../src/docs/errors.js';
import { findMkDocsConfig, parseMkDocsConfig, plainFolderConfig, readMkDocsConfig } from '../../src/docs/mkdocs-config.js';
import { parseNavSpec } from '../../src/docs/nav.js';
import { tempDir } from '../helpers.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'docs');

const MATERIAL = `site_name: Acme
site_description: Jobs for Acme
theme:
  name: material
  palette: { primary: indigo }
markdown_extensions:
  - toc:
      permalink: true
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
plugins:
  - search
  - awesome-pages
nav:
  - Home: index.md
  - Guide:
      - guide/setup.md
      - Advanced use: guide/advanced.md
      - Deeper:
          - guide/deep/one.md
  - Vendor: https://example.com/vendor
`;

describe('parseMkDocsConfig', () => {
  test('reads site_name, the nested nav and docs_dir, and tolerates Python tags with one warning per tag', () => {
    const { config, warnings } = parseMkDocsConfig(MATERIAL, '/srv/site/mkdocs.yml');
    expect(config.siteName).toBe('Acme');
    expect(config.siteDescription).toBe('Jobs for Acme');
    expect(config.docsDir).toBe('/srv/site/docs');
    expect(config.nav).toEqual([
      { kind: 'page', title: 'Home', file: 'index.md' },
      {
        kind: 'section',
        title: 'Guide',
        children: [
          { kind: 'page', title: null, file: 'guide/setup.md' },
          { kind: 'page', title: 'Advanced use', file: 'guide/advanced.md' },
          { kind: 'section', title: 'Deeper', children: [{ kind: 'page', title: null, file: 'guide/deep/one.md' }] },
        ],
      },
      { kind: 'link', title: 'Vendor', url: 'https://example.com/vendor' },
    ]);
    expect(warnings).toEqual([
      '/srv/site/mkdocs.yml:10:20: YAML tag !!python/name:material.extensions.emoji.twemoji is not supported here; the value is ignored',
      '/srv/site/mkdocs.yml:11:24: YAML tag !!python/name:material.extensions.emoji.to_svg is not supported here; the value is ignored',
      '/srv/site/mkdocs.yml:15:19: YAML tag !!python/name:pymdownx.superfences.fence_code_format is not supported here; the value is ignored',
      '/srv/site/mkdocs.yml:18:5: plugin awesome-pages is not run here; its output is missing',
      '/srv/site/mkdocs.yml:9:5: markdown_extensions: pymdownx.emoji is not supported here; its syntax renders as plain Markdown',
    ]);
    // The rest of the file is kept for later use (themes, extensions, plugins).
    expect(config.raw.plugins).toEqual(['search', 'awesome-pages']);
    expect(config.raw.markdown_extensions).toHaveLength(3);
  });

  test('resolves !ENV like MkDocs: the first variable set, else the default', () => {
    const text = 'site_name: !ENV [SZ_TEST_NAME, SZ_TEST_OTHER, "Fallback"]\nsite_description: !ENV SZ_TEST_DESC\ndocs_dir: !ENV [SZ_TEST_DIR, pages]\n';
    const unset = parseMkDocsConfig(text, '/x/mkdocs.yml', {});
    expect(unset.config.siteName).toBe('Fallback');
    expect(unset.config.siteDescription).toBeNull();
    expect(unset.config.docsDir).toBe('/x/pages');
    expect(unset.warnings).toEqual([]);
    const set = parseMkDocsConfig(text, '/x/mkdocs.yml', { SZ_TEST_OTHER: 'From env', SZ_TEST_DESC: 'Described' });
    expect(set.config.siteName).toBe('From env');
    expect(set.config.siteDescription).toBe('Described');
  });

  test('an unknown local tag anywhere is a warning, never an error', () => {
    const { config, warnings } = parseMkDocsConfig('site_name: Docs\ntheme:\n  custom_dir: !relative overrides\nhooks: !custom [a, b]\n', '/x/mkdocs.yml');
    expect(config.siteName).toBe('Docs');
    expect(warnings).toEqual([
      '/x/mkdocs.yml:3:15: YAML tag !relative is not supported here; the value is ignored',
      '/x/mkdocs.yml:4:8: YAML tag !custom is not supported here; the value is ignored',
      "/x/mkdocs.yml:3:3: theme: custom_dir is not used; pages use the built-in theme's layout and features",
    ]);
  });

  test('docs_dir is relative to mkdocs.yml; "." means the same folder', () => {
    expect(parseMkDocsConfig('docs_dir: .\n', '/a/b/mkdocs.yml').config.docsDir).toBe('/a/b');
    expect(parseMkDocsConfig('docs_dir: ../content\n', '/a/b/mkdocs.yml').config.docsDir).toBe('/a/content');
  });

  test('a missing nav is null (generated later); nav items of an unknown shape are skipped with a warning', () => {
    expect(parseMkDocsConfig('site_name: X\n', '/x/mkdocs.yml').config.nav).toBeNull();
    const { config, warnings } = parseMkDocsConfig('nav:\n  - index.md\n  - 42\n  - {A: a.md, B: b.md}\n  - ./c.md\n', '/x/mkdocs.yml');
    expect(config.nav).toEqual([
      { kind: 'page', title: null, file: 'index.md' },
      { kind: 'page', title: null, file: 'c.md' },
    ]);
    // Each warning points at the item it is about.
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^\/x\/mkdocs\.yml:3:5: nav: \[1\]: expected "page\.md"/);
    expect(warnings[1]).toMatch(/^\/x\/mkdocs\.yml:4:5: nav: \[2\]: expected/);
  });

  test('settings that cannot be honoured are reported', () => {
    const { warnings } = parseMkDocsConfig('site_name: [1, 2]\nuse_directory_urls: false\nnav: index.md\n', '/x/mkdocs.yml');
    expect(warnings).toEqual([
      '/x/mkdocs.yml:1:12: site_name must be a string; ignored',
      '/x/mkdocs.yml:3:6: nav must be a list; the navigation is generated from the folder instead',
      '/x/mkdocs.yml:2:21: use_directory_urls: false is not supported; pages are served at folder URLs (page/)',
    ]);
  });

  test('a file that is not YAML is a DocsError with its position', () => {
    expect(() => parseMkDocsConfig('site_name: "unterminated\nnav: [\n', '/x/mkdocs.yml')).toThrow(DocsError);
    expect(() => parseMkDocsConfig('a: 1\n  b: 2\n', '/x/mkdocs.yml')).toThrow(/^\/x\/mkdocs\.yml:\d+:\d+: mkdocs\.yml is not valid YAML/);
  });
});

describe('finding and reading mkdocs.yml', () => {
  let dir: ReturnType<typeof tempDir> | null = null;
  afterEach(() => dir?.cleanup());

  test('a folder, the file itself, mkdocs.yaml, or nothing', () => {
    dir = tempDir('sz-mkdocs-');
    mkdirSync(join(dir.path, 'a'));
    mkdirSync(join(dir.path, 'b'));
    mkdirSync(join(dir.path, 'c'));
    writeFileSync(join(dir.path, 'a', 'mkdocs.yml'), 'site_name: A\n');
    writeFileSync(join(dir.path, 'b', 'mkdocs.yaml'), 'site_name: B\n');
    expect(findMkDocsConfig(join(dir.path, 'a'))).toBe(join(dir.path, 'a', 'mkdocs.yml'));
    expect(findMkDocsConfig(join(dir.path, 'a', 'mkdocs.yml'))).toBe(join(dir.path, 'a', 'mkdocs.yml'));
    expect(findMkDocsConfig(join(dir.path, 'b'))).toBe(join(dir.path, 'b', 'mkdocs.yaml'));
    expect(findMkDocsConfig(join(dir.path, 'c'))).toBeNull();
    expect(findMkDocsConfig(join(dir.path, 'nope'))).toBeNull();
    expect(readMkDocsConfig(join(dir.path, 'b', 'mkdocs.yaml')).config.siteName).toBe('B');
    expect(() => readMkDocsConfig(join(dir!.path, 'c', 'mkdocs.yml'))).toThrow(/cannot read the MkDocs config/);
  });
});

/** Parse a config from lines, so that positions in expectations are easy to count. */
function parse(lines: string[], file = '/x/mkdocs.yml', env: NodeJS.ProcessEnv = {}) {
  return parseMkDocsConfig(`${lines.join('\n')}\n`, file, env);
}

describe('INHERIT', () => {
  let dir: ReturnType<typeof tempDir> | null = null;
  afterEach(() => dir?.cleanup());

  function write(files: Record<string, string[]>): string {
    dir = tempDir('sz-inherit-');
    for (const [name, lines] of Object.entries(files)) {
      mkdirSync(dirname(join(dir.path, name)), { recursive: true });
      writeFileSync(join(dir.path, name), `${lines.join('\n')}\n`);
    }
    return dir.path;
  }

  test('merges like MkDocs: mappings key by key with the child winning, lists and other values replaced; parents may inherit further', () => {
    const root = write({
      'shared/grand.yml': ['site_author: Grand', 'copyright: (c) Grand', 'extra:', '  a: 1', '  nested: {x: 1, y: 1}'],
      'shared/base.yml': [
        'INHERIT: grand.yml',
        'site_name: Base',
        'site_description: From the base',
        'docs_dir: content',
        'theme:',
        '  name: material',
        '  palette: {primary: teal, scheme: slate}',
        '  logo: img/base.svg',
        'plugins: [search, offline]',
        'markdown_extensions: [admonition, footnotes]',
        'extra:',
        '  nested: {y: 2, z: 2}',
        'nav:',
        '  - Home: index.md',
      ],
      'site/mkdocs.yml': [
        'INHERIT: ../shared/base.yml',
        'site_name: Child',
        'theme:',
        '  palette: {primary: red}',
        'plugins: [search]',
        'markdown_extensions: [toc]',
        'extra:',
        '  nested: {z: 3}',
        'copyright: (c) Child',
      ],
    });
    const { config, warnings } = readMkDocsConfig(join(root, 'site', 'mkdocs.yml'), {});
    expect(warnings).toEqual([]);
    expect(config.files).toEqual([join(root, 'site', 'mkdocs.yml'), join(root, 'shared', 'base.yml'), join(root, 'shared', 'grand.yml')]);
    expect(config.siteName).toBe('Child');
    expect(config.siteDescription).toBe('From the base');
    expect(config.copyright).toBe('(c) Child');
    // theme.palette is a mapping in both: merged, so the base's scheme stays and the child's colour wins.
    expect(config.theme).toEqual({ name: 'material', primaryColor: '#ef5552', scheme: 'dark', logo: 'img/base.svg', favicon: null, language: null });
    expect(config.plugins).toEqual(['search']);
    expect(config.markdownExtensions).toEqual([{ name: 'toc', options: {} }]);
    expect(config.extra).toEqual({ a: 1, nested: { x: 1, y: 2, z: 3 } });
    expect(config.raw.site_author).toBe('Grand');
    expect(config.raw).not.toHaveProperty('INHERIT');
    // Relative paths are the reading file's, even when a parent wrote them (as MkDocs does).
    expect(config.docsDir).toBe(join(root, 'site', 'content'));
    expect(config.nav).toEqual([{ kind: 'page', title: 'Home', file: 'index.md' }]);
  });

  test("a parent's problems are reported at their place in the parent's file", () => {
    const root = write({
      'base.yml': ['site_description: [not, text]', 'theme: {name: material, palette: {primary: mauve}}', 'nav:', '  - 42', 'plugins: [search, blog]'],
      'mkdocs.yml': ['INHERIT: base.yml', 'site_name: Child', 'theme: {favicon: img/f.png}'],
    });
    const base = join(root, 'base.yml');
    const { config, warnings } = readMkDocsConfig(join(root, 'mkdocs.yml'), {});
    expect(config.theme.favicon).toBe('img/f.png');
    expect(warnings).toEqual([
      `${base}:1:19: site_description must be a string; ignored`,
      `${base}:4:5: nav: [0]: expected "page.md", "Title: page.md", "Section: [...]" or "Title: '!include ./other/mkdocs.yml'"; skipped`,
      `${base}:2:44: theme.palette.primary: mauve is not a Material colour name or #rrggbb; ignored`,
      `${base}:5:19: plugin blog is not run here; its output is missing`,
    ]);
  });

  test('a missing parent is a DocsError naming the INHERIT line, like in MkDocs', () => {
    const root = write({ 'mkdocs.yml': ['site_name: X', 'INHERIT: ../nope/base.yml'] });
    const file = join(root, 'mkdocs.yml');
    expect(() => readMkDocsConfig(file)).toThrow(DocsError);
    expect(() => readMkDocsConfig(file)).toThrow(`${file}:2:10: INHERIT: the parent config ../nope/base.yml does not exist (${join(root, '..', 'nope', 'base.yml')})`);
  });

  test('a missing grandparent names the parent file; a parent that is not YAML names its own position', () => {
    const root = write({ 'a.yml': ['INHERIT: b.yml'], 'b.yml': ['x: [unclosed'], 'mkdocs.yml': ['INHERIT: a.yml', 'INHERIT_NOTE: no'], 'c.yml': ['INHERIT: gone.yml'] });
    expect(() => parseMkDocsConfig('INHERIT: c.yml\n', join(root, 'mkdocs.yml'))).toThrow(`${join(root, 'c.yml')}:1:10: INHERIT: the parent config gone.yml does not exist`);
    expect(() => readMkDocsConfig(join(root, 'mkdocs.yml'))).toThrow(new RegExp(`^${join(root, 'b.yml')}:\\d+:\\d+: mkdocs\\.yml is not valid YAML`));
  });

  test('a cycle is a DocsError showing the chain', () => {
    const root = write({ 'a.yml': ['INHERIT: b.yml'], 'b.yml': ['INHERIT: ./a.yml'], 'self.yml': ['site_name: S', 'INHERIT: self.yml'] });
    const a = join(root, 'a.yml');
    const b = join(root, 'b.yml');
    expect(() => readMkDocsConfig(a)).toThrow(`${b}:1:10: INHERIT: ./a.yml is already in the chain, the configs inherit from each other (${a} -> ${b} -> ${a})`);
    expect(() => readMkDocsConfig(join(root, 'self.yml'))).toThrow(/self\.yml:2:10: INHERIT: self\.yml is already in the chain/);
  });

  test('INHERIT that is not a path is a warning, and the file is read alone', () => {
    const { config, warnings } = parse(['site_name: X', 'INHERIT: [a.yml]']);
    expect(config.siteName).toBe('X');
    expect(config.files).toEqual(['/x/mkdocs.yml']);
    expect(warnings).toEqual(['/x/mkdocs.yml:2:10: INHERIT must be the path of a parent config file; ignored']);
  });

  test('!ENV works in parents too', () => {
    const root = write({ 'base.yml': ['site_description: !ENV [SZ_DESC, none]'], 'mkdocs.yml': ['INHERIT: base.yml'] });
    expect(readMkDocsConfig(join(root, 'mkdocs.yml'), { SZ_DESC: 'Set' }).config.siteDescription).toBe('Set');
    expect(readMkDocsConfig(join(root, 'mkdocs.yml'), {}).config.siteDescription).toBe('none');
  });
});

describe('site and repository settings', () => {
  test('site_url becomes a folder URL; copyright is kept', () => {
    const { config, warnings } = parse(['site_url: https://docs.example.com/acme', 'copyright: "&copy; Acme"']);
    expect(config.siteUrl).toBe('https://docs.example.com/acme/');
    expect(config.copyright).toBe('&copy; Acme');
    expect(warnings).toEqual([]);
  });

  test.each([
    ['https://github.com/acme/app', 'GitHub', 'edit/master/docs/', 'https://github.com/acme/app/edit/master/docs/'],
    ['https://gitlab.com/acme/app/', 'GitLab', 'edit/master/docs/', 'https://gitlab.com/acme/app/edit/master/docs/'],
    ['https://bitbucket.org/acme/app', 'Bitbucket', 'src/default/docs/', 'https://bitbucket.org/acme/app/src/default/docs/'],
    ['https://GitHub.com/acme/app', 'GitHub', 'edit/master/docs/', 'https://github.com/acme/app/edit/master/docs/'],
    ['https://git.example.com/acme/app', 'Git', null, null],
  ])('repo_url %s: repo_name and edit_uri default like MkDocs', (repoUrl, repoName, editUri, editUrlBase) => {
    const { config, warnings } = parse([`repo_url: ${repoUrl}`]);
    expect(config.repoUrl).toBe(repoUrl);
    expect(config.repoName).toBe(repoName);
    expect(config.editUri).toBe(editUri);
    expect(config.editUrlBase).toBe(editUrlBase);
    expect(warnings).toEqual([]);
  });

  test('edit_uri written out: made a folder, joined to repo_url; an empty one turns edit links off', () => {
    const base = ['repo_url: https://github.com/acme/app', 'repo_name: acme/app'];
    expect(parse([...base, 'edit_uri: blob/main/site']).config).toMatchObject({
      repoName: 'acme/app',
      editUri: 'blob/main/site/',
      editUrlBase: 'https://github.com/acme/app/blob/main/site/',
    });
    expect(parse([...base, 'edit_uri: /acme/app/edit/trunk/docs/']).config.editUrlBase).toBe('https://github.com/acme/app/edit/trunk/docs/');
    expect(parse([...base, 'edit_uri: https://cms.example.com/edit/']).config.editUrlBase).toBe('https://cms.example.com/edit/');
    expect(parse([...base, 'edit_uri: "?path=/docs/"']).config.editUrlBase).toBe('https://github.com/acme/app?path=/docs/');
    const off = parse([...base, "edit_uri: ''"]).config;
    expect(off.editUri).toBeNull();
    expect(off.editUrlBase).toBeNull();
  });

  test('bad URLs and an edit_uri without repo_url are reported', () => {
    const { config, warnings } = parse(['site_url: docs.example.com', 'repo_url: ftp://example.com/r', 'edit_uri: edit/main/docs/']);
    expect(config.siteUrl).toBeNull();
    expect(config.repoUrl).toBeNull();
    expect(config.repoName).toBeNull();
    expect(config.editUrlBase).toBeNull();
    expect(warnings).toEqual([
      '/x/mkdocs.yml:1:11: site_url must be a URL such as https://example.com/; ignored',
      '/x/mkdocs.yml:2:11: repo_url must be an http or https URL; ignored',
      '/x/mkdocs.yml:3:11: edit_uri is relative to repo_url, which is not set; pages have no edit link',
    ]);
  });

  test('extra, extra_css and extra_javascript', () => {
    const { config, warnings } = parse([
      'extra:',
      '  social: [{icon: x, link: "https://x.example"}]',
      'extra_css:',
      '  - css/extra.css',
      '  - https://cdn.example.com/a.css',
      '  - {href: b.css}',
      'extra_javascript:',
      '  - js/extra.js',
      'hooks:',
      '  - hooks/build.py',
      'edit_uri_template: "blob/main/docs/{path}"',
    ]);
    expect(config.extra).toEqual({ social: [{ icon: 'x', link: 'https://x.example' }] });
    expect(config.extraCss).toEqual(['css/extra.css', 'https://cdn.example.com/a.css']);
    expect(warnings).toEqual([
      '/x/mkdocs.yml:6:5: extra_css[2] must be a stylesheet path or URL; ignored',
      "/x/mkdocs.yml:8:3: extra_javascript is not run: scripts are not added to pages served from the portal's origin; ignored",
      '/x/mkdocs.yml:10:3: hooks are Python code and are not run here; their output is missing',
      '/x/mkdocs.yml:11:20: edit_uri_template is not supported; edit links are made from repo_url and edit_uri',
    ]);
    const wrong = parse(['extra: [1]', 'extra_css: main.css', 'extra_javascript: []']);
    expect(wrong.config.extra).toEqual({});
    expect(wrong.config.extraCss).toEqual([]);
    expect(wrong.warnings).toEqual([
      '/x/mkdocs.yml:1:8: extra must be a mapping; ignored',
      '/x/mkdocs.yml:2:12: extra_css must be a list of stylesheet paths or URLs; ignored',
    ]);
  });

  test('a plain folder has the defaults', () => {
    expect(plainFolderConfig('/d')).toMatchObject({ file: null, files: [], docsDir: '/d', nav: null, plugins: ['search'], extraCss: [], extra: {}, editUrlBase: null });
    expect(plainFolderConfig('/d').theme).toEqual({ name: null, primaryColor: null, scheme: null, logo: null, favicon: null, language: null });
  });
});

describe('theme', () => {
  test('a theme name alone; mkdocs, readthedocs and material are taken silently, others warned about', () => {
    for (const name of ['mkdocs', 'readthedocs', 'material']) {
      const { config, warnings } = parse([`theme: ${name}`]);
      expect(config.theme.name).toBe(name);
      expect(warnings).toEqual([]);
    }
    expect(parse(['theme: windmill']).warnings).toEqual(['/x/mkdocs.yml:1:8: theme windmill is not available here; pages use the built-in theme']);
    expect(parse(['theme:', '  name: cinder']).warnings).toEqual(['/x/mkdocs.yml:2:9: theme cinder is not available here; pages use the built-in theme']);
    expect(parse([]).config.theme.name).toBeNull();
  });

  test('logo, favicon and language (or MkDocs locale) are kept; other keys are named in one warning', () => {
    const { config, warnings } = parse([
      'theme:',
      '  name: material',
      '  logo: assets/logo.png',
      '  favicon: https://cdn.example.com/favicon.ico',
      '  language: de',
      '  features: [navigation.tabs]',
      '  font: {text: Roboto}',
      '  icon: {repo: fontawesome/brands/github}',
    ]);
    expect(config.theme).toEqual({ name: 'material', primaryColor: null, scheme: null, logo: 'assets/logo.png', favicon: 'https://cdn.example.com/favicon.ico', language: 'de' });
    expect(warnings).toEqual(["/x/mkdocs.yml:6:3: theme: features, font, icon are not used; pages use the built-in theme's layout and features"]);
    expect(parse(['theme: {name: mkdocs, locale: fr}']).config.theme.language).toBe('fr');
    expect(parse(['theme: 42']).warnings).toEqual(['/x/mkdocs.yml:1:8: theme must be a theme name or a mapping; the built-in theme is used']);
    expect(parse(['theme: {name: material, logo: [a]}']).warnings).toEqual(['/x/mkdocs.yml:1:31: theme.logo must be a string; ignored']);
  });

  test.each([
    [['palette: {scheme: default, primary: indigo}'], 'light', '#4051b5'],
    [['palette: {scheme: slate, primary: deep purple}'], 'dark', '#7e56c2'],
    [['palette: {primary: Blue-Grey}'], null, '#546d78'],
    [['palette: {primary: light_blue}'], null, '#02a6f2'],
    [['palette: {primary: "#ff0066"}'], null, '#ff0066'],
    [['palette: {primary: "#f06"}'], null, '#f06'],
    [['palette: {primary: white}'], null, '#ffffff'],
    [['palette:', '  - {scheme: default, primary: teal, toggle: {icon: material/brightness-7}}', '  - {scheme: slate, primary: amber}'], 'auto', '#009485'],
    [['palette:', '  - {media: "(prefers-color-scheme)", toggle: {icon: material/brightness-auto}}', '  - {media: "(prefers-color-scheme: light)", scheme: default, primary: orange}'], 'auto', '#ffa724'],
    [['palette:', '  - {scheme: slate, primary: green}'], 'dark', '#4cae4f'],
  ])('palette %j: scheme %s, primary %s', (lines, scheme, primary) => {
    const { config, warnings } = parse(['theme:', '  name: material', ...lines.map((l) => `  ${l}`)]);
    expect(config.theme.scheme).toBe(scheme);
    expect(config.theme.primaryColor).toBe(primary);
    expect(warnings).toEqual([]);
  });

  test('palette problems: custom colours, custom schemes, unknown names and wrong shapes', () => {
    const custom = parse(['theme:', '  name: material', '  palette:', '    - {scheme: youtube, primary: custom}', '    - 7']);
    expect(custom.config.theme.primaryColor).toBeNull();
    expect(custom.config.theme.scheme).toBeNull();
    expect(custom.warnings).toEqual([
      "/x/mkdocs.yml:4:16: theme.palette[0].scheme: youtube is a custom scheme whose colours come from extra_css; the built-in theme's scheme is used",
      "/x/mkdocs.yml:4:34: theme.palette[0].primary: custom: the colours come from extra_css (--md-primary-fg-color); the built-in theme's colour is used",
      '/x/mkdocs.yml:5:7: theme.palette[1] must be a mapping (scheme, primary, ...); ignored',
    ]);
    expect(parse(['theme: {name: material, palette: indigo}']).warnings).toEqual(['/x/mkdocs.yml:1:34: theme.palette must be a mapping or a list of mappings; ignored']);
    expect(parse(['theme: {name: material, palette: {primary: "#12345"}}']).warnings).toEqual([
      '/x/mkdocs.yml:1:44: theme.palette.primary: #12345 is not a Material colour name or #rrggbb; ignored',
    ]);
  });
});

describe('plugins', () => {
  test('absent: MkDocs runs search; an empty list runs none', () => {
    expect(parse([]).config.plugins).toEqual(['search']);
    expect(parse(['plugins: []']).config.plugins).toEqual([]);
  });

  test('names and single-key mappings; search, monorepo and offline are understood, every other plugin is reported once', () => {
    const { config, warnings } = parse([
      'plugins:',
      '  - search:',
      '      lang: en',
      '  - material/offline',
      '  - monorepo',
      '  - tags',
      '  - git-revision-date-localized:',
      '      enabled: !ENV [CI, false]',
      '  - minify:',
      '      minify_html: true',
      '  - [not, a, plugin]',
    ]);
    expect(config.plugins).toEqual(['search', 'offline', 'monorepo', 'tags', 'minify']);
    expect(warnings).toEqual([
      '/x/mkdocs.yml:11:5: plugins[6] must be a plugin name or a mapping of one plugin name to its options; ignored',
      '/x/mkdocs.yml:6:5: plugin tags is not run here; its output is missing',
      '/x/mkdocs.yml:9:5: plugin minify is not run here; its output is missing',
    ]);
    // Turned on by the environment, the plugin counts (and is reported).
    expect(parse(['plugins:', '  - git-revision-date-localized:', '      enabled: !ENV [CI, false]'], '/x/mkdocs.yml', { CI: 'true' }).config.plugins).toEqual([
      'git-revision-date-localized',
    ]);
  });

  test('a mapping of plugins (MkDocs 1.5+); a wrong type is a warning', () => {
    const { config, warnings } = parse(['plugins:', '  search: {}', '  blog:', '    enabled: true']);
    expect(config.plugins).toEqual(['search', 'blog']);
    expect(warnings).toEqual(['/x/mkdocs.yml:3:3: plugin blog is not run here; its output is missing']);
    expect(parse(['plugins: search']).warnings).toEqual(['/x/mkdocs.yml:1:10: plugins must be a list; ignored']);
  });
});

describe('markdown_extensions', () => {
  test('understood extensions are silent and kept with their options', () => {
    const { config, warnings } = parse([
      'markdown_extensions:',
      '  - admonition',
      '  - pymdownx.details',
      '  - pymdownx.superfences',
      '  - pymdownx.tabbed: {alternate_style: true}',
      '  - pymdownx.tasklist',
      '  - footnotes',
      '  - tables',
      '  - markdown.extensions.toc: {permalink: "#"}',
      '  - fenced_code',
      '  - codehilite',
      '  - pymdownx.highlight: {anchor_linenums: true}',
      '  - pymdownx.inlinehilite',
    ]);
    expect(warnings).toEqual([]);
    expect(config.markdownExtensions.map((e) => e.name)).toEqual([
      'admonition',
      'pymdownx.details',
      'pymdownx.superfences',
      'pymdownx.tabbed',
      'pymdownx.tasklist',
      'footnotes',
      'tables',
      'toc',
      'fenced_code',
      'codehilite',
      'pymdownx.highlight',
      'pymdownx.inlinehilite',
    ]);
    expect(config.markdownExtensions[3]).toEqual({ name: 'pymdownx.tabbed', options: { alternate_style: true } });
    expect(config.markdownExtensions[7]).toEqual({ name: 'toc', options: { permalink: '#' } });
  });

  test('known unsupported extensions are reported one by one, unknown ones together', () => {
    const { warnings } = parse([
      'markdown_extensions:',
      '  - pymdownx.snippets:',
      '      base_path: [docs]',
      '  - attr_list',
      '  - pymdownx.emoji',
      '  - md_in_html',
      '  - def_list',
      '  - pymdownx.keys',
      '  - admonition',
    ]);
    expect(warnings).toEqual([
      '/x/mkdocs.yml:2:5: pymdownx.snippets is not supported: --8<-- includes are not inserted',
      '/x/mkdocs.yml:4:5: attr_list: attributes written as { ... } are not applied',
      '/x/mkdocs.yml:6:5: md_in_html: HTML in pages is shown as text here, so Markdown inside HTML blocks is not rendered',
      '/x/mkdocs.yml:7:5: def_list: definition lists are not supported; they render as plain paragraphs',
      '/x/mkdocs.yml:5:5: markdown_extensions: pymdownx.emoji, pymdownx.keys are not supported here; their syntax renders as plain Markdown',
    ]);
    expect(parse(['markdown_extensions: {toc: {permalink: true}}']).config.markdownExtensions).toEqual([{ name: 'toc', options: { permalink: true } }]);
    expect(parse(['markdown_extensions:', '  - toc: true']).warnings).toEqual(['/x/mkdocs.yml:2:10: markdown_extensions[0].toc: the options must be a mapping; ignored']);
  });
});

describe('nav !include (mkdocs-monorepo-plugin)', () => {
  const site = join(FIXTURES, 'monorepo');
  const file = join(site, 'mkdocs.yml');

  test("the plugin's quoted form, the YAML tag form and a bare include, also inside sections", () => {
    const { config, warnings } = parse(
      [
        'nav:',
        '  - Intro: index.md',
        "  - API: '!include ./api/mkdocs.yml'",
        '  - Tagged: !include api/mkdocs.yml',
        "  - '!include ./api'",
        '  - More:',
        '      - Deep: !include ./api/mkdocs.yml',
      ],
      file,
    );
    expect(warnings).toEqual([]);
    const api = join(site, 'api', 'mkdocs.yml');
    expect(config.nav).toEqual([
      { kind: 'page', title: 'Intro', file: 'index.md' },
      { kind: 'include', title: 'API', config: api, at: `${file}:3:10` },
      { kind: 'include', title: 'Tagged', config: api, at: `${file}:4:22` },
      { kind: 'include', title: null, config: join(site, 'api'), at: `${file}:5:5` },
      { kind: 'section', title: 'More', children: [{ kind: 'include', title: 'Deep', config: api, at: `${file}:7:24` }] },
    ]);
  });

  test('a missing included file is a warning at its entry, and the entry is skipped; !include outside nav is an unknown tag', () => {
    const { config, warnings } = parse(
      ['site_name: !include name.txt', 'nav:', '  - Intro: index.md', "  - Gone: '!include ./gone/mkdocs.yml'", "  - '*include ./*/mkdocs.yml'"],
      file,
    );
    expect(config.siteName).toBeNull();
    expect(config.nav).toEqual([{ kind: 'page', title: 'Intro', file: 'index.md' }]);
    expect(warnings).toEqual([
      `${file}:1:12: YAML tag !include is not supported here; the value is ignored`,
      `${file}:4:5: nav: [1]: !include ./gone/mkdocs.yml: ${join(site, 'gone', 'mkdocs.yml')} does not exist; skipped`,
      `${file}:5:5: nav: [2]: "*include ./*/mkdocs.yml": wildcard includes are not supported; skipped`,
    ]);
  });

  test('the monorepo fixture', () => {
    const { config, warnings } = readMkDocsConfig(file, {});
    expect(warnings).toEqual([]);
    expect(config.plugins).toEqual(['search', 'monorepo']);
    expect(config.nav).toEqual([
      { kind: 'page', title: 'Intro', file: 'index.md' },
      { kind: 'include', title: 'API', config: join(site, 'api', 'mkdocs.yml'), at: `${file}:7:10` },
    ]);
    expect(readMkDocsConfig(join(site, 'api', 'mkdocs.yml'), {}).config.docsDir).toBe(join(site, 'api', 'docs'));
  });

  test('parseNavSpec keeps its old call shape; includes resolve against options.baseDir', () => {
    const seen: string[] = [];
    expect(parseNavSpec(['a.md', { B: 'https://b.example' }, 7], (m) => seen.push(m))).toEqual([
      { kind: 'page', title: null, file: 'a.md' },
      { kind: 'link', title: 'B', url: 'https://b.example' },
    ]);
    expect(seen).toEqual([`[2]: expected "page.md", "Title: page.md", "Section: [...]" or "Title: '!include ./other/mkdocs.yml'"; skipped`]);
    expect(parseNavSpec([{ API: '!include api/mkdocs.yml' }], () => {}, '', { baseDir: site })).toEqual([
      { kind: 'include', title: 'API', config: join(site, 'api', 'mkdocs.yml'), at: 'nav[0]' },
    ]);
  });
});

describe('the Material fixture', () => {
  const site = join(FIXTURES, 'material');
  const file = join(site, 'mkdocs.yml');

  test('reads what a real Material site configures, with base.yml inherited', () => {
    const { config, warnings } = readMkDocsConfig(file, { ACME_ANALYTICS_ID: 'G-ACME123' });
    expect(config.files).toEqual([file, join(site, 'base.yml')]);
    expect(config).toMatchObject({
      siteName: 'Acme Scheduler',
      siteDescription: "Run, schedule and watch Acme's background jobs.",
      siteUrl: 'https://docs.acme.example/scheduler/',
      repoUrl: 'https://github.com/acme/scheduler',
      repoName: 'acme/scheduler', // from base.yml
      editUri: 'edit/main/docs/',
      editUrlBase: 'https://github.com/acme/scheduler/edit/main/docs/',
      copyright: 'Copyright &copy; 2024 Acme Inc.',
      docsDir: join(site, 'docs'),
      extraCss: ['stylesheets/extra.css'],
      plugins: ['search', 'tags', 'git-revision-date-localized', 'minify'],
    });
    expect(config.theme).toEqual({ name: 'material', primaryColor: '#4051b5', scheme: 'auto', logo: 'img/logo.svg', favicon: 'img/logo.svg', language: 'en' });
    expect(config.extra).toEqual({
      generator: false,
      analytics: { provider: 'google', property: 'G-ACME123', feedback: { title: 'Was this page helpful?' } },
      social: [
        { icon: 'fontawesome/brands/github', link: 'https://github.com/acme' },
        { icon: 'fontawesome/brands/mastodon', link: 'https://fosstodon.org/@acme' },
      ],
    });
    // The child's list replaces base.yml's (tables, abbr).
    expect(config.markdownExtensions.map((e) => e.name)).toEqual([
      'admonition',
      'pymdownx.details',
      'pymdownx.superfences',
      'pymdownx.tabbed',
      'pymdownx.emoji',
      'toc',
      'attr_list',
      'footnotes',
      'pymdownx.tasklist',
    ]);
    expect(config.markdownExtensions.find((e) => e.name === 'pymdownx.superfences')?.options).toEqual({
      custom_fences: [{ name: 'mermaid', class: 'mermaid', format: null }],
    });
    expect(config.nav).toEqual([
      { kind: 'page', title: 'Home', file: 'index.md' },
      { kind: 'page', title: 'Getting started', file: 'getting-started.md' },
      {
        kind: 'section',
        title: 'Guide',
        children: [
          { kind: 'page', title: null, file: 'guide/usage.md' },
          { kind: 'page', title: 'Advanced', file: 'guide/advanced.md' },
        ],
      },
      { kind: 'link', title: 'Changelog', url: 'https://github.com/acme/scheduler/releases' },
    ]);
    expect(warnings).toEqual([
      `${file}:60:19: YAML tag !!python/name:pymdownx.superfences.fence_code_format is not supported here; the value is ignored`,
      `${file}:64:20: YAML tag !!python/name:material.extensions.emoji.twemoji is not supported here; the value is ignored`,
      `${file}:65:24: YAML tag !!python/name:material.extensions.emoji.to_svg is not supported here; the value is ignored`,
      `${file}:12:3: theme: custom_dir, features, font, icon are not used; pages use the built-in theme's layout and features`,
      `${file}:46:5: plugin tags is not run here; its output is missing`,
      `${file}:47:5: plugin git-revision-date-localized is not run here; its output is missing`,
      `${file}:50:5: plugin minify is not run here; its output is missing`,
      `${file}:68:5: attr_list: attributes written as { ... } are not applied`,
      `${file}:63:5: markdown_extensions: pymdownx.emoji is not supported here; its syntax renders as plain Markdown`,
      `${file}:86:3: extra_javascript is not run: scripts are not added to pages served from the portal's origin; ignored`,
    ]);
  });
});
