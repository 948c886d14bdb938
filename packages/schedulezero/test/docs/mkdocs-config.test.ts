import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DocsError } from '../../src/docs/errors.js';
import { findMkDocsConfig, parseMkDocsConfig, readMkDocsConfig } from '../../src/docs/mkdocs-config.js';
import { tempDir } from '../helpers.js';

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
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^\/x\/mkdocs\.yml:2:3: nav: \[1\]: expected/);
    expect(warnings[1]).toMatch(/nav: \[2\]: expected/);
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
