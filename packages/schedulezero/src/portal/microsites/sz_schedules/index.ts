import { defineMicrosite } from '../../plugin.js';
import { formRoutes } from './routes/form.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { Site } from './site.js';

/**
 * Schedules: the list with live search, the create and edit forms with a live trigger preview,
 * a schedule's page with its next fire times and run history, and a run's page.
 */
export default defineMicrosite({
  id: 'sz_schedules',
  name: 'Schedules',
  icon: '🗓️',
  description: 'Create, edit, pause and run schedules; run history.',
  assets: './assets',
  routes(app, ctx) {
    const site = new Site(ctx);
    // Fastify matches the static paths (/new, /preview, /runs/...) before /:id, whatever the order.
    formRoutes(app, site);
    runRoutes(app, site);
    scheduleRoutes(app, site);
  },
});
