import { defineMicrosite } from '../../plugin.js';
import { docsRoutes } from './routes.js';

/**
 * sz_docs: the portal's documentation. Builds the doc sites (documentation.sites of
 * portal_config.yaml, microsites' MkDocs sites, ScheduleZero's own docs by default) as static
 * sites and serves them by documentation.strategy: each at its own path (modular), merged into
 * one (unified) or listed as links (external); API references with Swagger UI.
 */
export default defineMicrosite({
  id: 'sz_docs',
  name: 'Docs',
  icon: '📖',
  assets: './assets',
  routes(app, ctx) {
    docsRoutes(app, ctx);
  },
});
