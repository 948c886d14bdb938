/**
 * Heading ids the way MkDocs makes them (Python-Markdown's toc extension), so that links written
 * for an MkDocs build, such as `dst.md#times-without-an-offset`, land on the same heading here.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\x00-\x7f]/g, '')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** Ids unique within one page: a repeated heading gets `_1`, `_2`, ... as in MkDocs. */
export class SlugRegistry {
  private readonly used = new Set<string>();

  unique(text: string): string {
    const base = slugify(text) || 'section';
    let id = base;
    for (let n = 1; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}
