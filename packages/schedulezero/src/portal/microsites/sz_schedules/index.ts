import { defineMicrosite } from '../../plugin.js';

export default defineMicrosite({
  id: 'sz_schedules',
  routes(app, ctx) {
    app.get('/', async (request, reply) => ctx.page(request, reply, { title: ctx.microsite.name, body: ctx.html`<h1>${ctx.microsite.name}</h1>` }));
  },
});
