import type { DocsBuildCache, CachedBuild } from '../build/cache.js';
import type { DocSite } from '../site.js';
import type { ThemeOptions } from '../theme/page.js';

export interface BuiltSiteOptions {
  /** Cache key prefix and folder name of the site's builds. */
  id: string;
  /** Read the site from its sources (again). */
  load: () => Promise<DocSite>;
  cache: DocsBuildCache;
  theme: (site: DocSite) => ThemeOptions;
  /** How often a request may check the sources for changes. */
  recheckMs?: number;
  onBuilt?: (build: CachedBuild, site: DocSite) => void;
}

/** A site as served: its sources read, built, and the folder of the build. */
export interface ServedSite {
  site: DocSite;
  dir: string;
}

/**
 * A documentation site served from its static build. Built on first use (the portal asks for it
 * as it starts), then, at most every `recheckMs`, a request checks whether a config file, folder or
 * page changed and builds again if so. Builds are keyed by content hash, so reading a site that
 * did not change (a restart, a touched file) reuses the earlier build.
 */
export class BuiltSite {
  private current: Promise<ServedSite> | null = null;
  private checkedAt = 0;

  constructor(private readonly options: BuiltSiteOptions) {}

  get id(): string {
    return this.options.id;
  }

  async get(): Promise<ServedSite> {
    if (this.current === null) {
      this.checkedAt = Date.now();
      this.current = this.build();
    } else if (Date.now() - this.checkedAt >= (this.options.recheckMs ?? 1000)) {
      this.checkedAt = Date.now();
      const served = await this.current.catch(() => null);
      if (served === null || (await served.site.isStale())) this.current = this.build();
    }
    return this.current;
  }

  private async build(): Promise<ServedSite> {
    const site = await this.options.load();
    const build = await this.options.cache.ensure(this.options.id, site, this.options.theme(site));
    this.options.onBuilt?.(build, site);
    await this.options.cache.prune(this.options.id, build.dir);
    return { site, dir: build.dir };
  }
}
