import type { Command } from 'commander';
import { table } from '../output.js';

export function registerPortalCommands(program: Command, json: () => boolean): void {
  const portal = program.command('portal').description('the web portal: check its portal_config.yaml, print its JSON Schema');

  portal
    .command('check')
    .argument('[file]', 'portal_config.yaml (default: env SCHEDULEZERO_PORTAL_CONFIG, then ./portal_config.yaml)')
    .description('validate a portal config and load its microsites, without starting a server')
    .action(async (file: string | undefined) => {
      const { loadPortalConfig } = await import('../../portal/config/load.js');
      const { loadMicrosite } = await import('../../portal/loader.js');
      const { coreMicrosites } = await import('../../portal/microsites/index.js');
      const { config, warnings } = loadPortalConfig(file ? { flag: file } : {});
      for (const entry of config.microsites) {
        // Loading the code catches a missing entry module or a bad default export now, not at start-up.
        if (entry.enabled && entry.type !== 'external') await loadMicrosite(entry, coreMicrosites, config.baseDir);
      }
      if (json()) {
        process.stdout.write(`${JSON.stringify({ file: config.file, valid: true, warnings, config }, null, 2)}\n`);
        return;
      }
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${config.file ?? 'default portal (no portal_config.yaml found)'}: valid\n`);
      process.stdout.write(
        `${table(
          ['ID', 'NAME', 'TYPE', 'PATH', 'SOURCE', 'ENABLED', 'ORDER'],
          config.microsites.map((m) => [
            m.id,
            m.name,
            m.type,
            m.path,
            m.source.kind === 'core' ? 'schedulezero-core' : m.source.kind === 'path' ? m.source.path : m.source.name,
            m.enabled ? 'yes' : 'no',
            m.nav_order,
          ]),
        )}\n`,
      );
    });

  portal
    .command('schema')
    .description('print the JSON Schema of portal_config.yaml (for editor autocompletion)')
    .action(async () => {
      const { portalConfigJsonSchema } = await import('../../portal/config/schema.js');
      process.stdout.write(`${JSON.stringify(portalConfigJsonSchema(), null, 2)}\n`);
    });
}
