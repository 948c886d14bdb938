import { defineMicrosite } from '../../plugin.js';
import { docsRoutes } from './routes.js';

/**
 * sz_docs: the portal's documentation. Lists the doc sites (documentation.sites of
 * portal_config.yaml, microsites' MkDocs sites, ScheduleZero's own docs by default) and serves
 * each MkDocs site under /<site-id>/, rendering pages from Markdown on first request.
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
