/**
 * Writes a deterministic MkDocs site (mkdocs.yml + docs/) of `pages` content pages plus a home
 * page: up to 10 sections, each split into subsections of about 25 pages, nested the same way in
 * the nav. Only Python-Markdown's own extensions are used, so Debian's plain `mkdocs` package
 * builds it with no extra Python packages.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { anchor, writePage, type PagePlan } from './page.js';
import { Random } from './random.js';
import { headingPhrases, sections, subsections, topics } from './words.js';

export interface SiteOptions {
  /** Content pages, besides the home page. */
  pages: number;
  seed?: number;
  /** Adds `codehilite` (server-side Pygments highlighting in MkDocs); only when Pygments is installed. */
  codehilite?: boolean;
}

export interface GeneratedSite {
  /** Folder holding mkdocs.yml. */
  dir: string;
  configFile: string;
  /** Markdown files written, the home page included. */
  pages: number;
  lines: number;
}

interface Section {
  title: string;
  groups: { title: string; pages: PagePlan[] }[];
}

const slug = (s: string) => anchor(s);
const quote = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

function plan(r: Random, total: number): Section[] {
  const sectionCount = Math.min(10, Math.max(1, Math.ceil(total / 25)));
  const result: Section[] = [];
  let made = 0;
  for (let s = 0; s < sectionCount; s++) {
    // Spread the pages evenly: the first `total % sectionCount` sections take one more.
    const inSection = Math.floor(total / sectionCount) + (s < total % sectionCount ? 1 : 0);
    const title = sections[s]!;
    const section: Section = { title, groups: [] };
    const groupCount = Math.max(1, Math.round(inSection / 25));
    for (let g = 0; g < groupCount; g++) {
      const inGroup = Math.floor(inSection / groupCount) + (g < inSection % groupCount ? 1 : 0);
      const groupTitle = subsections[g % subsections.length]! + (g >= subsections.length ? ` ${Math.floor(g / subsections.length) + 1}` : '');
      const pages: PagePlan[] = [];
      for (let p = 0; p < inGroup; p++, made++) {
        const topic = r.pick(topics);
        const pageTitle = `${topic.charAt(0).toUpperCase()}${topic.slice(1)} ${made + 1}`;
        pages.push({
          path: `${slug(title)}/${slug(groupTitle)}/${slug(pageTitle)}.md`,
          title: pageTitle,
          headings: r.sample(headingPhrases, r.int(5, 7)),
        });
      }
      section.groups.push({ title: groupTitle, pages });
    }
    result.push(section);
  }
  return result;
}

function config(site: Section[], codehilite: boolean): string {
  const lines = [
    'site_name: Generated Scheduler Docs',
    'site_description: A generated site for comparing documentation builders',
    'nav:',
    '  - Home: index.md',
  ];
  for (const section of site) {
    lines.push(`  - ${quote(section.title)}:`);
    for (const group of section.groups) {
      lines.push(`      - ${quote(group.title)}:`);
      for (const page of group.pages) lines.push(`          - ${quote(page.title)}: ${page.path}`);
    }
  }
  lines.push('markdown_extensions:', '  - admonition', '  - footnotes', '  - tables', '  - fenced_code', '  - toc:', '      permalink: true');
  if (codehilite) lines.push('  - codehilite');
  return `${lines.join('\n')}\n`;
}

function home(site: Section[]): string {
  const lines = ['# Generated Scheduler Docs', '', 'A generated site: every section below starts here.', ''];
  for (const section of site) {
    const first = section.groups[0]?.pages[0];
    if (first) lines.push(`- [${section.title}](${first.path}): ${section.groups.length} groups`);
  }
  return `${lines.join('\n')}\n`;
}

export async function generateSite(dir: string, options: SiteOptions): Promise<GeneratedSite> {
  const r = new Random(options.seed ?? 20_240_601);
  const site = plan(r, options.pages);
  const all = site.flatMap((s) => s.groups.flatMap((g) => g.pages));
  const docs = join(dir, 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(join(dir, 'mkdocs.yml'), config(site, options.codehilite ?? false));
  await writeFile(join(docs, 'index.md'), home(site));
  let lines = 0;
  const folders = new Set(all.map((p) => dirname(join(docs, p.path))));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  for (const page of all) {
    const text = writePage(r, page, all);
    lines += text.split('\n').length - 1;
    await writeFile(join(docs, page.path), text);
  }
  return { dir, configFile: join(dir, 'mkdocs.yml'), pages: all.length + 1, lines };
}
