import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveDocSite } from '../../../docs/live.js';
import type { DocSiteEntry } from '../../config/schema.js';
import type { MicrositeContext } from '../../plugin.js';

/**
 * ScheduleZero's own documentation: the repository's docs/ folder. This module sits six folders
 * below the repository root both in src/ and in dist/ (packages/schedulezero/{src,dist}/portal/
 * microsites/sz_docs/). Installed from npm, six folders up is the user's project instead, whose
 * docs/ are not ScheduleZero's: the folder counts only inside the ScheduleZero repository.
 */
const REPO_ROOT = new URL('../../../../../../', import.meta.url);
export const CORE_DOCS_DIR = fileURLToPath(new URL('docs/', REPO_ROOT));

/** The handler SDKs' independent doc sites (their own mkdocs.yml), served beside the core docs. */
const SDK_DOCS = [
  { id: 'handlers-typescript', folder: fileURLToPath(new URL('packages/handler/docs/', REPO_ROOT)), icon: '🟦', description: 'Writing handlers in TypeScript with @schedulezero/handler.' },
  { id: 'handlers-python', folder: fileURLToPath(new URL('handlers-python/docs/', REPO_ROOT)), icon: '🐍', description: 'Writing handlers in Python with schedulezero_handler.' },
];

function coreDocsAvailable(): boolean {
  return existsSync(fileURLToPath(new URL('packages/schedulezero/package.json', REPO_ROOT))) && existsSync(CORE_DOCS_DIR);
}

interface SourceBase {
  /** URL segment under the docs microsite (/docs/<id>/) and key of the source. */
  id: string;
  /** The configured name; sites fall back to their site_name, then the id. */
  name: string | null;
  icon: string;
  description: string | null;
  order: number;
}

/** A Markdown site served by this microsite. */
export interface SiteSource extends SourceBase {
  kind: 'site';
  live: LiveDocSite;
  /** Where the source came from, for the index page. */
  origin: 'config' | 'microsite' | 'core';
}

/** A site that lives elsewhere: an external URL or an API reference. */
export interface LinkSource extends SourceBase {
  kind: 'link';
  href: string;
  external: boolean;
  type: 'external' | 'openapi';
}

/** A configured site that cannot be served; shown on the index with the reason. */
export interface BrokenSource extends SourceBase {
  kind: 'broken';
  problem: string;
}

export type DocSource = SiteSource | LinkSource | BrokenSource;

const URL_LIKE = /^(https?:)?\/\//i;

/**
 * The doc sites of the portal: documentation.sites of portal_config.yaml, then the MkDocs sites
 * of mounted microsites, and ScheduleZero's own docs when no sites are configured. Collected on
 * first use, because microsites mounted after this one are only known then.
 */
export class DocSources {
  private sources: DocSource[] | null = null;

  constructor(private readonly ctx: MicrositeContext) {}

  list(): readonly DocSource[] {
    this.sources ??= this.collect();
    return this.sources;
  }

  site(id: string): SiteSource | null {
    const source = this.list().find((s) => s.id === id);
    return source?.kind === 'site' ? source : null;
  }

  /** The only source, when there is exactly one and it is served here. */
  single(): SiteSource | null {
    const list = this.list();
    return list.length === 1 && list[0]!.kind === 'site' ? list[0]! : null;
  }

  private collect(): DocSource[] {
    const { ctx } = this;
    const out: DocSource[] = [];
    const add = (source: DocSource, where: string) => {
      if (out.some((s) => s.id === source.id)) {
        ctx.log.warn({ docs: source.id }, `${where}: a documentation site with id "${source.id}" is already listed; this one is left out`);
        return;
      }
      out.push(source);
    };

    const configured = ctx.portal.documentation.sites;
    configured.forEach((entry, index) => {
      if (entry.enabled === false) return;
      add(this.fromEntry(entry, (index + 1) * 10), `${ctx.portal.file ?? 'portal config'}: documentation.sites[${index}]`);
    });

    for (const mounted of ctx.mounted()) {
      if (mounted.docsDir === null) continue;
      const { microsite } = mounted;
      add(
        this.makeSite(microsite.id, mounted.docsDir, 'microsite', {
          name: null,
          icon: microsite.icon,
          description: microsite.description || null,
          order: 100_000 + microsite.nav_order,
        }),
        microsite.where,
      );
    }

    if (configured.length === 0 && coreDocsAvailable()) {
      add(this.makeSite('core', CORE_DOCS_DIR, 'core', { name: null, icon: '📘', description: null, order: 0 }), 'ScheduleZero docs');
      SDK_DOCS.forEach((sdk, i) => {
        if (existsSync(sdk.folder)) add(this.makeSite(sdk.id, sdk.folder, 'core', { name: null, icon: sdk.icon, description: sdk.description, order: 1 + i }), sdk.id);
      });
    }
    return out.sort((a, b) => a.order - b.order);
  }

  private fromEntry(entry: DocSiteEntry, position: number): DocSource {
    const base = {
      name: entry.name ?? null,
      icon: entry.icon ?? '',
      description: entry.description ?? null,
      // priority and nav_order both sort ascending: 1 comes before 2.
      order: entry.priority ?? entry.nav_order ?? position,
    };
    const type = entry.type ?? entry.microsite_type ?? 'mkdocs';
    if (type === 'openapi') {
      const href = entry.url ?? entry.path ?? this.openapiPath();
      return { kind: 'link', id: entry.id, ...base, name: base.name ?? 'API reference', href, external: URL_LIKE.test(href), type: 'openapi' };
    }
    if (entry.url !== undefined) {
      return { kind: 'link', id: entry.id, ...base, href: entry.url, external: URL_LIKE.test(entry.url), type: 'external' };
    }
    const folder = entry.docs_source ?? entry.source;
    if (folder === undefined) {
      return { kind: 'broken', id: entry.id, ...base, problem: 'The entry gives neither docs_source (a folder with mkdocs.yml) nor url.' };
    }
    const path = folder === 'schedulezero-core' ? CORE_DOCS_DIR : resolve(this.ctx.portal.baseDir, folder);
    return this.makeSite(entry.id, path, 'config', base);
  }

  private makeSite(id: string, folder: string, origin: SiteSource['origin'], base: Omit<SourceBase, 'id'>): SiteSource {
    const live = new LiveDocSite(folder, {
      baseUrl: this.ctx.url(`/${id}/`),
      onWarning: (message) => this.ctx.log.warn({ docs: id }, message),
    });
    return { kind: 'site', id, ...base, live, origin };
  }

  /** The portal's API reference microsite, else the OpenAPI document itself. */
  private openapiPath(): string {
    const reference = this.ctx.mounted().find((m) => m.microsite.type === 'openapi');
    return reference ? `${reference.microsite.path}/` : '/api/v1/openapi.json';
  }
}
