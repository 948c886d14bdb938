import { fileURLToPath } from 'node:url';
import type { CoreMicrosites, LoadedMicrosite } from '../loader.js';
import type { MicrositeDefinition } from '../plugin.js';

/** A built-in microsite: its folder holds index.ts (the definition) and, if any, assets/. */
function core(folder: string, load: () => Promise<{ default: MicrositeDefinition }>): () => Promise<LoadedMicrosite> {
  return async () => ({ definition: (await load()).default, dir: fileURLToPath(new URL(`./${folder}/`, import.meta.url)) });
}

/**
 * The core microsites by config id. `@openapi` serves entries of microsite_type openapi (the
 * server's own API reference, or an OpenAPI file), `@mkdocs` entries of microsite_type mkdocs.
 */
export const coreMicrosites: CoreMicrosites = {
  sz_dash: core('sz_dash', () => import('./sz_dash/index.js')),
  sz_schedules: core('sz_schedules', () => import('./sz_schedules/index.js')),
  sz_handlers: core('sz_handlers', () => import('./sz_handlers/index.js')),
  sz_docs: core('sz_docs', () => import('./sz_docs/index.js')),
  '@openapi': core('api_reference', () => import('./api_reference/index.js')),
  '@mkdocs': core('mkdocs_site', () => import('./mkdocs_site/index.js')),
};
