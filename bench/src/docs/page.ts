/**
 * One generated Markdown page: headings, wrapped paragraphs with inline code, emphasis and
 * relative links (some with #anchors) to other pages, lists, a table, fenced code, an admonition
 * and a footnote, 100 to 200 lines, the features MkDocs sites use most.
 */
import { posix } from 'node:path';
import type { Random } from './random.js';
import { codeBlock, languages } from './snippets.js';
import { adjectives, admonitionKinds, connectives, identifiers, nouns, topics, verbs } from './words.js';

export interface PagePlan {
  /** Path under docs/, posix separators: `scheduling/guides/retry-policies-17.md`. */
  path: string;
  title: string;
  /** The page's h2 headings, known up front so that other pages can link to their anchors. */
  headings: string[];
}

/** The id MkDocs' toc extension gives a plain-ASCII heading (the headings here are unique per page). */
export function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/[-\s]+/g, '-');
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

class PageWriter {
  private readonly lines: string[] = [];

  constructor(
    private readonly r: Random,
    private readonly page: PagePlan,
    private readonly all: readonly PagePlan[],
  ) {}

  private link(): string {
    const target = this.r.pick(this.all);
    let href = posix.relative(posix.dirname(this.page.path), target.path);
    if (this.r.chance(0.4)) href += `#${anchor(this.r.pick(target.headings))}`;
    return `[${target.title.toLowerCase()}](${href})`;
  }

  private sentence(): string {
    const r = this.r;
    const words = [
      capital(`the ${r.pick(adjectives)} ${r.pick(nouns)}`),
      r.pick(verbs),
      `the ${r.pick(nouns)}`,
      r.pick(connectives),
      `the ${r.pick(nouns)} ${r.pick(verbs)}`,
    ];
    const extra = r.next();
    if (extra < 0.2) words.push(`\`${r.pick(identifiers)}\``);
    else if (extra < 0.35) words.push(`*${r.pick(adjectives)}*`);
    else if (extra < 0.45) words.push(`**${r.pick(nouns)}**`);
    else if (extra < 0.65) words.push(`(see ${this.link()})`);
    else words.push(`of the ${r.pick(topics)}`);
    return `${words.join(' ')}.`;
  }

  /** A paragraph wrapped at about 90 characters, as hand-written Markdown usually is. */
  private paragraph(sentences = this.r.int(3, 6)): void {
    const text = Array.from({ length: sentences }, () => this.sentence()).join(' ');
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + word.length + 1 > 90) {
        this.lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    this.lines.push(line, '');
  }

  private bullets(ordered = false): void {
    const n = this.r.int(4, 7);
    for (let i = 0; i < n; i++) {
      const body = this.r.chance(0.3) ? `${this.link()}: ${this.sentence()}` : this.sentence();
      this.lines.push(`${ordered ? `${i + 1}.` : '-'} ${body}`);
    }
    this.lines.push('');
  }

  private table(): void {
    const columns = ['Option', 'Type', 'Default', 'Description'].slice(0, this.r.int(3, 4));
    this.lines.push(`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
    for (const name of this.r.sample(identifiers, this.r.int(4, 8))) {
      const cells = [`\`${name}\``, this.r.pick(['number', 'string', 'boolean', 'string[]']), `\`${this.r.int(0, 100)}\``];
      cells.push(`${capital(this.r.pick(adjectives))} ${this.r.pick(nouns)} ${this.r.pick(verbs)} ${this.r.pick(topics)}.`);
      this.lines.push(`| ${cells.slice(0, columns.length).join(' | ')} |`);
    }
    this.lines.push('');
  }

  private code(language = this.r.pick(languages)): void {
    this.lines.push(...codeBlock(this.r, language), '');
  }

  private admonition(): void {
    const kind = this.r.pick(admonitionKinds);
    this.lines.push(`!!! ${kind} "${capital(this.r.pick(topics))} and ${this.r.pick(nouns)}s"`);
    for (let i = this.r.int(2, 4); i > 0; i--) this.lines.push(`    ${this.sentence()}`);
    this.lines.push('');
  }

  write(): string {
    const r = this.r;
    const [h1, h2, h3, h4, ...rest] = this.page.headings;
    const codeLanguages = r.sample(languages, r.int(2, 3));
    this.lines.push(`# ${this.page.title}`, '');
    this.paragraph();
    this.paragraph();
    this.lines.push(`## ${h1}`, '');
    this.paragraph();
    this.bullets();
    this.lines.push(`### ${capital(r.pick(topics))} in practice`, '');
    this.paragraph();
    this.code(codeLanguages[0]);
    this.lines.push(`## ${h2}`, '');
    this.paragraph();
    this.table();
    const text = this.sentence();
    this.lines.push(`${text.slice(0, -1)}[^1].`, '');
    this.paragraph();
    this.lines.push(`## ${h3}`, '');
    this.admonition();
    this.paragraph();
    this.code(codeLanguages[1]);
    this.lines.push(`### ${capital(r.pick(nouns))} ${r.pick(verbs)} ${r.pick(nouns)}s`, '');
    this.paragraph();
    this.bullets(true);
    this.lines.push(`## ${h4}`, '');
    this.paragraph();
    if (codeLanguages[2]) this.code(codeLanguages[2]);
    for (const heading of rest) {
      this.lines.push(`## ${heading}`, '');
      this.paragraph();
      if (r.chance(0.5)) this.bullets();
      else this.paragraph();
    }
    this.lines.push('## See also', '');
    for (let i = r.int(3, 5); i > 0; i--) this.lines.push(`- ${this.link()}`);
    this.lines.push('', `[^1]: ${this.sentence()}`);
    return `${this.lines.join('\n')}\n`;
  }
}

export function writePage(r: Random, page: PagePlan, all: readonly PagePlan[]): string {
  return new PageWriter(r, page, all).write();
}
