import type { Command } from 'commander';
import { CliError } from '../client.js';

interface BuildFlags {
  site?: string;
  out?: string;
  baseUrl?: string;
  portalConfig?: string;
  strict?: boolean;
}

export function registerDocsCommands(program: Command, json: () => boolean): void {
  const docs = program.command('docs').description('documentation sites (MkDocs-compatible): build them as static sites, serve one while writing');

  docs
    .command('build')
    .argument('[source]', 'a folder holding mkdocs.yml, or the file; default: the doc sites of the portal')
    .description('build documentation as static sites: one MkDocs site, or every doc site of the portal as it serves them')
    .option('--site <id>', "only this site of the portal's documentation")
    .option('--out <dir>', "output folder (default: mkdocs.yml's site_dir for a source, ./site for the portal)")
    .option('--base-url <path>', 'URL path the output is served at (default / for a source, the docs path for the portal)')
    .option('--portal-config <file>', 'portal_config.yaml (env SCHEDULEZERO_PORTAL_CONFIG, default ./portal_config.yaml when present)')
    .option('--strict', 'exit with status 1 when there are warnings (broken links, unknown settings)')
    .action(async (source: string | undefined, o: BuildFlags) => {
      const { buildDocs, normalizeBase } = await import('../../docs/build/index.js');
      type BuildReport = import('../../docs/build/index.js').BuildReport;
      const { DocsError } = await import('../../docs/errors.js');
      const progress = (id: string) => (e: { phase: string; done: number; total: number }) => {
        if (!json() && process.stderr.isTTY) process.stderr.write(`\r${id}: ${e.phase} ${e.done}/${e.total}   `);
      };
      const results: { id: string; outDir: string; pages: number; files: number; ms: number; warnings: string[] }[] = [];
      const run = async (id: string, build: (onProgress: ReturnType<typeof progress>) => Promise<BuildReport>) => {
        try {
          const report = await build(progress(id));
          if (!json() && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          results.push({ id, outDir: report.outDir, pages: report.pages, files: report.files, ms: Math.round(report.ms), warnings: report.warnings });
          if (!json()) {
            for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
            process.stdout.write(`${id}: ${report.pages} pages, ${report.files} files in ${Math.round(report.ms)} ms -> ${report.outDir}${report.warnings.length ? ` (${report.warnings.length} warnings)` : ''}\n`);
          }
        } catch (err) {
          if (err instanceof DocsError) throw new CliError(`${id}: ${err.message}`, 2);
          throw err;
        }
      };

      if (source !== undefined) {
        if (o.site) throw new CliError('--site picks a site of the portal; it cannot be used with a source folder', 2);
        await run(source, (onProgress) => buildDocs(source, { ...(o.out ? { outDir: o.out } : {}), ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), onProgress }));
      } else {
        const { resolve, join } = await import('node:path');
        const { loadPortalConfig } = await import('../../portal/config/load.js');
        const { collectEntries, dedupeMounts } = await import('../../portal/microsites/sz_docs/sources.js');
        const { config, warnings } = loadPortalConfig(o.portalConfig ? { flag: o.portalConfig } : {});
        if (!json()) for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        const docsMicrosite = config.microsites.find((m) => m.id === 'sz_docs');
        const docsPath = docsMicrosite?.path ?? '/docs';
        const warn = (message: string) => (json() ? undefined : process.stderr.write(`warning: ${message}\n`));
        const entries = collectEntries(
          { portal: config, docsPath, docsId: 'sz_docs', mounted: config.microsites.filter((m) => m.enabled).map((m) => ({ microsite: m, docsDir: m.docs_source })) },
          warn,
        );
        dedupeMounts(entries, warn);
        const sites = entries.filter((e) => e.kind === 'site' && (!o.site || e.id === o.site));
        if (o.site && sites.length === 0) {
          throw new CliError(`the portal has no documentation site "${o.site}"; its sites: ${entries.filter((e) => e.kind === 'site').map((e) => e.id).join(', ') || 'none'}`, 2);
        }
        const outRoot = resolve(o.out ?? 'site');
        const base = normalizeBase(o.baseUrl ?? docsPath);
        const { DocSite } = await import('../../docs/site.js');
        const { buildSite } = await import('../../docs/build/builder.js');
        // The root site first: its build replaces its whole folder, sites mounted inside it come after.
        sites.sort((x, y) => (x.kind === 'site' && y.kind === 'site' ? x.mount.length - y.mount.length : 0));
        for (const entry of sites) {
          if (entry.kind !== 'site') continue;
          const options = { baseUrl: base + entry.mount };
          await run(entry.id, async (onProgress) => {
            const site = entry.unified
              ? await DocSite.merge(entry.sources, { name: entry.name ?? 'Documentation', description: entry.description }, options)
              : await DocSite.load(entry.sources[0]!.source, options);
            return buildSite(site, { outDir: join(outRoot, entry.mount), onProgress });
          });
        }
      }
      if (json()) process.stdout.write(`${JSON.stringify({ sites: results }, null, 2)}\n`);
      if (o.strict && results.some((r) => r.warnings.length > 0)) throw new CliError('warnings found (--strict)', 1);
    });

  docs
    .command('serve')
    .argument('[source]', 'a folder holding mkdocs.yml, or the file (default: the current folder)')
    .description('serve a documentation site while you write it: built again on every change, open pages reload')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port', '8000')
    .action(async (source: string | undefined, o: { host: string; port: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port "${o.port}" is not a port number`, 2);
      const { startDevServer } = await import('../../docs/serve/dev-server.js');
      const { DocsError } = await import('../../docs/errors.js');
      const server = await startDevServer({
        source: source ?? '.',
        host: o.host,
        port,
        onBuild: (report, error) => {
          const time = new Date().toTimeString().slice(0, 8);
          if (report) {
            for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
            process.stdout.write(`${time} built ${report.pages} pages in ${Math.round(report.ms)} ms\n`);
          } else {
            process.stderr.write(`${time} build failed: ${error instanceof DocsError ? error.message : String(error)}\n`);
          }
        },
      });
      process.stdout.write(`serving on ${server.url} (Ctrl+C to stop)\n`);
      const stop = () => {
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
