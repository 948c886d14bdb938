import { defineMicrosite } from '../../plugin.js';
import { dashboardRoutes } from './routes.js';

/**
 * The live dashboard: what runs now, what is due next, recent failures, handler health and the
 * last 24 hours as small charts, kept current over server-sent events; plus the dashboard cards
 * of the other microsites.
 */
export default defineMicrosite({
  id: 'sz_dash',
  name: 'Dashboard',
  icon: '📊',
  description: 'Live overview: running now, next due, failures, handler health.',
  assets: './assets',
  routes: dashboardRoutes,
});
