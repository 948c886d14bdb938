import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BUILD_MARKER, buildDocs, buildSite, DocsBuildCache } from '../../src/docs/build/index.js';
import { DocsError } from '../../src/docs/errors.js';
import { DocSite } from '../../src/docs/site.js';
import { tempDir } from '../helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/docs/', import.meta.url));

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sz-docs-build-');
});
afterEach(() => dir.cleanup());

function write(rel: string, text: string | Buffer): string {
  const path = join(dir.path, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const read = (rel: string) => readFileSync(join(dir.path, rel), 'utf8');

/** Every file under a folder, relative, sorted. */
function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

function smallSite(): void {
  write('src/mkdocs.yml', 'site_name: Small\nsite_dir: ../out\nnav:\n  - Home: index.md\n  - Guide:\n      - guide/setup.md\n      - guide/use.md\n');
  write('src/docs/index.md', '# Small\n\nRead [the setup](guide/setup.md#install).\n\n![logo](img/logo.svg)\n');
  write('src/docs/guide/setup.md', '# Setup\n\n## Install\n\nRun `npm install`.\n\n!!! warning "Careful"\n    Back up first.\n');
  write('src/docs/guide/use.md', '# Use\n\nSee [nowhere](missing.md).\n');
  write('src/docs/img/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
}

describe('buildDocs', () => {
  test('writes MkDocs\' layout: page/index.html, files, search index and page, 404, hashed theme files', async () => {
    smallSite();
    const progress: string[] = [];
    const report = await buildDocs(join(dir.path, 'src'), { onProgress: (e) => progress.push(`${e.phase} ${e.done}/${e.total}`) });
    // site_dir of mkdocs.yml, relative to it.
    expect(report.outDir).toBe(join(dir.path, 'out'));
    expect(report.pages).toBe(3);
    expect(report.files).toBe(1);
    expect(progress).toContain('pages 3/3');
    expect(report.warnings).toEqual(['guide/use.md: link "missing.md": no such page in the docs folder']);

    const files = listFiles(join(dir.path, 'out'));
    for (const f of ['index.html', 'guide/setup/index.html', 'guide/use/index.html', 'img/logo.svg', 'search/search_index.json', 'search/index.html', '404.html', BUILD_MARKER]) {
      expect(files).toContain(f);
    }
    const theme = files.filter((f) => f.startsWith('_sz/'));
    expect(theme.length).toBeGreaterThanOrEqual(6);
    for (const f of theme) expect(f).toMatch(/^_sz\/[\w-]+\.[0-9a-f]{12}\.(css|js|svg)$/);

    const home = read('out/index.html');
    expect(home).toContain('<title>Small</title>');
    expect(home).toContain('<a href="/guide/setup/#install">the setup</a>');
    expect(home).toContain('<img src="/img/logo.svg" alt="logo" loading="lazy">');
    // Every theme file a page refers to exists in the output.
    for (const [, href] of home.matchAll(/(?:href|src)="\/(_sz\/[^"]+)"/g)) expect(files).toContain(href);

    const setup = read('out/guide/setup/index.html');
    expect(setup).toContain('<title>Setup · Small</title>');
    expect(setup).toMatch(/<div class="admonition warning">\s*<p class="admonition-title">Careful<\/p>/);
    expect(setup).toMatch(/rel="prev" href="\/"/);
    expect(setup).toMatch(/rel="next" href="\/guide\/use\/"/);

    const index = JSON.parse(read('out/search/search_index.json')) as { config: { lang: string[] }; docs: { location: string; title: string; text: string }[] };
    expect(index.config.lang).toEqual(['en']);
    expect(index.docs).toContainEqual(expect.objectContaining({ location: 'guide/setup/#install', title: 'Install' }));
    expect(index.docs.find((d) => d.location === 'guide/setup/')?.text).toContain('Back up first.');
    expect(read('out/404.html')).toContain('Page not found');
  });

  test('--base-url: every link of the output starts with it', async () => {
    smallSite();
    await buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'served'), baseUrl: 'docs/small' });
    const page = read('served/guide/setup/index.html');
    const links = [...page.matchAll(/(?:href|src|action|data-[\w-]+)="(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) expect(link.startsWith('/docs/small/'), link).toBe(true);
  });

  test('a big site lists the pages of the current section only; other sections link to their first page', async () => {
    const nav = ['site_name: Big', 'nav:'];
    for (let s = 0; s < 4; s++) {
      nav.push(`  - Section ${s}:`);
      for (let p = 0; p < 40; p++) {
        nav.push(`      - s${s}/p${p}.md`);
        write(`big/docs/s${s}/p${p}.md`, `# Page ${s}.${p}\n`);
      }
    }
    write('big/mkdocs.yml', `${nav.join('\n')}\n`);
    await buildDocs(join(dir.path, 'big'), { outDir: join(dir.path, 'out') });
    const page = read('out/s1/p5/index.html');
    const siteNav = page.slice(page.indexOf('<nav id="sz-docs-nav"'), page.indexOf('</nav>', page.indexOf('<nav id="sz-docs-nav"')));
    expect(siteNav).toContain('<a href="/s1/p5/" aria-current="page">Page 1.5</a>');
    expect(siteNav).toContain('<a href="/s1/p39/">Page 1.39</a>');
    expect(siteNav).toContain('<li class="sz-docs-group sz-docs-pruned"><a href="/s0/p0/">Section 0</a></li>');
    expect(siteNav).not.toContain('/s0/p1/');
    expect(siteNav).not.toContain('/s3/p1/');
  });

  test('a site without an index page gets one that leads to its first page', async () => {
    write('src/mkdocs.yml', 'site_name: No index\nnav:\n  - First: first.md\n');
    write('src/docs/first.md', '# First\n');
    await buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'out') });
    expect(read('out/index.html')).toContain('<meta http-equiv="refresh" content="0; url=/first/">');
  });

  test('an output folder that holds anything but an earlier build is left alone', async () => {
    smallSite();
    write('project/keep.txt', 'precious');
    await expect(buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'project') })).rejects.toThrow(DocsError);
    expect(read('project/keep.txt')).toBe('precious');
    // An earlier build is replaced as a whole: a page removed from the source is gone.
    await buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'out') });
    expect(existsSync(join(dir.path, 'out/guide/use/index.html'))).toBe(true);
    write('src/mkdocs.yml', 'site_name: Small\nnav:\n  - Home: index.md\n');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir.path, 'src/docs/guide'), { recursive: true });
    await buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'out') });
    expect(existsSync(join(dir.path, 'out/guide/use/index.html'))).toBe(false);
    expect(readdirSync(dir.path).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  test('page HTML is escaped: a title or heading with markup stays text', async () => {
    write('src/mkdocs.yml', 'site_name: "<script>alert(1)</script>"\n');
    write('src/docs/index.md', '---\ntitle: <img src=x onerror=alert(2)>\n---\n## <b>bold?</b>\n\n<iframe src="https://evil.example"></iframe>\n');
    await buildDocs(join(dir.path, 'src'), { outDir: join(dir.path, 'out') });
    const page = read('out/index.html');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<iframe');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('real-world configurations', () => {
  test('a Material for MkDocs site with Python tags and plugins builds, with warnings and no errors', async () => {
    const warnings: string[] = [];
    const report = await buildDocs(join(FIXTURES, 'material'), { outDir: join(dir.path, 'material'), onWarning: (w) => warnings.push(w) });
    expect(report.pages).toBeGreaterThanOrEqual(4);
    const all = report.warnings.join('\n');
    expect(all).toMatch(/!!python\/name/);
    expect(all).toMatch(/plugin/i);
    expect(warnings.length).toBeGreaterThan(0);
    const advanced = read('material/guide/advanced/index.html');
    expect(advanced).toContain('class="admonition');
    expect(advanced).toContain('tabbed-set');
    expect(advanced).toContain('task-list');
    // The palette's primary colour (indigo) becomes the brand colour of a stand-alone build.
    expect(advanced).toMatch(/--sz-brand:#[0-9a-f]{6}/i);
  });

  test('the monorepo form: a site included with !include is built under its site_name', async () => {
    const report = await buildDocs(join(FIXTURES, 'monorepo'), { outDir: join(dir.path, 'mono') });
    expect(report.warnings.filter((w) => /include/i.test(w))).toEqual([]);
    const files = listFiles(join(dir.path, 'mono'));
    const included = files.filter((f) => f.endsWith('index.html') && f.split('/').length > 2);
    expect(included.length).toBeGreaterThan(0);
    const index = JSON.parse(read('mono/search/search_index.json')) as { docs: { location: string }[] };
    // One search over both sites.
    expect(new Set(index.docs.map((d) => d.location.split('/')[0])).size).toBeGreaterThan(1);
  });

  test('ScheduleZero\'s own docs build without a broken link', async () => {
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    for (const source of ['docs', 'packages/handler/docs', 'handlers-python/docs']) {
      const report = await buildDocs(join(root, source), { outDir: join(dir.path, source.replace(/\//g, '_')) });
      expect(report.pages, source).toBeGreaterThan(2);
      expect(report.warnings.filter((w) => /link|image/.test(w)), source).toEqual([]);
    }
  });
});

describe('DocsBuildCache', () => {
  test('an unchanged site is not built again; a change builds it again and removes the old build', async () => {
    smallSite();
    const cache = new DocsBuildCache(join(dir.path, 'cache'));
    const load = () => DocSite.load(join(dir.path, 'src'), { baseUrl: '/docs/' });
    const first = await cache.ensure('small', await load(), {});
    expect(first.report?.pages).toBe(3);
    const again = await cache.ensure('small', await load(), {});
    expect(again.report).toBeNull();
    expect(again.dir).toBe(first.dir);

    // Touching a file without changing it does not count; changing its content does.
    write('src/docs/guide/use.md', '# Use\n\nSee [nowhere](missing.md).\n');
    expect((await cache.ensure('small', await load(), {})).report).toBeNull();
    write('src/docs/guide/use.md', '# Use\n\nChanged.\n');
    const changed = await cache.ensure('small', await load(), {});
    expect(changed.report).not.toBeNull();
    expect(changed.dir).not.toBe(first.dir);
    await cache.prune('small', changed.dir);
    expect(existsSync(first.dir)).toBe(false);
    expect(read(join('cache', changed.dir.split('/').pop()!, 'guide/use/index.html'))).toContain('Changed.');

    // Other theme options are another build.
    const themed = await cache.ensure('small', await load(), { primaryColor: '#ff0000' });
    expect(themed.dir).not.toBe(changed.dir);
  });

  test('two builds of the same site at once share one build', async () => {
    smallSite();
    const cache = new DocsBuildCache(join(dir.path, 'cache'));
    const site = await DocSite.load(join(dir.path, 'src'), { baseUrl: '/' });
    const [a, b] = await Promise.all([cache.ensure('s', site, {}), cache.ensure('s', site, {})]);
    expect(a.dir).toBe(b.dir);
    expect(statSync(join(a.dir, BUILD_MARKER)).isFile()).toBe(true);
  });
});

describe('buildSite', () => {
  test('unified: several sources in one site, each under its prefix, links between them work', async () => {
    write('a/mkdocs.yml', 'site_name: Alpha\n');
    write('a/docs/index.md', '# Alpha\n\nSee [beta](beta/index.md).\n');
    write('b/mkdocs.yml', 'site_name: Beta\n');
    write('b/docs/index.md', '# Beta home\n\nBack to [alpha](../index.md).\n');
    const site = await DocSite.merge(
      [
        { id: 'a', title: null, source: join(dir.path, 'a'), prefix: '' },
        { id: 'b', title: 'Beta docs', source: join(dir.path, 'b'), prefix: 'beta/' },
        { id: 'c', title: null, source: join(dir.path, 'missing'), prefix: 'c/' },
      ],
      { name: 'All' },
      { baseUrl: '/docs/' },
    );
    expect(site.warnings.join('\n')).toMatch(/documentation source "c".*does not exist; left out/);
    await buildSite(site, { outDir: join(dir.path, 'out') });
    const home = read('out/index.html');
    expect(home).toContain('<a href="/docs/beta/">beta</a>');
    expect(home).toContain('<summary>Beta docs</summary>');
    expect(read('out/beta/index.html')).toContain('<title>Beta home · All</title>');
    expect(read('out/beta/index.html')).toContain('<a href="/docs/">alpha</a>');
  });
});
