import { DocSite, type DocSiteOptions } from './site.js';

/**
 * A site that follows its folder: read on first use, read again when mkdocs.yml, a folder or a
 * page changed (checked at most every `recheckMs`), and retried after a failed read. Pages are
 * cached by the site itself until their file changes.
 */
export class LiveDocSite {
  private current: Promise<DocSite> | null = null;
  private checkedAt = 0;

  constructor(
    readonly source: string,
    private readonly options: DocSiteOptions & { recheckMs?: number },
  ) {}

  async get(): Promise<DocSite> {
    if (this.current === null || (Date.now() - this.checkedAt >= (this.options.recheckMs ?? 1000) && (await this.stale()))) {
      this.checkedAt = Date.now();
      this.current = DocSite.load(this.source, this.options);
    }
    return this.current;
  }

  private async stale(): Promise<boolean> {
    // Set first, so that requests arriving during the check do not start checks of their own.
    this.checkedAt = Date.now();
    const site = await this.current!.catch(() => null);
    return site === null || (await site.isStale());
  }
}
