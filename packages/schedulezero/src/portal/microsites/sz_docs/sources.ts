import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedMicrosite, ResolvedPortalConfig } from '../../config/load.js';
import type { DocSiteEntry } from '../../config/schema.js';

/** What the list of doc sites is made from: the portal's config and its mounted microsites. */
export interface DocsInput {
  portal: Readonly<ResolvedPortalConfig>;
  /** The docs microsite's path ("/docs") and id. */
  docsPath: string;
  docsId: string;
  mounted: readonly { microsite: Readonly<ResolvedMicrosite>; docsDir: string | null }[];
}

/**
 * ScheduleZero's own documentation: the repository's docs/ folder. This module sits six folders
 * below the repository root both in src/ and in dist/ (packages/schedulezero/{src,dist}/portal/
 * microsites/sz_docs/). Installed from npm, six folders up is the user's project instead, whose
 * docs/ are not ScheduleZero's: the folder counts only inside the ScheduleZero repository.
 */
const REPO_ROOT = new URL('../../../../../../', import.meta.url);
export const CORE_DOCS_DIR = fileURLToPath(new URL('docs/', REPO_ROOT));

/** The handler SDKs' independent doc sites (their own mkdocs.yml), served under /docs/handlers/ as the seed's Phase 2. */
const SDK_DOCS = [
  { id: 'handlers-typescript', mount: 'handlers/typescript/', folder: fileURLToPath(new URL('packages/handler/docs/', REPO_ROOT)), icon: '🟦', description: 'Writing handlers in TypeScript with @schedulezero/handler.' },
  { id: 'handlers-python', mount: 'handlers/python/', folder: fileURLToPath(new URL('handlers-python/docs/', REPO_ROOT)), icon: '🐍', description: 'Writing handlers in Python with schedulezero_handler.' },
];

function coreDocsAvailable(): boolean {
  return existsSync(fileURLToPath(new URL('packages/schedulezero/package.json', REPO_ROOT))) && existsSync(CORE_DOCS_DIR);
}

interface EntryBase {
  /** Key of the site; its folder in a unified site. */
  id: string;
  /** The configured name; sites fall back to their site_name, then the id. */
  name: string | null;
  icon: string;
  description: string | null;
  order: number;
}

/** An MkDocs site built and served by the docs microsite. */
export interface SiteEntry extends EntryBase {
  kind: 'site';
  /** Path under the docs microsite, "" for its root or "handlers/python/". */
  mount: string;
  /** One source, or several merged into one site (the unified strategy), each at its prefix in the site. */
  sources: { id: string; title: string | null; source: string; prefix: string }[];
  unified: boolean;
}

/** An API reference rendered with Swagger UI. */
export interface OpenApiEntry extends EntryBase {
  kind: 'openapi';
  mount: string;
  spec: { url: string } | { file: string };
}

/** A site that lives elsewhere: listed, linked, not served. */
export interface LinkEntry extends EntryBase {
  kind: 'link';
  href: string;
  external: boolean;
}

/** A configured site that cannot be served; listed with the reason. */
export interface BrokenEntry extends EntryBase {
  kind: 'broken';
  problem: string;
}

export type DocEntry = SiteEntry | OpenApiEntry | LinkEntry | BrokenEntry;

const URL_LIKE = /^(https?:)?\/\//i;

/**
 * The documentation of the portal, by `documentation.strategy`:
 * - modular (the seed also says separate): every MkDocs site built on its own and served at its
 *   own path: `path` when it lies under the docs microsite (`/docs`, `/docs/handlers/python`),
 *   else /docs/<id>/;
 * - unified: every MkDocs source merged into one site at the docs microsite's root, one
 *   navigation and one search;
 * - external: every site listed as a link to its `url`.
 * Sites of type openapi are served with Swagger UI in modular and unified portals. Without any
 * `documentation.sites`, ScheduleZero's own docs are served (core at /docs, the handler SDKs under
 * /docs/handlers/).
 */
export function collectEntries(ctx: DocsInput, warn: (message: string) => void): DocEntry[] {
  const { strategy } = ctx.portal.documentation;
  const where = (index: number) => `${ctx.portal.file ?? 'portal config'}: documentation.sites[${index}]`;
  const entries: DocEntry[] = [];
  const taken = new Set<string>();
  const add = (entry: DocEntry, at: string) => {
    if (taken.has(entry.id)) {
      warn(`${at}: a documentation site with id "${entry.id}" is already listed; this one is left out`);
      return;
    }
    taken.add(entry.id);
    entries.push(entry);
  };

  const configured = ctx.portal.documentation.sites.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.enabled !== false);
  const mkdocs: { base: EntryBase; folder: string; path: string | undefined; at: string }[] = [];
  for (const { entry, index } of configured) {
    const base = baseOf(entry, (index + 1) * 10);
    const type = entry.type ?? entry.microsite_type ?? 'mkdocs';
    const folder = entry.docs_source ?? entry.source;
    const url = entry.url ?? (entry.path !== undefined && URL_LIKE.test(entry.path) ? entry.path : undefined);
    if (strategy === 'external' || url !== undefined) {
      if (url === undefined) add({ kind: 'broken', ...base, problem: 'The external strategy lists sites as links: give this site a url.' }, where(index));
      else add({ kind: 'link', ...base, name: base.name ?? (type === 'openapi' ? 'API reference' : null), href: url, external: URL_LIKE.test(url) }, where(index));
      continue;
    }
    if (type === 'openapi') {
      const spec = folder !== undefined ? { file: resolve(ctx.portal.baseDir, folder) } : { url: '/api/v1/openapi.json' };
      add({ kind: 'openapi', ...base, name: base.name ?? 'API reference', mount: mountOf(base.id, entry.path, ctx, warn, where(index)), spec }, where(index));
      continue;
    }
    if (folder === undefined) {
      add({ kind: 'broken', ...base, problem: 'The entry gives neither docs_source (a folder with mkdocs.yml) nor url.' }, where(index));
      continue;
    }
    const path = folder === 'schedulezero-core' ? CORE_DOCS_DIR : resolve(ctx.portal.baseDir, folder);
    mkdocs.push({ base, folder: path, path: entry.path, at: where(index) });
  }

  // Microsites with docs of their own (a custom microsite's docs folder).
  for (const mounted of ctx.mounted) {
    if (mounted.docsDir === null || mounted.microsite.id === ctx.docsId) continue;
    const { microsite } = mounted;
    const base = { id: microsite.id, name: null, icon: microsite.icon, description: microsite.description || null, order: 100_000 + microsite.nav_order };
    // A microsite of type mkdocs serves its site at its own path (the seed's Option B).
    if (microsite.type === 'mkdocs') add({ kind: 'link', ...base, name: microsite.name, href: `${microsite.path}/`, external: false }, microsite.where);
    else if (strategy !== 'external') mkdocs.push({ base, folder: mounted.docsDir, path: undefined, at: microsite.where });
  }

  if (configured.length === 0 && coreDocsAvailable() && strategy !== 'external') {
    mkdocs.unshift({ base: { id: 'core', name: null, icon: '📘', description: null, order: 0 }, folder: CORE_DOCS_DIR, path: ctx.docsPath, at: 'ScheduleZero docs' });
    SDK_DOCS.forEach((sdk, i) => {
      if (existsSync(sdk.folder)) {
        mkdocs.splice(1 + i, 0, {
          base: { id: sdk.id, name: null, icon: sdk.icon, description: sdk.description, order: 1 + i },
          folder: sdk.folder,
          path: `${ctx.docsPath}/${sdk.mount}`,
          at: sdk.id,
        });
      }
    });
  }

  if (strategy === 'unified' && mkdocs.length > 0) {
    const sorted = [...mkdocs].sort((a, b) => a.base.order - b.base.order);
    add(
      {
        kind: 'site',
        id: 'unified',
        name: ctx.portal.portal.name,
        icon: '📖',
        description: `${sorted.length} documentation ${sorted.length === 1 ? 'source' : 'sources'} in one site with one search.`,
        order: sorted[0]!.base.order,
        mount: '',
        // Each source keeps the path it has as a site of its own: links to it work in both strategies.
        sources: sorted.map((m) => ({ id: m.base.id, title: m.base.name, source: m.folder, prefix: mountOf(m.base.id, m.path, ctx, warn, m.at) })),
        unified: true,
      },
      'documentation',
    );
  } else {
    for (const m of mkdocs) {
      const mount = mountOf(m.base.id, m.path, ctx, warn, m.at);
      add({ kind: 'site', ...m.base, mount, sources: [{ id: m.base.id, title: m.base.name, source: m.folder, prefix: '' }], unified: false }, m.at);
    }
  }
  return entries.sort((a, b) => a.order - b.order);
}

function baseOf(entry: DocSiteEntry, position: number): EntryBase {
  return {
    id: entry.id,
    name: entry.name ?? null,
    icon: entry.icon ?? '',
    description: entry.description ?? null,
    // priority and nav_order both sort ascending: 1 comes before 2.
    order: entry.priority ?? entry.nav_order ?? position,
  };
}

/**
 * Where a served site goes: its configured path when that lies under the docs microsite ("/docs"
 * is the root, "/docs/handlers/python" a folder), else /docs/<id>/. Two sites never share a path.
 */
function mountOf(id: string, path: string | undefined, ctx: DocsInput, warn: (message: string) => void, at: string): string {
  const root = ctx.docsPath;
  const fallback = `${id}/`;
  let mount = fallback;
  if (path !== undefined) {
    const clean = path.replace(/\/+$/, '');
    if (clean === root) mount = '';
    else if (clean.startsWith(`${root}/`)) mount = `${clean.slice(root.length + 1)}/`;
    else warn(`${at}: path ${path} is not under the docs microsite's path ${root}; the site is served at ${root}/${fallback}`);
  }
  if (mount.startsWith('_')) {
    warn(`${at}: path ${path}: paths starting with "_" are the docs microsite's own; the site is served at ${root}/${fallback}`);
    mount = fallback;
  }
  return mount;
}

/** Mounts of served entries must differ; a later duplicate moves to /<id>/. */
export function dedupeMounts(entries: DocEntry[], warn: (message: string) => void): void {
  const used = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind !== 'site' && entry.kind !== 'openapi') continue;
    const other = used.get(entry.mount);
    if (other !== undefined) {
      warn(`documentation site "${entry.id}" has the same path as "${other}"; it is served at ${entry.id}/`);
      entry.mount = `${entry.id}/`;
    }
    used.set(entry.mount, entry.id);
  }
}
